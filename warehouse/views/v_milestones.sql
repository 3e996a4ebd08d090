-- Every milestone of every negotiation: the watchlist's (source = 'watchlist', evidence null) and
-- those stated in the coverage (source = 'coverage', evidence = the sentence, url its article).
-- A date both give appears twice, once per source: that two sources agree is worth seeing.
-- date_precision (day | month | season) and last_date: a coverage date known only to its month or
-- season is stored as its first day (date) and may fall on any day up to last_date.
-- precision_rank (day 0, month 1, season 2): the order of one date's milestones, the exact day
-- first; the report and the brief sort by it, so the ranking is defined here once.
create or replace view v_milestones as
select
    *,
    case date_precision when 'day' then 0 when 'month' then 1 when 'season' then 2 end
        as precision_rank
from (
    select negotiation, date, kind, label, 'watchlist' as source, null as evidence, null as url,
        null as published, 'day' as date_precision, date as last_date
    from watchlist_milestones
    union all
    select negotiation, date, kind, label, 'coverage' as source, evidence, url, published,
        date_precision, last_date
    from sentence_milestones
)
order by negotiation, date, kind, source;
comment on view v_milestones is 'Milestones per negotiation: source watchlist (the watchlist''s dates) or coverage (stated in an article, with the sentence as evidence); date_precision day | month | season, last_date the last day it can fall on, precision_rank 0 | 1 | 2 (day first) to order one date''s milestones.';
