-- Coverage per outlet and publication day: relevant articles, and their current-version sentences
-- about a watched negotiation.
create or replace view v_source_coverage_daily as
with arts as (
    select
        a.source as source,
        a.published as day,
        count(*) as articles
    from articles as a
    where a.status = 'relevant' and a.published is not null
    group by a.source, a.published
),
sents as (
    select
        s.source as source,
        s.published as day,
        count(*) as sentences
    from stg_negotiation_sentences as s
    group by s.source, s.published
)
select
    a.source as source,
    a.day as day,
    a.articles as articles,
    coalesce(s.sentences, 0) as sentences
from arts as a
left join sents as s on a.source = s.source and a.day = s.day
order by a.source, a.day;
comment on view v_source_coverage_daily is 'Per outlet and publication day: relevant articles and their current-version sentences about a watched negotiation.';
