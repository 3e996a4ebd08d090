-- The current NLP version: the one of the most recent load that brought sentences (informational:
-- `select nlp_version, count(*) from sentences group by 1` shows how much history still carries an
-- older version and is worth reprocessing). Without any recorded load, any stored sentence's.
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
