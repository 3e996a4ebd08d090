-- Issue mentions per negotiation and week: mentions = sentences naming the issue; share = mentions /
-- all issue mentions of that negotiation-week (0-1; a sentence naming two issues counts for both).
create or replace view v_issue_share_weekly as
with mentions as (
    select
        s.negotiation as negotiation,
        s.week as week,
        m.issue as issue,
        count(*) as mentions
    from stg_negotiation_sentences as s,
        unnest(s.issues) as m(issue)
    group by s.negotiation, s.week, m.issue
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
