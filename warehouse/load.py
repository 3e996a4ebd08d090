"""Loading one run folder into the warehouse: all of it in one transaction, or nothing.

Rows are replaced by article_id (delete, then insert from the staged files), so loading a day twice,
retrying after a crash, or reprocessing old articles with a new NLP version always leaves exactly
one copy of each row, labelled by one version. A record from an older run never overwrites one
from a newer run of the same article.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from tablewatch.errors import ConfigError, TablewatchError
from warehouse import staging
from warehouse.db import connect_write, utc_now

ARTICLES_FILE = "articles.jsonl"
SENTENCES_FILE = "sentences.jsonl"
FEED_STATE_FILE = "feed_state.jsonl"
CRAWL_STATS_FILE = "crawl_stats.json"
# Test hook: path of a marker file. The load touches it just before COMMIT and then sleeps, so a
# test can kill the process while the transaction is open and check that nothing was written.
PAUSE_ENV = "TABLEWATCH_TEST_LOAD_PAUSE"

SENTENCE_TABLES = (
    "sentences",
    "sentence_issues",
    "sentence_parties",
    "sentence_dates",
    "sentence_evidence",
)


@dataclass(frozen=True)
class LoadResult:
    """What one load did; counts are rows of this run (after de-duplicating article_id)."""

    day: str
    articles: int
    relevant: int
    skipped: int
    duplicate: int
    failed: int
    kept_newer: int
    sentences: int
    feed_state: int
    nlp_version: str | None
    db: str


def default_nlp_version() -> str:
    """The installed NLP version; 'unknown' only when the nlp package does not declare one."""
    try:
        from nlp import NLP_VERSION
    except ImportError:
        return "unknown"
    return str(NLP_VERSION)


def _run_day(run_dir: Path) -> str:
    try:
        return dt.date.fromisoformat(run_dir.name).isoformat()
    except ValueError:
        raise TablewatchError(
            f"run folder name must be its day YYYY-MM-DD (runs/<day>/), got {run_dir}"
        ) from None


def _utc(value: Any) -> dt.datetime | None:
    if value in (None, ""):
        return None
    try:
        if isinstance(value, int | float):
            return dt.datetime.fromtimestamp(value, dt.UTC).replace(tzinfo=None)
        parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    return parsed


def _pick(stats: dict[str, Any], *keys: str) -> Any:
    """First of ``keys`` found at the top level or in a nested dict of the crawl stats."""
    scopes = [stats] + [v for v in stats.values() if isinstance(v, dict)]
    for key in keys:
        for scope in scopes:
            if scope.get(key) is not None:
                return scope[key]
    return None


def _crawl_stats(path: Path) -> dict[str, Any]:
    """Best-effort crawl metadata; the whole file is kept as JSON either way."""
    if not path.exists():
        return {"stats": None}
    try:
        stats = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise TablewatchError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(stats, dict):
        raise TablewatchError(f"{path}: expected a JSON object")
    elapsed = _pick(stats, "elapsed_seconds", "elapsed_s", "elapsed_time_seconds", "elapsed")
    requests = _pick(stats, "requests", "downloader/request_count", "request_count")
    sources_file = _pick(stats, "sources_file", "sources_path", "sources")
    return {
        "stats": json.dumps(stats, ensure_ascii=False, default=str),
        "sources_file": sources_file if isinstance(sources_file, str) else None,
        "started_at": _utc(_pick(stats, "started_at", "start_time")),
        "finished_at": _utc(_pick(stats, "finished_at", "finish_time")),
        "elapsed_seconds": float(elapsed) if isinstance(elapsed, int | float) else None,
        "requests": int(requests) if isinstance(requests, int | float) else None,
    }


def _source_domains(sources_file: str | None) -> tuple[list[str], list[list[str]]]:
    """Allowed domains per source from the sources file named by the crawl, when it is readable."""
    names: list[str] = []
    domains: list[list[str]] = []
    if sources_file:
        from tablewatch.config import load_sources

        try:
            for src in load_sources(sources_file):
                names.append(src.name)
                domains.append(list(src.allowed_domains))
        except ConfigError:
            pass  # the file moved or changed since the crawl: the domains stay as stored
    return names, domains


def _apply_articles(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """
        create or replace temp table stage_accept as
        select s.article_id
        from stage_articles as s
        left join articles as a on a.article_id = s.article_id
        where a.article_id is null or a.crawl_day <= s.crawl_day
        """
    )
    con.execute("delete from articles where article_id in (select article_id from stage_accept)")
    con.execute(
        """
        insert into articles by name
        select
            article_id, url, canonical_url, source, status, reason, duplicate_of, title, authors,
            published, published_source, modified, language, body_hash, simhash, negotiations,
            raw_path, http_status, fetched_at, crawl_day
        from stage_articles
        where article_id in (select article_id from stage_accept)
        """
    )
    # sentences carry copies of published/source for join-free trends: keep them in step
    con.execute(
        """
        update sentences set published = a.published, source = a.source
        from articles as a
        where sentences.article_id = a.article_id
          and a.article_id in (select article_id from stage_accept)
          and (sentences.published is distinct from a.published
               or sentences.source is distinct from a.source)
        """
    )
    con.execute(
        "delete from article_bodies where article_id in (select article_id from stage_accept)"
    )
    con.execute(
        """
        insert into article_bodies by name
        select article_id, body from stage_articles
        where body is not null and article_id in (select article_id from stage_accept)
        """
    )


def _apply_sentences(con: duckdb.DuckDBPyConnection, have_sentences: bool, nlp_version: str) -> int:
    """Replace the sentences of every article this load speaks for; returns rows inserted."""
    if have_sentences:
        # this run's accepted articles (a skipped/duplicate one loses stale sentences) and stored
        # articles the file reprocesses
        con.execute(
            """
            create or replace temp table stage_targets as
            select article_id from stage_accept
            union
            select distinct s.id from stage_sentences as s
            where not exists (select 1 from stage_articles as a where a.article_id = s.id)
            """
        )
    else:
        con.execute(
            """
            create or replace temp table stage_targets as
            select a.article_id from stage_accept as t
            join stage_articles as a on a.article_id = t.article_id
            where a.status <> 'relevant'
            """
        )
    for table in SENTENCE_TABLES:
        con.execute(
            f"delete from {table} where article_id in (select article_id from stage_targets)"
        )
    if not have_sentences:
        return 0
    con.execute(
        """
        create or replace temp table stage_load as
        select * from stage_sentences where id in (select article_id from stage_targets)
        """
    )
    con.execute(
        """
        insert into sentences by name
        select
            id as article_id, cast(sent_index as integer) as sent_index, ? as nlp_version, sentence,
            cast(start as integer) as start_char, cast("end" as integer) as end_char, negotiation,
            signal, signal_confidence, cast(tone as tinyint) as tone, tone_score,
            coalesce(issues, []) as issues, coalesce(parties, []) as parties,
            coalesce(s.evidence, '[]') as evidence,
            a.published as published, a.source as source
        from stage_load as s
        left join articles as a on a.article_id = s.id
        """,
        [nlp_version],
    )
    con.execute(
        """
        insert into sentence_issues by name
        select id as article_id, cast(sent_index as integer) as sent_index, unnest(issues) as issue
        from stage_load
        """
    )
    con.execute(
        """
        insert into sentence_parties by name
        select id as article_id, cast(sent_index as integer) as sent_index, unnest(parties) as party
        from stage_load
        """
    )
    con.execute(
        """
        insert into sentence_dates by name
        select article_id, sent_index, date_index, d.text as text, d.value as value, d.type as type
        from (
            select
                id as article_id, cast(sent_index as integer) as sent_index,
                generate_subscripts(dates, 1) - 1 as date_index, unnest(dates) as d
            from stage_load
        )
        """
    )
    con.execute(
        """
        insert into sentence_evidence by name
        select
            article_id, sent_index, evidence_index,
            json_extract_string(item, '$.field') as field,
            json_extract_string(item, '$.label') as label,
            json_extract_string(item, '$.text') as text,
            try_cast(json_extract(item, '$.start') as integer) as start_char,
            try_cast(json_extract(item, '$.end') as integer) as end_char,
            json_extract_string(item, '$.rule') as rule,
            item
        from (
            select
                id as article_id, cast(sent_index as integer) as sent_index,
                generate_subscripts(cast(evidence as json[]), 1) - 1 as evidence_index,
                unnest(cast(evidence as json[])) as item
            from stage_load
            where evidence is not null
        )
        """
    )
    return con.execute("select count(*) from stage_load").fetchall()[0][0]


def _apply_feed_state(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """
        insert into feed_state by name
        select url, etag, last_modified, status, fetched_at from stage_feed_state
        on conflict (url) do update set
            etag = excluded.etag,
            last_modified = excluded.last_modified,
            status = excluded.status,
            fetched_at = excluded.fetched_at
        where excluded.fetched_at is null or feed_state.fetched_at is null
            or excluded.fetched_at >= feed_state.fetched_at
        """
    )


def _apply_run(
    con: duckdb.DuckDBPyConnection,
    day: str,
    meta: dict[str, Any],
    sentences: int,
    nlp_version: str | None,
) -> None:
    names, domains = _source_domains(meta.get("sources_file"))
    con.execute(
        """
        create or replace temp table stage_source_domains as
        select unnest(cast(? as varchar[])) as source,
            unnest(cast(? as varchar[][])) as allowed_domains
        """,
        [names, domains],
    )
    con.execute(
        """
        insert into sources by name
        select a.source, d.allowed_domains, min(a.crawl_day) as first_crawl_day,
            max(a.crawl_day) as last_crawl_day
        from stage_articles as a
        left join stage_source_domains as d on d.source = a.source
        where a.source is not null
        group by a.source, d.allowed_domains
        on conflict (source) do update set
            allowed_domains = coalesce(excluded.allowed_domains, sources.allowed_domains),
            first_crawl_day = least(sources.first_crawl_day, excluded.first_crawl_day),
            last_crawl_day = greatest(sources.last_crawl_day, excluded.last_crawl_day)
        """
    )
    con.execute("drop table temp.stage_source_domains")
    con.execute("delete from crawl_runs where run_day = ?", [day])
    con.execute(
        """
        insert into crawl_runs by name
        select
            cast($day as date) as run_day, $sources_file as sources_file,
            $started_at as started_at, $finished_at as finished_at,
            $elapsed_seconds as elapsed_seconds, $requests as requests,
            count(*) as articles,
            count(*) filter (where status = 'relevant') as relevant,
            count(*) filter (where status = 'skipped') as skipped,
            count(*) filter (where status = 'duplicate') as duplicate,
            count(*) filter (where status = 'failed') as failed,
            $sentences as sentences, $nlp_version as nlp_version, $loaded_at as loaded_at,
            cast($stats as json) as stats
        from stage_articles
        """,
        {
            "day": day,
            "sources_file": meta.get("sources_file"),
            "started_at": meta.get("started_at"),
            "finished_at": meta.get("finished_at"),
            "elapsed_seconds": meta.get("elapsed_seconds"),
            "requests": meta.get("requests"),
            "sentences": sentences,
            "nlp_version": nlp_version,
            "loaded_at": utc_now(),
            "stats": meta.get("stats"),
        },
    )


def _pause_for_tests() -> None:
    marker = os.environ.get(PAUSE_ENV)
    if marker:
        Path(marker).write_text(str(os.getpid()), encoding="utf-8")
        time.sleep(300)


def load_run(
    db_path: str | Path, run_dir: str | Path, nlp_version: str | None = None
) -> LoadResult:
    """Load ``runs/<day>/`` (articles, sentences if annotated, feed state, crawl stats) atomically.

    ``nlp_version`` defaults to the installed ``nlp.NLP_VERSION``; it labels every sentence row.
    """
    run_dir = Path(run_dir)
    day = _run_day(run_dir)
    articles_path = run_dir / ARTICLES_FILE
    if not articles_path.is_file():
        raise TablewatchError(f"nothing to load: {articles_path} is missing (run the crawl first)")
    sentences_path = run_dir / SENTENCES_FILE
    feed_path = run_dir / FEED_STATE_FILE
    have_sentences = sentences_path.is_file()
    version = nlp_version or default_nlp_version()
    meta = _crawl_stats(run_dir / CRAWL_STATS_FILE)
    with connect_write(db_path) as con:
        con.execute("begin transaction")
        try:
            staging.stage_articles(con, articles_path, day)
            if have_sentences:
                staging.stage_sentences(con, sentences_path)
                staging.check_sentence_articles(con, sentences_path)
            feed_rows = staging.stage_feed_state(con, feed_path) if feed_path.is_file() else 0
            _apply_articles(con)
            sentences = _apply_sentences(con, have_sentences, version)
            if feed_rows:
                _apply_feed_state(con)
            _apply_run(con, day, meta, sentences, version if have_sentences else None)
            counts = con.execute(
                """
                select count(*),
                    count(*) filter (where status = 'relevant'),
                    count(*) filter (where status = 'skipped'),
                    count(*) filter (where status = 'duplicate'),
                    count(*) filter (where status = 'failed'),
                    count(*) - (select count(*) from stage_accept)
                from stage_articles
                """
            ).fetchall()[0]
            _pause_for_tests()
            con.execute("commit")
        except duckdb.Error as exc:
            con.execute("rollback")
            detail = " ".join(str(exc).split())
            raise TablewatchError(
                f"load of {run_dir} failed, nothing was changed: {detail}"
            ) from None
        except BaseException:
            con.execute("rollback")
            raise
        for table in (
            "raw_articles",
            "stage_articles",
            "stage_accept",
            "stage_targets",
            "stage_load",
            "stage_sentences",
            "raw_feed_state",
            "stage_feed_state",
        ):
            con.execute(f"drop table if exists temp.{table}")
    return LoadResult(
        day=day,
        articles=counts[0],
        relevant=counts[1],
        skipped=counts[2],
        duplicate=counts[3],
        failed=counts[4],
        kept_newer=counts[5],
        sentences=sentences,
        feed_state=feed_rows,
        nlp_version=version if have_sentences else None,
        db=str(db_path),
    )
