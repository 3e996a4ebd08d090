-- One row per sentence of the current NLP version (negotiation may be null), with its article.
create or replace view v_sentences as
select
    s.article_id as article_id,
    s.url as url,
    s.source as source,
    s.published as published,
    s.title as title,
    s.sent_index as sent_index,
    s.sentence as sentence,
    s.negotiation as negotiation,
    s.signal as signal,
    s.signal_confidence as signal_confidence,
    s.tone as tone,
    s.tone_score as tone_score,
    s.issues as issues,
    s.parties as parties,
    s.speaker as speaker
from stg_sentences as s;
comment on view v_sentences is 'One labelled sentence of the current NLP version (negotiation may be null) with its article: url, source, published, title; signal, tone, tone_score, issues[], parties[].';
