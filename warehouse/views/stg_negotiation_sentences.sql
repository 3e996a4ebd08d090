-- What every per-negotiation trend counts: current-version sentences about a watched negotiation,
-- in articles with a known publication day. Join-free for rows whose published/source copies the
-- load filled in; rows written without them (by hand, by other tools) fall back to the article.
create or replace view stg_negotiation_sentences as
select
    u.article_id as article_id,
    u.sent_index as sent_index,
    u.negotiation as negotiation,
    u.published as published,
    cast(date_trunc('week', u.published) as date) as week,
    u.source as source,
    u.signal as signal,
    cast(u.tone as integer) as tone,
    u.tone_score as tone_score,
    u.issues as issues,
    u.sentence as sentence,
    u.evidence as evidence,
    u.speaker as speaker
from (
    select
        s.article_id, s.sent_index, s.negotiation, s.published, s.source, s.signal, s.tone,
        s.tone_score, s.issues, s.sentence, s.evidence, s.speaker
    from sentences as s
    where s.negotiation is not null
        and s.published is not null
    union all
    select
        s.article_id, s.sent_index, s.negotiation, a.published, a.source, s.signal, s.tone,
        s.tone_score, s.issues, s.sentence, s.evidence, s.speaker
    from sentences as s
    inner join articles as a on s.article_id = a.article_id
    where s.negotiation is not null
        and s.published is null
        and a.published is not null
) as u;
