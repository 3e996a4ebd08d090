-- Issue turns as of $day (rows for [$since, $day]), in one set-based query.
--
-- boards: the issue status board (warehouse macro issue_status_as_of, the one the CLI board, the
-- report and the brief read) of every day from $since - $cooldown - 1 to $day, one lateral call
-- per day, so each day's board is what a run on that day would have seen. A turn is a status that
-- differs from the day before's and is one of $turns ('from->to', '*' for any status). The quiet
-- period: a turn whose issue made the same turn (same negotiation, issue, new status) in the
-- $cooldown days before it is not raised again; only the lookback days needed to see those
-- earlier turns are computed. With $evidence_that_day, agreement is only alerted on when it was
-- reported: a turn to agreed needs the board's evidence of it (an agreement sentence naming the
-- issue, or a sentence of the deal's terms naming it) to be published that day, and a reversal
-- (agreed -> apart) needs the day before's agreed evidence to be in that board's window. An issue
-- that turns agreed again only because a gap left the window, on old evidence, is no news.
with days as (
    select cast(r.d as date) as day
    from range(
        cast(cast($since as date) - cast($cooldown + 1 as integer) as timestamp),
        cast($day as timestamp) + interval 1 day,
        interval 1 day
    ) as r(d)
),

boards as (
    select
        d.day,
        b.negotiation,
        b.issue,
        b.status,
        b.progress,
        b.gap,
        b.agreement,
        b.evidence,
        b.evidence_url,
        b.evidence_published,
        b.evidence_signal,
        b.window_days
    from days as d, lateral issue_status_as_of(d.day) as b
),

moves as (
    select
        *,
        lag(status) over w as before,
        lag(day) over w as before_day,
        lag(progress) over w as before_progress,
        lag(gap) over w as before_gap,
        lag(agreement) over w as before_agreement,
        lag(evidence_published) over w as before_evidence_published
    from boards
    window w as (partition by negotiation, issue order by day)
),

turns as (
    select *
    from moves
    where before is not null
      and before_day = day - 1
      and status <> before
      and (
          list_contains($turns, before || '->' || status)
          or list_contains($turns, '*->' || status)
          or list_contains($turns, before || '->*')
      )
),

quiet as (
    select
        *,
        lag(day) over (partition by negotiation, issue, status order by day) as previous_turn
    from turns
),

raised as (
    select *
    from quiet as q
    where q.day between cast($since as date) and cast($day as date)
      and (q.previous_turn is null or q.day - q.previous_turn > $cooldown)
      and (
          not $evidence_that_day
          or (q.status = 'agreed' and q.evidence_published = q.day)
          or (
              q.before = 'agreed'
              and q.before_evidence_published > q.before_day - cast(q.window_days as integer)
          )
          or (q.status <> 'agreed' and q.before <> 'agreed')
      )
),

sources as (
    select url, min(source) as source, min(title) as title
    from articles
    where url in (select evidence_url from raised)
    group by url
)

select
    r.negotiation,
    r.issue,
    r.day,
    r.before,
    r.status as after,
    r.progress,
    r.gap,
    r.agreement,
    r.before_progress,
    r.before_gap,
    r.before_agreement,
    r.window_days,
    r.evidence,
    r.evidence_url,
    r.evidence_published,
    r.evidence_signal,
    s.source as evidence_source,
    s.title as evidence_title
from raised as r
left join sources as s on s.url = r.evidence_url
order by r.day, r.negotiation, r.issue
