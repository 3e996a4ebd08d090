-- Sentences per negotiation, week and signal ('none' included).
create or replace view v_signal_weekly as
select
    s.negotiation as negotiation,
    s.week as week,
    s.signal as signal,
    count(*) as sentences
from stg_negotiation_sentences as s
group by s.negotiation, s.week, s.signal
order by s.negotiation, s.week, s.signal;
comment on view v_signal_weekly is 'Sentences per negotiation, week and signal (none included).';
