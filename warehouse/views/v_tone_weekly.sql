-- Tone per negotiation and ISO week (Monday). rolling_mean_4w: mean tone_score of all sentences of the
-- 4 weeks ending with `week` (sentence-weighted; weeks without coverage add nothing).
create or replace view v_tone_weekly as
with weekly as (
    select
        s.negotiation as negotiation,
        s.week as week,
        count(*) as sentences,
        avg(s.tone) as mean_tone,
        avg(s.tone_score) as mean_tone_score,
        sum(s.tone_score) as sum_tone_score
    from stg_negotiation_sentences as s
    group by s.negotiation, s.week
)
select
    w.negotiation as negotiation,
    w.week as week,
    w.sentences as sentences,
    w.mean_tone as mean_tone,
    w.mean_tone_score as mean_tone_score,
    sum(w.sum_tone_score) over trailing_4w / sum(w.sentences) over trailing_4w as rolling_mean_4w
from weekly as w
window trailing_4w as (
    partition by w.negotiation order by w.week
    range between interval 21 days preceding and current row
)
order by w.negotiation, w.week;
comment on view v_tone_weekly is 'Tone per negotiation and ISO week (Monday) with coverage: sentences, mean_tone, mean_tone_score, rolling_mean_4w (the 4 weeks ending with week).';
