-- Every milestone of every negotiation: the watchlist's (source = 'watchlist', evidence null) and
-- those stated in the coverage (source = 'coverage', evidence = the sentence, url its article).
-- A date both give appears twice, once per source: that two sources agree is worth seeing.
-- date_precision (day | month | season) and last_date: a coverage date known only to its month or
-- season is stored as its first day (date) and may fall on any day up to last_date.
create or replace view v_milestones as
select negotiation, date, kind, label, 'watchlist' as source, null as evidence, null as url,
    null as published, 'day' as date_precision, date as last_date
from watchlist_milestones
union all
select negotiation, date, kind, label, 'coverage' as source, evidence, url, published,
    date_precision, last_date
from sentence_milestones
order by negotiation, date, kind, source;
comment on view v_milestones is 'Milestones per negotiation: source watchlist (the watchlist''s dates) or coverage (stated in an article, with the sentence as evidence); date_precision day | month | season, last_date the last day it can fall on.';
