-- Milestones stated in the coverage: a sentence about a watched negotiation with a cue of
-- warehouse/milestones.yaml (table milestone_cues; the first cue that matches wins) and a date
-- resolved to a day, month or season, the one nearest the cue within max_distance characters.
-- date: the day itself, the 1st of a month, the first day of a season (SP 03-20, SU 06-21,
-- FA 09-22, WI 12-21); date_value keeps the resolved value as the NLP gave it. date_precision
-- (day | month | season) and last_date (the last day it can fall on) say how much of it is known:
-- "expires in August" seen on 31 July is not "1 day to" its 1st.
create or replace view sentence_milestones as
with cued as (
    select
        s.article_id, s.sent_index, s.negotiation, s.published, s.sentence, s.url,
        c.kind, c.position, c.max_distance,
        -- the cue to the end of its word: a label quotes "vote on ratification", not "vote on ratif"
        regexp_extract(lower(s.sentence), '(?:' || c.pattern || ')[a-z]*') as cue,
        strpos(lower(s.sentence), regexp_extract(lower(s.sentence), c.pattern)) as cue_at
    from v_sentences as s
    inner join milestone_cues as c on regexp_matches(lower(s.sentence), c.pattern)
    -- milestone_cued: every cue in one literal pattern (db.milestone_cued_sql), so the per-cue
    -- join, which compiles its pattern per row, only sees sentences with some cue
    where s.negotiation is not null and milestone_cued(s.sentence)
    -- negotiation (one per sentence) among the partition keys lets a filter on it reach the scan
    qualify row_number() over (partition by s.negotiation, s.article_id, s.sent_index order by c.position) = 1
),
dated as (
    select
        c.*,
        d.text as date_text,
        d.value as date_value,
        abs(strpos(c.sentence, d.text) - c.cue_at) as distance,
        case
            when length(d.value) = 10 then try_cast(d.value as date)
            when length(d.value) = 7 and d.value[6:7] in ('SP', 'SU', 'FA', 'WI') then
                make_date(
                    cast(d.value[1:4] as integer),
                    case d.value[6:7] when 'SP' then 3 when 'SU' then 6 when 'FA' then 9 else 12 end,
                    case d.value[6:7] when 'SP' then 20 when 'SU' then 21 when 'FA' then 22 else 21 end
                )
            when length(d.value) = 7 then try_cast(d.value || '-01' as date)
        end as date
    from cued as c
    -- sentence_dates, not v_dates: c is a stored sentence already, and v_dates (ordered, semi-joined
    -- with every sentence) would be computed whole before the join
    inner join sentence_dates as d on d.article_id = c.article_id and d.sent_index = c.sent_index
    where d.value is not null and d.type = 'date'
)
select
    negotiation,
    date,
    date_value,
    kind,
    cue || ' ' || date_text as label,
    sentence as evidence,
    url,
    published,
    article_id,
    sent_index,
    case
        when length(date_value) = 10 then 'day'
        when date_value[6:7] in ('SP', 'SU', 'FA', 'WI') then 'season'
        else 'month'
    end as date_precision,
    case
        when length(date_value) = 10 then date
        when date_value[6:7] = 'SP' then make_date(year(date), 6, 21) - 1
        when date_value[6:7] = 'SU' then make_date(year(date), 9, 22) - 1
        when date_value[6:7] = 'FA' then make_date(year(date), 12, 21) - 1
        when date_value[6:7] = 'WI' then make_date(year(date) + 1, 3, 20) - 1
        else last_day(date)
    end as last_date
from dated
where date is not null and distance <= max_distance
qualify row_number() over (partition by negotiation, article_id, sent_index order by distance, date) = 1;
comment on view sentence_milestones is 'Milestones stated in the coverage: a cued sentence (warehouse/milestones.yaml) and the resolved date nearest the cue.';
