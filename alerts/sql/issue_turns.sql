-- Issue turns as of $day (rows for [$since, $day]), in one set-based query.
--
-- boards: the issue status board (warehouse macro issue_status_as_of, the one the CLI board, the
-- report and the brief read) of every day from $since - $cooldown - 1 to $day, one lateral call
-- per day, so each day's board is what a run on that day would have seen. A turn is a status that
-- differs from the day before's and is one of $turns ('from->to', '*' for any status). The quiet
-- period: a turn whose issue made the same turn (same negotiation, issue, new status) in the
-- $cooldown days before it is not raised again; only the lookback days needed to see those
-- earlier turns are computed. With $agreement_sentence, agreement is only alerted on when it was
-- reported: a turn to agreed needs an agreement sentence naming the issue that day, a reversal
-- (agreed -> apart) one in the window of the day before.
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
        lag(agreement) over w as before_agreement
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

-- the day's agreement sentences naming each issue: the evidence of a turn to agreed, and with
-- $agreement_sentence its condition (the board also calls an issue agreed when a neutral sentence
-- names it after any agreement of the negotiation; that alone is too weak to alert on)
day_agreements as (
    select
        s.negotiation,
        m.issue,
        s.published as day,
        arg_min(
            struct_pack(sentence := s.sentence, url := s.url, published := s.published),
            struct_pack(a := s.article_id, i := s.sent_index)
        ) as ev
    from v_sentences as s, unnest(s.issues) as m(issue)
    where s.negotiation is not null
      and s.signal = 'agreement'
      and s.published between cast($since as date) and cast($day as date)
    group by all
),

raised as (
    select
        q.* exclude (evidence, evidence_url, evidence_published, evidence_signal),
        case when q.status = 'agreed' and g.ev is not null then g.ev.sentence else q.evidence end
            as evidence,
        case when q.status = 'agreed' and g.ev is not null then g.ev.url else q.evidence_url end
            as evidence_url,
        case when q.status = 'agreed' and g.ev is not null then g.ev.published
            else q.evidence_published end as evidence_published,
        case when q.status = 'agreed' and g.ev is not null then 'agreement'
            else q.evidence_signal end as evidence_signal
    from quiet as q
    left join day_agreements as g
        on g.negotiation = q.negotiation and g.issue = q.issue and g.day = q.day
    where q.day between cast($since as date) and cast($day as date)
      and (q.previous_turn is null or q.day - q.previous_turn > $cooldown)
      and (
          not $agreement_sentence
          or (q.status = 'agreed' and g.ev is not null)
          or (q.before = 'agreed' and q.before_agreement > 0)
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
