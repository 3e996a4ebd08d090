-- Every sentence about a watched negotiation with a signal other than 'none', newest first, with
-- the evidence that produced its labels (JSON array text, as the NLP wrote it). Filter it by
-- negotiation and date and take the first rows for "the latest signals" of any period.
create or replace view v_latest_signals as
select
    s.negotiation as negotiation,
    s.published as published,
    a.source as source,
    a.url as url,
    a.title as title,
    s.sent_index as sent_index,
    s.sentence as sentence,
    s.signal as signal,
    s.tone as tone,
    cast(coalesce(s.evidence, '[]') as varchar) as evidence
from stg_negotiation_sentences as s
inner join articles as a on s.article_id = a.article_id
where s.signal <> 'none'
order by s.published desc, s.negotiation, a.url, s.sent_index;
comment on view v_latest_signals is 'Sentences about a watched negotiation with a signal other than none, newest first, with the evidence (JSON text) that produced their labels.';
