-- Evidence for each alert in the registered relation evidence_spec(alert_id, negotiation,
-- ev_start, ev_end, ev_signal, ev_sign): the best sentence of each article in the window, then the
-- best $k articles. ev_sign -1 ranks the most negative tone first, +1 the most positive, 0 the
-- strongest tone either way (used with a signal filter).
with candidates as (
    select
        spec.alert_id,
        s.sentence,
        s.url,
        s.source,
        s.published,
        s.title,
        s.signal,
        s.tone_score,
        s.article_id,
        s.sent_index,
        case
            when spec.ev_sign = 0 then abs(coalesce(s.tone_score, 0))
            else spec.ev_sign * coalesce(s.tone_score, 0)
        end as score
    from evidence_spec as spec
    inner join v_sentences as s
        on s.negotiation = spec.negotiation
        and s.published between cast(spec.ev_start as date) and cast(spec.ev_end as date)
        and (spec.ev_signal is null or s.signal = spec.ev_signal)
        and (spec.ev_sign = 0 or spec.ev_sign * coalesce(s.tone_score, 0) > 0)
    qualify row_number() over (
        partition by spec.alert_id, s.article_id order by score desc, s.sent_index
    ) = 1
)

select alert_id, sentence, url, source, published, title, signal, tone_score
from candidates
qualify row_number() over (
    partition by alert_id order by score desc, published desc, url, sent_index
) <= $k
order by alert_id, score desc, published desc, url, sent_index
