-- Core tables of the warehouse: what each crawl run found, and what the NLP said about it.
-- Conventions: timestamps are TIMESTAMP without time zone and always hold UTC; days are DATEs;
-- ids are the crawl's 16-hex article_id (sha256(canonical_url)[:16]). Labels use exactly the
-- strings of the annotation guidelines. Loads replace rows by article_id (see warehouse/load.py),
-- so no table here needs a surrogate key.

create table if not exists schema_migrations (
    version integer primary key,       -- NNN of warehouse/migrations/NNN_name.sql
    name varchar not null,             -- file name of the migration
    applied_at timestamp not null      -- UTC, when the migration was committed
);

create table if not exists crawl_runs (
    run_day date primary key,          -- logical date of the run (runs/<day>/)
    sources_file varchar,              -- sources file the crawl used, as crawl_stats.json names it
    started_at timestamp,              -- UTC, crawl start (crawl_stats.json), null if unknown
    finished_at timestamp,             -- UTC, crawl end (crawl_stats.json), null if unknown
    elapsed_seconds double,            -- seconds the crawl took (crawl_stats.json)
    requests integer,                  -- HTTP requests the crawl made (crawl_stats.json)
    articles integer not null,         -- records in articles.jsonl (after de-duplicating article_id)
    relevant integer not null,         -- ... of which status 'relevant'
    skipped integer not null,          -- ... status 'skipped'
    duplicate integer not null,        -- ... status 'duplicate'
    failed integer not null,           -- ... status 'failed'
    sentences integer not null,        -- sentence rows loaded from sentences.jsonl
    nlp_version varchar,               -- NLP version the sentences were labelled with
    loaded_at timestamp not null,      -- UTC, when this run was (last) loaded
    stats json                         -- crawl_stats.json as written by the crawler, or null
);

create table if not exists sources (
    source varchar primary key,        -- source name from the sources file, e.g. 'deadline'
    allowed_domains varchar[],         -- domains the crawl may visit, from the sources file if readable
    first_crawl_day date not null,     -- first run day with a record of this source
    last_crawl_day date not null       -- latest run day with a record of this source
);

create table if not exists articles (
    article_id varchar primary key,    -- sha256(canonical_url)[:16]
    url varchar,                       -- final URL fetched
    canonical_url varchar,             -- normalised / rel=canonical URL
    source varchar,                    -- sources.source
    status varchar not null,           -- relevant | skipped | duplicate | failed
    reason varchar,                    -- why not relevant/failed (not_relevant, no_body, http_404, ...)
    duplicate_of varchar,              -- article_id of the kept copy when status = 'duplicate'
    title varchar,                     -- headline
    authors varchar[],                 -- bylines, in page order
    published date,                    -- publication day (UTC date as the page states it), null if unknown
    published_source varchar,          -- jsonld | opengraph | meta | url | htmldate
    modified date,                     -- last modification day, null if unknown
    language varchar,                  -- 'en' or null
    body_hash varchar,                 -- sha256 hex of the normalised body
    simhash varchar,                   -- 16 hex chars, 64-bit simhash of body shingles
    negotiations varchar[],            -- watchlist ids the relevance gate matched
    raw_path varchar,                  -- archived page, relative to the warehouse root
    http_status integer,               -- HTTP status of the final response
    fetched_at timestamp,              -- UTC, when the page was fetched
    crawl_day date not null            -- run day whose record this row is
);

create table if not exists article_bodies (
    article_id varchar primary key,    -- articles.article_id
    body varchar not null              -- extracted text, paragraphs separated by a blank line
);

create table if not exists sentences (
    article_id varchar not null,       -- articles.article_id
    sent_index integer not null,       -- 0-based position of the sentence in the body
    nlp_version varchar not null,      -- NLP version that produced the labels
    sentence varchar not null,         -- body[start_char:end_char]
    start_char integer not null,       -- character offset in article_bodies.body (contract: start)
    end_char integer not null,         -- end offset, exclusive (contract: end)
    negotiation varchar,               -- watchlist id the sentence is about, null if none
    signal varchar not null,           -- progress | gap | agreement | breakdown | strike_action | scheduling | none
    tone tinyint not null,             -- -1 negative, 0 neutral, 1 hopeful (prospects of a deal)
    tone_score double not null,        -- continuous tone in [-1, 1]
    issues varchar[] not null,         -- same labels as sentence_issues, kept here so views need no join
    parties varchar[] not null,        -- same labels as sentence_parties, kept here so views need no join
    evidence json,                     -- the NLP's evidence array verbatim (rows: sentence_evidence)
    published date,                    -- copy of articles.published, kept in step by every load
    source varchar                     -- copy of articles.source, kept in step by every load
);

