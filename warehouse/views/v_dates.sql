-- One row per date expression of a current-version sentence (date rows are replaced together with
-- their sentence, so matching the sentence's version is enough).
create or replace view v_dates as
select
    d.article_id as article_id,
    d.sent_index as sent_index,
    d.text as text,
    d.value as value,
    d.type as type
from sentence_dates as d
semi join sentences as s
    on s.article_id = d.article_id
    and s.sent_index = d.sent_index
order by d.article_id, d.sent_index, d.date_index;
comment on view v_dates is 'One date expression of a current-version sentence: text (verbatim), value (YYYY, YYYY-MM, YYYY-MM-DD or YYYY-SU/WI/SP/FA, null if unresolved), type (date, duration, set).';
