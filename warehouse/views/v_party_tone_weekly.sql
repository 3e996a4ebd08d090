-- The tone of what each side says, per negotiation, ISO week (Monday) and party (= speaker): only
-- sentences whose speaker is a party (the writer's own narration, speaker null, is left out).
-- progress / gap: how many of those sentences carry that signal. Weeks in which a side said
-- nothing the NLP attributed to it have no row for that side.
create or replace view v_party_tone_weekly as
select
    s.negotiation as negotiation,
    s.week as week,
    s.speaker as party,
    count(*) as sentences,
    avg(s.tone) as mean_tone,
    avg(s.tone_score) as mean_tone_score,
    count(*) filter (where s.signal = 'progress') as progress,
    count(*) filter (where s.signal = 'gap') as gap
from stg_negotiation_sentences as s
where s.speaker is not null
group by s.negotiation, s.week, s.speaker
order by s.negotiation, s.week, s.speaker;
comment on view v_party_tone_weekly is 'Tone of what each side says (party = speaker) per negotiation and week: sentences, mean_tone, mean_tone_score, progress, gap.';
