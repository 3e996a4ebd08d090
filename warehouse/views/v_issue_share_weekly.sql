-- Issue mentions per negotiation and week: mentions = sentences naming the issue; share = mentions /
-- all issue mentions of that negotiation-week (0-1; a sentence naming two issues counts for both).
create or replace view v_issue_share_weekly as
-- The unnest stands in the select list, not as a lateral join: DuckDB plans a lateral unnest as a
-- dependent join that unnests every stored sentence before a caller's filter on negotiation and
-- week applies (15 CPU s for one negotiation's half year at 5M sentences); here the filter
-- reaches the scan (0.2 CPU s).
with mentions as (
    select
        u.negotiation as negotiation,
        u.week as week,
        u.issue as issue,
        count(*) as mentions
    from (
        select s.negotiation, s.week, unnest(s.issues) as issue
        from stg_negotiation_sentences as s
    ) as u
    group by u.negotiation, u.week, u.issue
)
select
    m.negotiation as negotiation,
    m.week as week,
    m.issue as issue,
    m.mentions as mentions,
    m.mentions / sum(m.mentions) over (partition by m.negotiation, m.week) as share
from mentions as m
order by m.negotiation, m.week, m.issue;
comment on view v_issue_share_weekly is 'Issue share of voice per negotiation and week: mentions (sentences naming the issue), share (0-1 of the week''s issue mentions).';
