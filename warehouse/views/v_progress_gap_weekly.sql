-- Progress against gap sentences per negotiation and week (every week with coverage):
-- pg_index = (progress - gap) / (progress + gap) in [-1, 1], null when both are 0.
create or replace view v_progress_gap_weekly as
with weekly as (
    select
        s.negotiation as negotiation,
        s.week as week,
        count(*) filter (where s.signal = 'progress') as progress,
        count(*) filter (where s.signal = 'gap') as gap
    from stg_negotiation_sentences as s
    group by s.negotiation, s.week
)
select
    w.negotiation as negotiation,
    w.week as week,
    w.progress as progress,
    w.gap as gap,
    case
        when w.progress + w.gap = 0 then null
        else (w.progress - w.gap) / (w.progress + w.gap)
    end as pg_index
from weekly as w
order by w.negotiation, w.week;
comment on view v_progress_gap_weekly is 'Progress and gap sentences per negotiation and week; pg_index = (progress - gap) / (progress + gap) in [-1, 1], null when both are 0.';
