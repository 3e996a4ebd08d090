"""Reading a run folder's JSONL files into typed temp tables, refusing bad input before any write.

Each file is read by DuckDB in one set-based scan with an explicit schema (unknown keys are
ignored, missing ones are null), then checked in SQL; the first bad line is reported with its line
number so the user can fix the file and rerun. Nothing here touches the warehouse tables.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from kernel.errors import TablewatchError
from kernel.labels import DATE_TYPES, ISSUES, PARTIES, SIGNALS, STATUSES, TONES

ARTICLE_COLUMNS = {
    "article_id": "VARCHAR",
    "url": "VARCHAR",
    "canonical_url": "VARCHAR",
    "source": "VARCHAR",
    "status": "VARCHAR",
    "reason": "VARCHAR",
    "duplicate_of": "VARCHAR",
    "title": "VARCHAR",
    "authors": "VARCHAR[]",
    "published": "VARCHAR",
    "published_source": "VARCHAR",
    "modified": "VARCHAR",
    "language": "VARCHAR",
    "body": "VARCHAR",
    "body_hash": "VARCHAR",
    "simhash": "VARCHAR",
    "negotiations": "VARCHAR[]",
    "raw_path": "VARCHAR",
    "http_status": "VARCHAR",
    "fetched_at": "VARCHAR",
    "crawl_day": "VARCHAR",
}

SENTENCE_COLUMNS = {
    "id": "VARCHAR",
    "sent_index": "BIGINT",
    "sentence": "VARCHAR",
    "start": "BIGINT",
    "end": "BIGINT",
    "negotiation": "VARCHAR",
    "issues": "VARCHAR[]",
    "signal": "VARCHAR",
    "signal_confidence": "DOUBLE",
    "tone": "DOUBLE",
    "tone_score": "DOUBLE",
    "parties": "VARCHAR[]",
    "speaker": "VARCHAR",
    "dates": "STRUCT(text VARCHAR, value VARCHAR, type VARCHAR)[]",
    "evidence": "JSON",
}

FEED_COLUMNS = {
    "url": "VARCHAR",
    "etag": "VARCHAR",
    "last_modified": "VARCHAR",
    "status": "VARCHAR",
    "fetched_at": "VARCHAR",
}

_MAX_OBJECT_BYTES = 64 * 1024 * 1024


def _one_of(values: tuple) -> str:
    """``a, b or c``: a vocabulary as the load's messages name it."""
    words = [str(v) for v in values]
    return ", ".join(words[:-1]) + " or " + words[-1]


def _columns_literal(columns: dict[str, str]) -> str:
    return "{" + ", ".join(f"'{k}': '{v}'" for k, v in columns.items()) + "}"


def _read_raw(
    con: duckdb.DuckDBPyConnection, table: str, path: Path, columns: dict[str, str]
) -> int:
    """Copy ``path`` into temp table ``table`` with a 1-based ``line_no`` in file order."""
    try:
        con.execute(
            f"create or replace temp table {table} as "
            "select *, row_number() over () as line_no from read_json(?, "
            f"format = 'newline_delimited', columns = {_columns_literal(columns)}, "
            f"maximum_object_size = {_MAX_OBJECT_BYTES})",
            [str(path)],
        )
    except duckdb.Error as exc:
        raise TablewatchError(f"{path}: cannot read: {' '.join(str(exc).split())}") from None
    return con.execute(f"select count(*) from {table}").fetchall()[0][0]


def _first_problem(con: duckdb.DuckDBPyConnection, path: Path, sql: str, params: list) -> None:
    rows = con.execute(sql, params).fetchall()
    if rows:
        line_no, message = rows[0]
        raise TablewatchError(f"{path}:{line_no}: {message}")


def stage_articles(con: duckdb.DuckDBPyConnection, path: Path, run_day: str) -> int:
    """``stage_articles``: one typed row per article_id (the last line wins), after validation."""
    n = _read_raw(con, "raw_articles", path, ARTICLE_COLUMNS)
    _first_problem(
        con,
        path,
        """
        select line_no, msg from (
            select line_no, case
                when coalesce(article_id, '') = '' then 'article_id is missing'
                when status is null or not list_contains($statuses, status)
                    then 'status ' || coalesce('''' || status || '''', 'null')
                        || ' is not one of ' || $statuses_text
                when published is not null and try_cast(left(published, 10) as date) is null
                    then 'published ''' || published || ''' is not YYYY-MM-DD'
                when modified is not null and try_cast(left(modified, 10) as date) is null
                    then 'modified ''' || modified || ''' is not YYYY-MM-DD'
                when crawl_day is not null and try_cast(crawl_day as date) is null
                    then 'crawl_day ''' || crawl_day || ''' is not YYYY-MM-DD'
                when fetched_at is not null and try_cast(fetched_at as timestamptz) is null
                    then 'fetched_at ''' || fetched_at || ''' is not an ISO-8601 timestamp'
                when http_status is not null and try_cast(http_status as integer) is null
                    then 'http_status ''' || http_status || ''' is not an integer'
            end as msg
            from raw_articles
        ) where msg is not null order by line_no limit 1
        """,
        {"statuses": list(STATUSES), "statuses_text": ", ".join(STATUSES)},
    )
    con.execute(
        """
        create or replace temp table stage_articles as
        select
            article_id, url, canonical_url, source, status, reason, duplicate_of, title, authors,
            cast(left(published, 10) as date) as published,
            published_source,
            cast(left(modified, 10) as date) as modified,
            language, body, body_hash, simhash, negotiations, raw_path,
            cast(http_status as integer) as http_status,
            cast(cast(fetched_at as timestamptz) at time zone 'UTC' as timestamp) as fetched_at,
            coalesce(cast(crawl_day as date), cast(? as date)) as crawl_day
        from raw_articles
        qualify row_number() over (partition by article_id order by line_no desc) = 1
        """,
        [run_day],
    )
    return n