create table if not exists sentence_issues (
    article_id varchar not null,       -- sentences.article_id
    sent_index integer not null,       -- sentences.sent_index
    issue varchar not null             -- streaming_residuals | ai | wages | health_pension | working_conditions | staffing_jobs | transparency
);

create table if not exists sentence_parties (
    article_id varchar not null,       -- sentences.article_id
    sent_index integer not null,       -- sentences.sent_index
    party varchar not null             -- sag_aftra | amptp | wga | dga | iatse | teamsters | uaw | ila | iam | studios | other
);

create table if not exists sentence_dates (
    article_id varchar not null,       -- sentences.article_id
    sent_index integer not null,       -- sentences.sent_index
    date_index integer not null,       -- 0-based position in the sentence's date list
    text varchar not null,             -- the expression, verbatim from the sentence
    value varchar,                     -- YYYY, YYYY-MM, YYYY-MM-DD or YYYY-SU/WI/SP/FA; null if unresolved
    type varchar not null              -- date | duration | set
);

create table if not exists sentence_evidence (
    article_id varchar not null,       -- sentences.article_id
    sent_index integer not null,       -- sentences.sent_index
    evidence_index integer not null,   -- 0-based position in the sentence's evidence list
    field varchar,                     -- label field the evidence supports: signal, tone, issues, ...
    label varchar,                     -- the label it supports
    text varchar,                      -- matched text
    start_char integer,                -- offset of the match (as the NLP reported it)
    end_char integer,                  -- end offset of the match, exclusive
    rule varchar,                      -- id of the rule that fired
    item json not null                 -- the evidence object exactly as the NLP wrote it
);

create table if not exists feed_state (
    url varchar primary key,           -- feed or sitemap URL
    etag varchar,                      -- ETag of the last response, sent back as If-None-Match
    last_modified varchar,             -- Last-Modified header verbatim, sent back as If-Modified-Since
    status integer,                    -- HTTP status of the last fetch (200, 304, ...)
    fetched_at timestamp               -- UTC, when the feed was last fetched
);

comment on table schema_migrations is 'Applied migrations; the highest version is the schema version.';
comment on table crawl_runs is 'One row per loaded run day: crawl figures and the NLP version of its sentences. Times UTC.';
comment on table sources is 'Outlets seen in the loaded runs.';
comment on table articles is 'One row per article_id: the latest ArticleRecord loaded, minus the body. Dates are days; timestamps UTC.';
comment on table article_bodies is 'Article text, one row per article with a body.';
comment on table sentences is 'One row per sentence of a relevant article, labelled by one NLP version (a reprocess replaces all rows of the article).';
comment on table sentence_issues is 'Issues a sentence names, one row per (sentence, issue).';
comment on table sentence_parties is 'Parties a sentence mentions, one row per (sentence, party).';
comment on table sentence_dates is 'Date expressions of a sentence, resolved against the publication day.';
comment on table sentence_evidence is 'Why each label was given: the rule and text that fired.';
comment on table feed_state is 'Conditional-GET state of each feed or sitemap (upserted from runs/<day>/feed_state.jsonl).';

comment on column crawl_runs.run_day is 'logical date of the run (runs/<day>/)';
comment on column crawl_runs.started_at is 'UTC crawl start';
comment on column crawl_runs.finished_at is 'UTC crawl end';
comment on column crawl_runs.elapsed_seconds is 'seconds';
comment on column crawl_runs.sentences is 'sentence rows loaded from sentences.jsonl';
comment on column crawl_runs.loaded_at is 'UTC';
comment on column articles.article_id is 'sha256(canonical_url)[:16]';
comment on column articles.status is 'relevant | skipped | duplicate | failed';
comment on column articles.published is 'publication day, null if unknown';
comment on column articles.fetched_at is 'UTC';
comment on column articles.crawl_day is 'run day whose record this row is';
comment on column sentences.start_char is 'character offset in the body (contract field start)';
comment on column sentences.end_char is 'exclusive end offset in the body (contract field end)';
comment on column sentences.published is 'copy of articles.published (trend views read it without a join); null falls back to the article';
comment on column sentences.signal is 'progress | gap | agreement | breakdown | strike_action | scheduling | none';
comment on column sentences.tone is '-1 negative, 0 neutral, 1 hopeful';
comment on column sentences.tone_score is 'continuous tone in [-1, 1]';
comment on column sentence_dates.value is 'YYYY, YYYY-MM, YYYY-MM-DD or YYYY-SU/WI/SP/FA; null if unresolved';
comment on column sentence_dates.type is 'date | duration | set';
comment on column feed_state.fetched_at is 'UTC';
