-- Alert detection in one set-based query, as of $day (rows for [$since, $day]).
--
-- series: one row per (negotiation, day) from $start to $day with the day's counts and the
-- rolling window sums; only sentences published on or before a day feed that day's row, so each
-- row is what a run on that day would have seen. Frame sizes in braces are replaced by validated
-- integers before the query runs; every threshold is a named parameter from alerts.yaml.
with daily as (
    select
        s.negotiation,
        s.published as day,
        count(s.tone_score) as n,
        coalesce(sum(s.tone_score), 0) as s1,
        coalesce(sum(s.tone_score * s.tone_score), 0) as s2,
        count(distinct s.article_id) as articles,
        count(*) filter (where s.signal = 'gap') as gap,
        count(*) filter (where s.signal = 'progress') as progress,
        count(*) filter (where s.signal = 'breakdown') as breakdown,
        count(*) filter (where s.signal = 'agreement') as agreement,
        count(*) filter (where s.signal = 'strike_action') as strike_action,
        count(*) filter (where s.signal = 'scheduling') as scheduling,
        count(distinct s.article_id) filter (where s.signal = 'breakdown') as breakdown_articles,
        count(distinct s.article_id) filter (where s.signal = 'agreement') as agreement_articles,
        count(distinct s.article_id) filter (where s.signal = 'strike_action') as strike_action_articles,
        count(distinct s.article_id) filter (where s.signal = 'scheduling') as scheduling_articles,
        count(*) as sentences
    from v_sentences as s
    where s.negotiation is not null
      and s.published between cast($start as date) and cast($day as date)
    group by s.negotiation, s.published
),

calendar as (
    select n.negotiation, cast(t.d as date) as day
    from (select distinct negotiation from daily) as n
    cross join range(
        cast($start as timestamp), cast($day as timestamp) + interval 1 day, interval 1 day
    ) as t(d)
),

dense as (
    select
        c.negotiation,
        c.day,
        coalesce(d.n, 0) as n,
        coalesce(d.s1, 0) as s1,
        coalesce(d.s2, 0) as s2,
        coalesce(d.articles, 0) as articles,
        coalesce(d.sentences, 0) as sentences,
        coalesce(d.gap, 0) as gap,
        coalesce(d.progress, 0) as progress,
        coalesce(d.breakdown, 0) as breakdown,
        coalesce(d.agreement, 0) as agreement,
        coalesce(d.strike_action, 0) as strike_action,
        coalesce(d.scheduling, 0) as scheduling,
        coalesce(d.breakdown_articles, 0) as breakdown_articles,
        coalesce(d.agreement_articles, 0) as agreement_articles,
        coalesce(d.strike_action_articles, 0) as strike_action_articles,
        coalesce(d.scheduling_articles, 0) as scheduling_articles
    from calendar as c
    left join daily as d on d.negotiation = c.negotiation and d.day = c.day
),

rolled as (
    select
        *,
        coalesce(sum(n) over tone_recent, 0) as tr_n,
        coalesce(sum(s1) over tone_recent, 0) as tr_s1,
        coalesce(sum(s2) over tone_recent, 0) as tr_s2,
        coalesce(sum(articles) over tone_recent, 0) as tr_articles,
        coalesce(sum(n) over tone_base, 0) as tb_n,
        coalesce(sum(s1) over tone_base, 0) as tb_s1,
        coalesce(sum(s2) over tone_base, 0) as tb_s2,
        coalesce(sum(articles) over tone_base, 0) as tb_articles,
        coalesce(sum(gap) over surge_recent, 0) as sr_gap,
        coalesce(sum(progress) over surge_recent, 0) as sr_progress,
        coalesce(sum(gap) over surge_base, 0) as sb_gap,
        coalesce(sum(progress) over surge_base, 0) as sb_progress,
        coalesce(sum(sentences) over surge_base, 0) as sb_sentences,
        coalesce(sum(n) over prev_week, 0) as pw_n,
        coalesce(sum(s1) over prev_week, 0) as pw_s1
    from dense
    window
        tone_recent as (
            partition by negotiation order by day
            rows between {tone_recent_pre} preceding and current row
        ),
        tone_base as (
            partition by negotiation order by day
            rows between {tone_base_pre} preceding and {tone_recent_days} preceding
        ),
        surge_recent as (
            partition by negotiation order by day
            rows between {surge_recent_pre} preceding and current row
        ),
        surge_base as (
            partition by negotiation order by day
            rows between {surge_base_pre} preceding and {surge_recent_days} preceding
        ),
        prev_week as (
            partition by negotiation order by day
            rows between 7 preceding and 1 preceding
        )
),

-- Monitor-style tone: the day's mean against the daily means of the days before it, confirmed
-- against the previous covered day and the previous week.
day_means as (
    select
        *,
        case when n >= $m_min_day then s1 / n end as m_day
    from rolled
),

