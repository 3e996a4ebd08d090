-- Every stored sentence with its article's columns (a load replaces all of an article's sentences,
-- so each article appears in exactly one NLP version: the one that last labelled it); week = Monday of the ISO week
-- of the publication day.
create or replace view stg_sentences as
select
    s.article_id as article_id,
    a.url as url,
    a.source as source,
    a.published as published,
    cast(date_trunc('week', a.published) as date) as week,
    a.title as title,
    s.sent_index as sent_index,
    s.sentence as sentence,
    s.negotiation as negotiation,
    s.signal as signal,
    s.signal_confidence as signal_confidence,
    cast(s.tone as integer) as tone,
    s.tone_score as tone_score,
    s.issues as issues,
    s.parties as parties,
    s.speaker as speaker
from sentences as s
inner join articles as a on s.article_id = a.article_id;
