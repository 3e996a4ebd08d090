-- The current NLP version: the one of the most recent load that brought sentences. Views count only
-- sentences of this version, so a trend never mixes two labellers (reprocess old days to keep them).
-- Without any recorded load (sentences written by hand), the version of any stored sentence.
create or replace view stg_nlp_current as
select
    coalesce(
        (
            select r.nlp_version
            from crawl_runs as r
            where r.sentences > 0 and r.nlp_version is not null
            order by r.loaded_at desc, r.run_day desc
            limit 1
        ),
        (select s.nlp_version from sentences as s limit 1)
    ) as nlp_version;