def stage_sentences(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """``stage_sentences``: the annotate output, validated against the label vocabulary."""
    n = _read_raw(con, "stage_sentences", path, SENTENCE_COLUMNS)
    _first_problem(
        con,
        path,
        """
        select line_no, msg from (
            select line_no, case
                when coalesce(id, '') = '' then 'id is missing'
                when sent_index is null or sent_index < 0 then 'sent_index must be an integer >= 0'
                when sentence is null then 'sentence is missing'
                when start is null or "end" is null or "end" < start
                    then 'start/end must be integers with start <= end'
                when signal is null or not list_contains($signals, signal)
                    then 'signal ' || coalesce('''' || signal || '''', 'null') || ' is not a known label'
                when signal_confidence < 0 or signal_confidence > 1
                    then 'signal_confidence must be a number in [0, 1]'
                when tone is null or not list_contains($tones, tone)
                    then 'tone must be ' || $tones_text
                when tone_score is null or tone_score < -1 or tone_score > 1
                    then 'tone_score must be a number in [-1, 1]'
                when len(list_filter(coalesce(issues, []), lambda x: not list_contains($issues, x))) > 0
                    then 'unknown issue label(s) '
                        || array_to_string(list_filter(issues, lambda x: not list_contains($issues, x)), ', ')
                when len(list_filter(coalesce(parties, []), lambda x: not list_contains($parties, x))) > 0
                    then 'unknown party label(s) '
                        || array_to_string(list_filter(parties, lambda x: not list_contains($parties, x)), ', ')
                when speaker is not null and not list_contains($parties, speaker)
                    then 'speaker ''' || speaker || ''' is not a party label or null'
                when len(list_filter(coalesce(dates, []),
                        lambda d: d.text is null or not list_contains($date_types, d.type))) > 0
                    then 'every date needs text and a type of ' || $date_types_text
                when evidence is not null and json_type(evidence) <> 'ARRAY'
                    then 'evidence must be a JSON array'
            end as msg
            from stage_sentences
        ) where msg is not null order by line_no limit 1
        """,
        {
            "signals": list(SIGNALS),
            "tones": [float(t) for t in TONES],
            "tones_text": _one_of(TONES),
            "issues": list(ISSUES),
            "parties": list(PARTIES),
            "date_types": list(DATE_TYPES),
            "date_types_text": _one_of(DATE_TYPES),
        },
    )
    _first_problem(
        con,
        path,
        """
        select max(line_no), 'sentence ' || id || '#' || sent_index || ' appears more than once'
        from stage_sentences group by id, sent_index having count(*) > 1
        order by 1 limit 1
        """,
        [],
    )
    return n


def check_sentence_articles(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Every sentence must belong to an article of this run or one already stored."""
    _first_problem(
        con,
        path,
        """
        select min(s.line_no), 'id ' || s.id || ' is neither in articles.jsonl nor in the warehouse'
        from stage_sentences as s
        where not exists (select 1 from stage_articles as a where a.article_id = s.id)
          and not exists (select 1 from articles as a where a.article_id = s.id)
        group by s.id order by 1 limit 1
        """,
        [],
    )


def stage_feed_state(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """``stage_feed_state``: one row per feed URL (the last line wins)."""
    n = _read_raw(con, "raw_feed_state", path, FEED_COLUMNS)
    _first_problem(
        con,
        path,
        """
        select line_no, msg from (
            select line_no, case
                when coalesce(url, '') = '' then 'url is missing'
                when status is not null and try_cast(status as integer) is null
                    then 'status ''' || status || ''' is not an HTTP status code'
                when fetched_at is not null and try_cast(fetched_at as timestamptz) is null
                    then 'fetched_at ''' || fetched_at || ''' is not an ISO-8601 timestamp'
            end as msg
            from raw_feed_state
        ) where msg is not null order by line_no limit 1
        """,
        [],
    )
    con.execute(
        """
        create or replace temp table stage_feed_state as
        select
            url, etag, last_modified,
            cast(status as integer) as status,
            cast(cast(fetched_at as timestamptz) at time zone 'UTC' as timestamp) as fetched_at
        from raw_feed_state
        qualify row_number() over (partition by url order by line_no desc) = 1
        """
    )
    return n
