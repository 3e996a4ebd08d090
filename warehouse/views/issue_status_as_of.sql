-- The issue status board as of any day: one row per negotiation and taxonomy issue.
--   agreed      an agreement reported that names the issue (signal agreement), or, after the deal
--               that stands (the first agreement since the latest breakdown or strike report), a
--               sentence stating the deal's terms that names the issue ("the deal includes ...",
--               "the new contract provides ..."), and no more gap than progress about it since.
--               A mere mention after a deal ("wages came up", "economic terms will be taken up next
--               week") is not agreement: on the demo storyline, counting mentions made 10 of its 23
--               turns to agreed, and 6 reversals of those (benchmarks/RESULTS.md, issue turns).
--   apart       gap outweighs progress in the window (after an agreement: since the agreement)
--   narrowing   progress outweighs gap in the window
--   quiet       mentioned before, but not (or only in neutral terms) in the window
--   unmentioned never mentioned up to as_of
-- A tie of progress and gap goes to the later of the two. The window is the window_days days
-- ending on as_of (default 28). progress, gap, agreement count the issue's sentences in the window;
-- evidence_* is the sentence that decided (null for quiet and unmentioned); for agreed, the latest
-- agreement or deal-terms sentence, an agreement sentence first on the same day.
-- deal_terms (a DuckDB regular expression on the lower-cased sentence) is what states a deal's
-- terms: a deal noun, then within the clause a verb that gives its content. Its default is the
-- deal_terms of warehouse/board.yaml, which db.py writes as the macro deal_terms_pattern() (a
-- constant, so the pattern is compiled once, as a literal would be). A deal-terms sentence labelled
-- gap, breakdown or strike_action ("the deal includes nothing on AI, members said angrily") does
-- not count.
-- Use: select * from issue_status_as_of(date '2026-05-20') where negotiation = 'wga_2026'.
create or replace macro issue_status_as_of(
    as_of,
    window_days := 28,
    deal_terms := deal_terms_pattern()
) as table
with
negotiations as (
    select distinct negotiation from v_sentences where negotiation is not null
),
issues as (
    select label as issue, position from label_vocabulary where field = 'issues'
),
mentions as (
    -- unnest in the select list, not a lateral join: DuckDB plans the lateral one as a dependent
    -- join over every stored sentence, before the caller's negotiation filter reaches the scan
    select
        s.negotiation as negotiation, unnest(s.issues) as issue, s.published as published,
        s.signal as signal, s.sentence as sentence, s.url as url,
        s.article_id as article_id, s.sent_index as sent_index
    from v_sentences as s
    where s.negotiation is not null
        and s.published is not null
        and s.published <= cast(as_of as date)
),
breaks as (
    select negotiation, max(published) as break_day
    from v_sentences
    where negotiation is not null
        and published <= cast(as_of as date)
        and signal in ('breakdown', 'strike_action')
    group by negotiation
),
deals as (
    -- the first agreement after the latest breakdown or strike report: the deal that stands
    select s.negotiation, min(s.published) as deal_day
    from v_sentences as s
    left join breaks as b on b.negotiation = s.negotiation
    where s.negotiation is not null
        and s.published <= cast(as_of as date)
        and s.signal = 'agreement'
        and (b.break_day is null or s.published > b.break_day)
    group by s.negotiation
),
agreed_evidence as (
    select m.*
    from mentions as m
    left join deals as d on d.negotiation = m.negotiation
    where m.signal = 'agreement'
        or (
            d.deal_day is not null
            and m.published >= d.deal_day
            and m.signal not in ('gap', 'breakdown', 'strike_action')
            -- the regex only from the deal's day on, behind a condition on the deal's day: as a
            -- plain conjunct the optimizer pushes it below the join onto every mention
            and case
                when m.published >= d.deal_day then regexp_matches(lower(m.sentence), deal_terms)
                else false
            end
        )
),
last_agreed as (
    select
        negotiation, issue,
        max(published) as agreed_day,
        arg_max(struct_pack(published, sentence, url, signal),
                struct_pack(published, by_agreement := signal = 'agreement', article_id, sent_index)) as ev
    from agreed_evidence
    group by negotiation, issue
),
windowed as (
    select m.*, a.agreed_day
    from mentions as m
    left join last_agreed as a on a.negotiation = m.negotiation and a.issue = m.issue
    where m.published > cast(as_of as date) - cast(window_days as integer)
),
counts as (
    select
        negotiation, issue,
        count(*) as mentions,
        count(*) filter (where signal = 'progress') as progress,
        count(*) filter (where signal = 'gap') as gap,
        count(*) filter (where signal = 'agreement') as agreement,
        count(*) filter (where signal = 'progress' and published > agreed_day) as progress_after,
        count(*) filter (where signal = 'gap' and published > agreed_day) as gap_after,
        arg_max(struct_pack(published, sentence, url, signal),
                struct_pack(published, article_id, sent_index))
            filter (where signal = 'progress') as last_progress,
        arg_max(struct_pack(published, sentence, url, signal),
                struct_pack(published, article_id, sent_index))
            filter (where signal = 'gap') as last_gap,
        arg_max(struct_pack(published, sentence, url, signal),
                struct_pack(published, article_id, sent_index))
            filter (where signal = 'gap' and published > agreed_day) as last_gap_after
    from windowed
    group by negotiation, issue
),
ever as (
    select negotiation, issue, max(published) as last_mentioned
    from mentions
    group by negotiation, issue
),
decided as (
    select
        n.negotiation, i.issue, i.position, e.last_mentioned,
        coalesce(c.progress, 0) as progress,
        coalesce(c.gap, 0) as gap,
        coalesce(c.agreement, 0) as agreement,
        case
            when e.last_mentioned is null then 'unmentioned'
            when a.agreed_day is not null and coalesce(c.gap_after, 0) > coalesce(c.progress_after, 0)
                then 'apart'
            when a.agreed_day is not null then 'agreed'
            when coalesce(c.progress, 0) > coalesce(c.gap, 0) then 'narrowing'
            when coalesce(c.gap, 0) > coalesce(c.progress, 0) then 'apart'
            when coalesce(c.progress, 0) > 0 and c.last_progress.published > c.last_gap.published
                then 'narrowing'
            when coalesce(c.gap, 0) > 0 then 'apart'
            else 'quiet'
        end as status,
        a.ev as agreed_ev, c.last_progress, c.last_gap, c.last_gap_after
    from negotiations as n
    cross join issues as i
    left join ever as e on e.negotiation = n.negotiation and e.issue = i.issue
    left join last_agreed as a on a.negotiation = n.negotiation and a.issue = i.issue
    left join counts as c on c.negotiation = n.negotiation and c.issue = i.issue
),
with_evidence as (
    select
        *,
        case
            when status = 'agreed' then agreed_ev
            when status = 'apart' and agreed_ev is not null then last_gap_after
            when status = 'apart' then last_gap
            when status = 'narrowing' then last_progress
        end as ev
    from decided
)
select
    negotiation,
    issue,
    status,
    last_mentioned,
    progress,
    gap,
    agreement,
    ev.published as evidence_published,
    ev.signal as evidence_signal,
    ev.sentence as evidence,
    ev.url as evidence_url,
    cast(as_of as date) as as_of,
    cast(window_days as integer) as window_days
from with_evidence
order by negotiation, position;
