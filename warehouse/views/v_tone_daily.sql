-- Tone per negotiation and publication day. rolling_mean_7d: mean tone_score of all sentences of the
-- 7 calendar days ending on `day` (sentence-weighted; days without coverage add nothing).
create or replace view v_tone_daily as
with daily as (
    select
        s.negotiation as negotiation,
        s.published as day,
        count(*) as sentences,
        avg(s.tone) as mean_tone,
        avg(s.tone_score) as mean_tone_score,
        sum(s.tone_score) as sum_tone_score
    from stg_negotiation_sentences as s
    group by s.negotiation, s.published
)
select
    d.negotiation as negotiation,
    d.day as day,
    d.sentences as sentences,
    d.mean_tone as mean_tone,
    d.mean_tone_score as mean_tone_score,
    sum(d.sum_tone_score) over trailing_7d / sum(d.sentences) over trailing_7d as rolling_mean_7d
from daily as d
window trailing_7d as (
    partition by d.negotiation order by d.day
    range between interval 6 days preceding and current row
)
order by d.negotiation, d.day;
comment on view v_tone_daily is 'Tone per negotiation and publication day with coverage: sentences, mean_tone (-1..1), mean_tone_score, rolling_mean_7d (the 7 calendar days ending on day).';
