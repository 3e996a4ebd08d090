-- Corroborated table events per negotiation, as of $day, in one set-based query.
--
-- src: the sentences of watched negotiations published in [$start, $day], each with its story key
-- (syndicated copies share a body_hash or point at the kept copy with duplicate_of, so they count
-- once) and the optional signal_confidence / speaker columns ({confidence} and {speaker} are
-- replaced in code by the column or by a typed null; nothing else is spliced into this text).
-- events: signal + lexical cues (alerts.yaml) -> the table event a sentence reports; a sentence the
-- NLP labelled with signal_confidence below $min_confidence reports nothing (a null confidence,
-- from an NLP that does not emit it, passes).
-- corroborated: an (event, day) counts when, in the window_days ending that day, at least
-- $min_articles stories or $min_outlets outlets report it, or one story alone is sure enough
-- (single-article path: >= $single_min_sentences confident event sentences, or one confident
-- sentence carrying the event's own cue, a ratification or a strike start or end; a party
-- speaking in either case). Only days up to $day feed each row, so a day's result is what a run on
-- that day would have seen.
with src as (
    select
        s.negotiation,
        s.published as day,
        s.article_id,
        coalesce(a.duplicate_of, a.body_hash, s.article_id) as story,
        coalesce(s.source, a.source, '?') as source,
        lower(s.sentence) as text,
        s.signal,
        {confidence} as signal_confidence,
        {speaker} as speaker
    from v_sentences as s
    left join articles as a on a.article_id = s.article_id
    {extra_join}
    where s.negotiation is not null
      and s.published between cast($start as date) and cast($day as date)
      and s.signal in ('agreement', 'breakdown', 'strike_action', 'scheduling')
      and coalesce({confidence}, 1.0) >= $min_confidence
),

events as (
    select
        *,
        case
            when signal = 'agreement' and regexp_matches(text, $ratified_re) then 'ratified'
            when signal = 'agreement' then 'tentative_agreement'
            when signal = 'breakdown' then 'suspended'
            when signal = 'scheduling' then 'scheduling'
            when signal = 'strike_action' and regexp_matches(text, $strike_ended_re)
                then 'strike_ended'
            when signal = 'strike_action' and regexp_matches(text, $strike_vote_re) then null
            when signal = 'strike_action' and regexp_matches(text, $strike_start_re)
                then 'strike_start'
            when signal = 'strike_action' then 'strike'
        end as event,
        coalesce(signal_confidence, 0) >= $single_min_confidence as confident,
        speaker is not null
            and list_contains($party_keys, negotiation || '|' || speaker) as party_statement
    from src
),

-- one row per (event, story): a story reports an event on the first day one of its copies did
stories as (
    select
        negotiation,
        case when event = 'strike_start' then 'strike' else event end as event,
        story,
        min(day) as day,
        min(source) as source,
        count(*) as sentences,
        bool_or(event = 'strike_start') as start_cue,
        max(signal_confidence) as confidence,
        bool_or(party_statement) as party_statement,
        -- a confident sentence that names the event itself (its cue), a party speaking in the story
        bool_or(confident and event in ('ratified', 'strike_ended', 'strike_start')) as cued
    from events
    where event is not null
    group by all
),

candidate_days as (
    select distinct negotiation, event, day from stories
),

windowed as (
    select
        d.negotiation,
        d.event,
        d.day,
        count(distinct e.story) as articles,
        count(distinct e.source) as outlets,
        sum(e.sentences) as sentences,
        bool_or(e.start_cue) as start_cue,
        bool_or(
            e.day = d.day
            and (
                (e.sentences >= $single_min_sentences
                 and coalesce(e.confidence, 0) >= $single_min_confidence)
                or (e.cued and e.sentences >= $single_cued_min_sentences)
            )
            and (e.party_statement or not $single_require_party)
        ) as single
    from candidate_days as d
    inner join stories as e
        on e.negotiation = d.negotiation
        and e.event = d.event
        and e.day between d.day - ($window_days - 1) and d.day
    group by all
)

select
    negotiation,
    event,
    day,
    articles,
    outlets,
    sentences,
    start_cue,
    case
        when articles >= $min_articles or outlets >= $min_outlets then 'articles'
        else 'single_article'
    end as via
from windowed
where articles >= $min_articles
   or outlets >= $min_outlets
   or ($single_enabled and single)
order by negotiation, day, event