monitor as (
    select
        *,
        avg(m_day) over mon_base as mb_mean,
        greatest(coalesce(stddev_samp(m_day) over mon_base, 0), $min_sd) as mb_sd,
        count(m_day) over mon_base as mb_days,
        last_value(m_day ignore nulls) over before_day as m_prev,
        pw_s1 / nullif(pw_n, 0) as m_week
    from day_means
    window
        mon_base as (
            partition by negotiation order by day
            rows between {mon_base_pre} preceding and 1 preceding
        ),
        before_day as (
            partition by negotiation order by day
            rows between unbounded preceding and 1 preceding
        )
),

series as materialized (
    select
        *,
        tr_s1 / nullif(tr_n, 0) as tr_mean,
        tb_s1 / nullif(tb_n, 0) as tb_mean,
        -- sample standard deviations, floored so a window of identical scores is not infinitely sure
        greatest(coalesce(sqrt(greatest(
            (tr_s2 - tr_s1 * tr_s1 / nullif(tr_n, 0)) / nullif(tr_n - 1, 0), 0)), 0), $min_sd)
            as tr_sd,
        greatest(coalesce(sqrt(greatest(
            (tb_s2 - tb_s1 * tb_s1 / nullif(tb_n, 0)) / nullif(tb_n - 1, 0), 0)), 0), $min_sd)
            as tb_sd
    from monitor
),

-- Tone shift: recent vs baseline mean, Welch-style z with floored deviations.
tone as (
    select
        s.negotiation,
        s.day,
        s.tr_mean - s.tb_mean as delta,
        (s.tr_mean - s.tb_mean)
            / sqrt(s.tr_sd * s.tr_sd / s.tr_n + s.tb_sd * s.tb_sd / s.tb_n) as z
    from series as s
    where $t_enabled and $t_method = 'welch'
      and s.tr_n >= $t_min_recent
      and s.tb_n >= greatest($t_min_baseline, 1)
      and s.tr_articles >= $t_min_articles
      and s.tr_n > 0
),

surge as (
    select s.negotiation, s.day, u.signal, u.recent, u.expected,
           greatest(u.expected, $s_min_expected) as floor_expected
    from series as s,
        lateral (
            select 'gap' as signal, s.sr_gap as recent, s.sb_gap * $s_recent / $s_baseline as expected
            union all
            select 'progress', s.sr_progress, s.sb_progress * $s_recent / $s_baseline
        ) as u
    where $s_enabled
      and list_contains($s_signals, u.signal)
      and s.sb_sentences >= $s_min_baseline
),

triggers as (
    select negotiation, day, 'tone_shift' as kind,
           case when z < 0 then 'down' else 'up' end as direction,
           z as statistic, $t_cooldown as cooldown, $t_recent as recent_days,
           cast(null as date) as breakdown_day
    from tone
    where abs(z) >= $t_z and abs(delta) >= $t_min_delta and sign(z) = sign(delta)
    union all
    select negotiation, day, 'tone_shift',
           case when m_day < mb_mean then 'down' else 'up' end,
           (m_day - mb_mean) / mb_sd, $t_cooldown, 1, null
    from series
    where $t_enabled and $t_method = 'monitor'
      and m_day is not null
      and mb_days >= 3
      and abs(m_day - mb_mean) / mb_sd >= $m_z
      and abs(m_day - mb_mean) >= $t_min_delta
      and sign(m_day - m_prev) = sign(m_day - mb_mean) and abs(m_day - m_prev) >= $t_min_delta
      and sign(m_day - m_week) = sign(m_day - mb_mean) and abs(m_day - m_week) >= $t_min_delta
    union all
    select negotiation, day, 'surge', signal,
           (recent - floor_expected) / sqrt(floor_expected), $s_cooldown, $s_recent, null
    from surge
    where recent >= $s_min_recent
      and (recent - floor_expected) / sqrt(floor_expected) >= $s_z
      and (expected = 0 or recent / expected >= $s_min_ratio)
),

-- Episodes: a gap of more than `cooldown` days between triggered days starts a new one.
flagged as (
    select
        t.*,
        case
            when lag(t.day) over k is null or t.day - lag(t.day) over k > t.cooldown then 1
            else 0
        end as new_episode
    from triggers as t
    window k as (partition by t.negotiation, t.kind, t.direction order by t.day)
),

numbered as (
    select
        f.*,
        sum(f.new_episode) over (
            partition by f.negotiation, f.kind, f.direction order by f.day
            rows between unbounded preceding and current row
        ) as episode_no
    from flagged as f
),

episodes as (
    select
        n.*,
        min(n.day) over (partition by n.negotiation, n.kind, n.direction, n.episode_no)
            as episode_start
    from numbered as n
)

-- One row per episode triggered in [$since, $day]: its first triggered day in that range.
select e.kind, e.direction, e.statistic, e.recent_days, e.breakdown_day, e.episode_start, s.*
from episodes as e
inner join series as s on s.negotiation = e.negotiation and s.day = e.day
where e.day between cast($since as date) and cast($day as date)
qualify row_number() over (
    partition by e.negotiation, e.kind, e.direction, e.episode_start order by e.day
) = 1
order by e.day, e.negotiation, e.kind, e.direction
