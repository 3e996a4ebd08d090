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
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from kernel.days import parse_day
from kernel.errors import TablewatchError
from kernel.paths import RunFolder
from kernel.records import AnnotateStats, CrawlStats
from kernel.watchlist import Negotiation
from warehouse import staging
from warehouse.db import connect_write, utc_now

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


def _run_day(run_dir: Path) -> str:
    return parse_day(run_dir.name, what=f"run folder name (runs/<day>/) of {run_dir}")


def _utc(value: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(value)
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    return parsed


def _crawl_meta(run: RunFolder) -> dict[str, Any]:
    """The crawl_runs columns from crawl_stats.json; a run folder without one loads with nulls."""
    if not run.crawl_stats.exists():
        return {"stats": None, "sources": []}
    stats = CrawlStats.read(run.crawl_stats)
    return {
        "stats": json.dumps(stats.to_dict(), ensure_ascii=False),
        "sources_file": stats.sources_file,
        "sources": stats.sources,
        "started_at": _utc(stats.started_at),
        "finished_at": _utc(stats.finished_at),
        "elapsed_seconds": float(stats.counts.elapsed_s),
        "requests": stats.counts.requests,
        "failed_sources": [p.source for p in stats.parts if p.status == "failed"],
    }


def _nlp_version(run: RunFolder) -> str:
    """The version that labelled the day's sentences, as the annotate stage recorded it."""
    if not run.annotate_stats.exists():
        raise TablewatchError(
            f"{run.sentences} has no {run.annotate_stats.name} beside it: re-run `tablewatch annotate`"
        )
    return AnnotateStats.read(run.annotate_stats).nlp_version


def _stage_known(con: duckdb.DuckDBPyConnection, have_sentences: bool) -> bool:
    """``stage_known``: the articles of this run (and of its sentences file) already stored.

    Only their rows can be in the sentence tables (a load writes sentences for stored articles
    only, and replaces an article's sentences whenever it replaces the article), so the deletes
    and the copy update, each a scan of a table that grows with history, run only for them: a
    day of new articles skips them. The look-up scans ``articles``, 25x fewer rows than
    ``sentences``. Returns whether there is any.
    """
    from_sentences = (
        "union select distinct s.id from stage_sentences as s" if have_sentences else ""
    )
    con.execute(
        f"""
        create or replace temp table stage_known as
        select a.article_id from articles as a
        where a.article_id in (select article_id from stage_articles {from_sentences})
        """
    )
    return con.execute("select count(*) from stage_known").fetchone()[0] > 0


def _apply_articles(con: duckdb.DuckDBPyConnection, any_known: bool) -> None:
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
    # sentences carry copies of published/source for join-free trends: keep them in step (only
    # articles stored before this load can have sentences yet)
    if any_known:
        con.execute(
            """
            update sentences set published = a.published, source = a.source
            from articles as a
            where sentences.article_id = a.article_id
              and a.article_id in (select article_id from stage_accept)
              and a.article_id in (select article_id from stage_known)
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


def _apply_sentences(
    con: duckdb.DuckDBPyConnection, have_sentences: bool, nlp_version: str, any_known: bool
) -> int:
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
    if any_known:
        for table in SENTENCE_TABLES:
            con.execute(
                f"delete from {table} where article_id in (select article_id from stage_targets)"
                " and article_id in (select article_id from stage_known)"
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
            coalesce(issues, []) as issues, coalesce(parties, []) as parties, speaker,
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
    names = [src.name for src in meta["sources"]]
    domains = [list(src.allowed_domains) for src in meta["sources"]]
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
            cast($stats as json) as stats,
            cast($failed_sources as varchar[]) as failed_sources
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
            "failed_sources": meta.get("failed_sources"),
        },
    )


def _apply_watchlist_milestones(
    con: duckdb.DuckDBPyConnection, negotiations: Sequence[Negotiation]
) -> None:
    rows = [(n.id, m.date, m.kind, m.label) for n in negotiations for m in n.milestones]
    con.execute("delete from watchlist_milestones")
    if rows:
        ids, days, kinds, labels = (list(col) for col in zip(*rows, strict=True))
        con.execute(
            """
            insert into watchlist_milestones
            select unnest(cast($1 as varchar[])), unnest(cast($2 as date[])),
                unnest(cast($3 as varchar[])), unnest(cast($4 as varchar[]))
            """,
            [ids, days, kinds, labels],
        )


def earliest_published_loaded(db_path: str | Path, crawl_day: str) -> str | None:
    """The earliest publication day among the relevant articles the load of ``crawl_day``
    stored (None without a warehouse or such articles): what a run's alerts must look back to."""
    from warehouse.db import connect_read

    if not Path(db_path).exists():
        return None
    with connect_read(db_path) as con:
        (first,) = con.execute(
            "select min(published) from articles where crawl_day = ? and status = 'relevant'",
            [crawl_day],
        ).fetchone()
    return first.isoformat() if first is not None else None


def _pause_for_tests() -> None:
    marker = os.environ.get(PAUSE_ENV)
    if marker:
        Path(marker).write_text(str(os.getpid()), encoding="utf-8")
        time.sleep(300)


def load_run(
    db_path: str | Path,
    run_dir: str | Path,
    nlp_version: str | None = None,
    negotiations: Sequence[Negotiation] | None = None,
) -> LoadResult:
    """Load ``runs/<day>/`` (articles, sentences if annotated, feed state, crawl stats) atomically.

    ``negotiations`` (the watchlist the pipeline ran with), when given, replace the
    ``watchlist_milestones`` in the same transaction. ``nlp_version`` labels every sentence row; by default it is the one the annotate stage wrote
    into ``annotate_stats.json``, so the warehouse never asks the NLP package which version it is.
    """
    run_dir = Path(run_dir)
    day = _run_day(run_dir)
    run = RunFolder(run_dir)
    articles_path = run.articles
    if not articles_path.is_file():
        raise TablewatchError(f"nothing to load: {articles_path} is missing (run the crawl first)")
    sentences_path = run.sentences
    feed_path = run.feed_state
    have_sentences = sentences_path.is_file()
    version = (nlp_version or _nlp_version(run)) if have_sentences else None
    meta = _crawl_meta(run)
    with connect_write(db_path) as con:
        con.execute("begin transaction")
        try:
            staging.stage_articles(con, articles_path, day)
            if have_sentences:
                staging.stage_sentences(con, sentences_path)
                staging.check_sentence_articles(con, sentences_path)
            feed_rows = staging.stage_feed_state(con, feed_path) if feed_path.is_file() else 0
            any_known = _stage_known(con, have_sentences)
            _apply_articles(con, any_known)
            sentences = _apply_sentences(con, have_sentences, version, any_known)
            if feed_rows:
                _apply_feed_state(con)
            _apply_run(con, day, meta, sentences, version if have_sentences else None)
            if negotiations is not None:
                _apply_watchlist_milestones(con, negotiations)
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
            "stage_known",
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
