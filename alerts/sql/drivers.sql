-- What moved each tone alert, per party, in the registered relation driver_spec(alert_id,
-- negotiation, ev_start, ev_end, baseline, sign): every sentence of the window weighs
-- (tone_score - baseline) in the alert's direction (sign -1 for down, +1 for up); a sentence goes
-- to its speaker when the column exists ({speaker}), else to each party it names, else to
-- 'unattributed'. Returns the $k parties that weigh most, with their heaviest sentence.
with weighed as (
    select
        spec.alert_id,
        spec.sign,
        s.article_id,
        s.sent_index,
        s.sentence,
        s.url,
        s.source,
        s.tone_score,
        spec.sign * (s.tone_score - spec.baseline) as weight,
        case
            when {speaker} is not null then [{speaker}]
            when len(s.parties) > 0 then s.parties
            else ['unattributed']
        end as who
    from driver_spec as spec
    inner join v_sentences as s
        on s.negotiation = spec.negotiation
        and s.published between cast(spec.ev_start as date) and cast(spec.ev_end as date)
        and s.tone_score is not null
    {extra_join}
),

per_party as (
    select w.*, unnest(w.who) as party from weighed as w
),

ranked as (
    select
        alert_id,
        party,
        count(*) as sentences,
        sum(weight) as weight,
        arg_max(sentence, weight) as top_sentence,
        arg_max(url, weight) as top_url,
        arg_max(source, weight) as top_source,
        arg_max(tone_score, weight) as top_tone
    from per_party
    group by alert_id, party
)

select *
from ranked
where weight > 0
qualify row_number() over (partition by alert_id order by weight desc, party) <= $k
order by alert_id, weight desc, party
