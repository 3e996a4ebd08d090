"""The daily stages, as plain functions the CLI and the Airflow DAGs both call.

Each stage reads what the previous one left in the run folder of its logical day
(``<root>/runs/<day>/``) or in the warehouse, and writes its own output atomically, so any stage can
be re-run for the same day without changing the result. Imports of the heavy packages (Scrapy,
spaCy, DuckDB) happen inside the functions: a DAG file or ``tablewatch --help`` stays fast.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from pathlib import Path
from typing import Any

from crawlers.sources import DEFAULT_SOURCES
from kernel.days import parse_day
from kernel.errors import TablewatchError
from kernel.files import AtomicResult, atomic_write, iter_jsonl
from kernel.paths import RunFolder, layout

__all__ = [
    "DEFAULT_SOURCES",
    "alerts_stage",
    "board_stage",
    "annotate_stage",
    "annotate_plan_stage",
    "annotate_shard_stage",
    "annotate_merge_stage",
    "brief_stage",
    "crawl_stage",
    "crawl_merge_stage",
    "load_stage",
    "notify_failure",
    "parse_day",
    "reextract_stage",
    "source_names",
    "report_stage",
    "run_day",
]

log = logging.getLogger("tablewatch")
STAGES_CONFIG = Path(__file__).resolve().parent / "stages.yaml"


def source_names(sources: str | Path | None = None) -> list[str]:
    """The names of the sources a crawl would visit (checks the file on the way)."""
    from crawlers.sources import load_sources

    return [src.name for src in load_sources(sources)]


def _check_watchlist(watchlist: str | Path | None) -> Path | None:
    """Validate the watchlist before a stage touches any file, so a bad one changes nothing."""
    from kernel.watchlist import load_watchlist

    load_watchlist(watchlist)
    return Path(watchlist) if watchlist else None


def _timed(summary: dict[str, Any], started: float) -> dict[str, Any]:
    summary["elapsed_s"] = round(time.perf_counter() - started, 3)
    return summary


def crawl_stage(
    db: str | Path,
    day: str | dt.date | None = None,
    sources: str | Path | None = None,
    watchlist: str | Path | None = None,
    settings: dict[str, Any] | None = None,
    source: str | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Crawl every source into the day's run folder and the raw archive (Scrapy in a child process);
    ``progress`` shows the child's running counts (tablewatch.progress).

    With ``source``, that outlet only, into its part ``runs/<day>/parts/<source>/``; the day's
    files change only when ``crawl_merge_stage`` merges the parts."""
    from crawlers.run import crawl
    from crawlers.sources import load_crawl_settings, load_sources
    from tablewatch.progress import crawl_reporter

    started = time.perf_counter()
    day = parse_day(day)
    watchlist = _check_watchlist(watchlist)
    lay = layout(db)
    sources_path = Path(sources) if sources else DEFAULT_SOURCES
    load_sources(sources_path)  # fail fast, with the config error, before a child process starts
    settings = {**load_crawl_settings(sources_path), **(settings or {})}
    run = lay.run(day)
    run_dir = run.path
    run_dir.mkdir(parents=True, exist_ok=True)
    with crawl_reporter(enabled=progress) as reporter:
        result = crawl(
            sources_path=sources_path,
            run_dir=run_dir,
            raw_dir=lay.raw_dir,
            db_path=lay.db,
            day=day,
            watchlist_path=watchlist,
            settings=settings,
            source=source,
            on_progress=reporter.crawl_counts if progress else None,
        )
    summary = _as_dict(result)
    if source is None:
        _drop_annotations(run)
    else:
        summary["source"] = source
    summary.update(day=day, run_dir=str(result.run_dir))
    log.info("crawl %s%s: %s", day, f" {source}" if source else "", _counts(summary))
    return _timed(summary, started)


def crawl_merge_stage(
    db: str | Path,
    day: str | dt.date | None = None,
    sources: str | Path | None = None,
    settings: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Merge the day's one-outlet parts into its run folder, deduping across outlets
    (crawlers.merge); the day's annotations are dropped only when the articles changed."""
    from crawlers.merge import merge_parts

    started = time.perf_counter()
    day = parse_day(day)
    lay = layout(db)
    sources_path = Path(sources) if sources else DEFAULT_SOURCES
    run = lay.run(day)
    result = merge_parts(run.path, sources_path, lay.raw_dir, day, settings=settings)
    if result.articles_changed:
        _drop_annotations(run)
    if result.failed_sources:
        log.warning("crawl %s: failed outlets %s", day, ", ".join(result.failed_sources))
    summary = result.to_dict()
    log.info("crawl merge %s: %s", day, _counts(summary))
    return _timed(summary, started)


def write_annotate_input(articles_path: Path, out_path: Path) -> int:
    """Turn the crawl's relevant articles into the annotate contract's input lines."""
    n = 0
    with atomic_write(out_path) as out:
        for rec in iter_jsonl(articles_path):
            if rec.get("status") != "relevant" or not (rec.get("body") or "").strip():
                continue
            doc = {
                "id": rec["article_id"],
                "text": rec["body"],
                "published": rec.get("published"),
                "url": rec.get("url"),
            }
            out.write(json.dumps(doc, ensure_ascii=False) + "\n")
            n += 1
    return n


def _drop_annotations(run: RunFolder) -> None:
    """New article texts make the day's sentences stale: their offsets point into old bodies.
    Removing them means a load before the next annotate cannot pair old labels with new text."""
    for path in run.annotations():
        path.unlink(missing_ok=True)


def reextract_stage(db: str | Path, day: str | dt.date | None = None) -> dict[str, Any]:
    """Re-run extraction on the day's archived pages (crawlers.reextract), then drop the day's
    now stale annotations so annotate and load pick up the new bodies."""
    from crawlers.reextract import reextract_run

    started = time.perf_counter()
    day = parse_day(day)
    lay = layout(db)
    run = lay.run(day)
    done = reextract_run(lay.root, run)
    if done.changed:
        _drop_annotations(run)
    return _timed(
        {"day": day, "reextracted": done.reextracted, "missing_raw": done.missing_raw}, started
    )


def annotate_stage(
    db: str | Path,
    day: str | dt.date | None = None,
    n_process: int = 1,
    progress: bool = True,
    batch_size: int = 32,
    watchlist: str | Path | None = None,
) -> dict[str, Any]:
    """Label every sentence of the day's relevant articles with the current NLP version;
    ``progress`` shows the articles done (tablewatch.progress)."""
    from kernel.records import AnnotateStats
    from nlp import NLP_VERSION
    from nlp.annotate import annotate_file
    from tablewatch.progress import Reporter

    started = time.perf_counter()
    day = parse_day(day)
    watchlist = _check_watchlist(watchlist)
    run = layout(db).run(day)
    if not run.articles.exists():
        raise TablewatchError(
            f"no crawl output for {day} ({run.articles}): run `tablewatch crawl` first"
        )
    run.annotate_stats.unlink(missing_ok=True)  # until the new sentences are whole
    documents = write_annotate_input(run.articles, run.annotate_input)
    with Reporter("annotate", "articles", total=documents, enabled=progress) as reporter:
        sentences = annotate_file(
            run.annotate_input,
            run.sentences,
            batch_size=batch_size,
            n_process=n_process,
            progress=False,
            on_progress=reporter.update if progress else None,
            watchlist_path=watchlist,
        )
    stats = AnnotateStats(
        day=day, nlp_version=NLP_VERSION, documents=documents, sentences=sentences
    )
    stats.write(run.annotate_stats)
    summary = stats.to_dict()
    log.info("annotate %s: %d documents, %d sentences", day, documents, sentences)
    return _timed(summary, started)


# -- annotate in shards (the daily DAG maps annotate over them) --------------------------------


def shard_articles(config: str | Path | None = None) -> int:
    """``annotate.shard_articles`` of ``tablewatch/stages.yaml``: the most articles per shard."""
    from kernel.config import read_yaml
    from kernel.errors import ConfigError

    path = Path(config) if config else STAGES_CONFIG
    data = read_yaml(path)
    value = (
        (data or {}).get("annotate", {}).get("shard_articles") if isinstance(data, dict) else None
    )
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ConfigError(
            f"{path}: annotate.shard_articles must be a positive integer, got {value!r}"
        )
    return value


def annotate_plan_stage(
    db: str | Path, day: str | dt.date | None = None, max_articles: int | None = None
) -> list[dict[str, int]]:
    """Write the day's annotate input once and cut it into shards of at most ``max_articles``
    documents (default: ``shard_articles()``), in article order; a small day is one shard.
    Each shard is ``{"index", "start", "stop", "of"}``: small enough for XCom."""
    day = parse_day(day)
    size = max_articles if max_articles is not None else shard_articles()
    if size < 1:
        raise TablewatchError(f"shard size must be >= 1 article, got {size}")
    run = layout(db).run(day)
    if not run.articles.exists():
        raise TablewatchError(
            f"no crawl output for {day} ({run.articles}): run `tablewatch crawl` first"
        )
    run.annotate_stats.unlink(missing_ok=True)  # until the new sentences are whole
    documents = write_annotate_input(run.articles, run.annotate_input)
    if run.shards.exists():  # shards of an earlier plan (another size) must not be merged
        for old in run.shards.iterdir():
            old.unlink()
    bounds = list(range(0, documents, size)) or [0]
    shards = [
        {"index": i, "start": start, "stop": min(start + size, documents), "of": len(bounds)}
        for i, start in enumerate(bounds)
    ]
    log.info("annotate %s: %d documents in %d shard(s)", day, documents, len(shards))
    return shards


def annotate_shard_stage(
    db: str | Path,
    day: str | dt.date | None,
    shard: dict[str, int],
    n_process: int = 1,
    batch_size: int = 32,
    watchlist: str | Path | None = None,
) -> dict[str, Any]:
    """Label the documents ``shard["start"]:shard["stop"]`` of the day's annotate input into
    ``shards/<index>.sentences.jsonl`` (with its own stats); a rerun replaces them."""
    from kernel.records import AnnotateStats
    from nlp import NLP_VERSION
    from nlp.annotate import annotate_file

    started = time.perf_counter()
    day = parse_day(day)
    watchlist = _check_watchlist(watchlist)
    run = layout(db).run(day)
    if not run.annotate_input.exists():
        raise TablewatchError(f"no annotate input for {day}: plan the shards first")
    index, start, stop = int(shard["index"]), int(shard["start"]), int(shard["stop"])
    run.shards.mkdir(parents=True, exist_ok=True)
    run.shard_stats(index).unlink(missing_ok=True)
    shard_input = run.shards / f"{index:03d}.input.jsonl"
    with atomic_write(shard_input) as out, run.annotate_input.open(encoding="utf-8") as src:
        documents = 0
        for n, line in enumerate(src):
            if start <= n < stop:
                out.write(line)
                documents += 1
    sentences = annotate_file(
        shard_input,
        run.shard_sentences(index),
        batch_size=batch_size,
        n_process=n_process,
        progress=False,
        watchlist_path=watchlist,
    )
    shard_input.unlink()
    stats = AnnotateStats(
        day=day, nlp_version=NLP_VERSION, documents=documents, sentences=sentences
    )
    stats.write(run.shard_stats(index))
    log.info("annotate %s shard %d: %d documents, %d sentences", day, index, documents, sentences)
    return _timed({**stats.to_dict(), "shard": index}, started)


def annotate_merge_stage(
    db: str | Path, day: str | dt.date | None = None, shards: int | None = None
) -> dict[str, Any]:
    """Concatenate the shards' sentences in shard (= article) order into ``sentences.jsonl``
    and write ``annotate_stats.json``: the same bytes one annotate of the whole day writes.
    Refuses a missing shard, shards of two NLP versions, or shards that do not cover the input."""
    from kernel.records import AnnotateStats

    started = time.perf_counter()
    day = parse_day(day)
    run = layout(db).run(day)
    if shards is None:
        shards = len(list(run.shards.glob("*.annotate_stats.json"))) if run.shards.exists() else 0
    missing = [i for i in range(shards) if not run.shard_stats(i).exists()]
    if shards < 1 or missing:
        raise TablewatchError(
            f"annotate shards of {day} missing: {missing or 'all'} (run the annotate shards first)"
        )
    parts = [AnnotateStats.read(run.shard_stats(i)) for i in range(shards)]
    versions = sorted({p.nlp_version for p in parts})
    if len(versions) != 1:
        raise TablewatchError(f"annotate shards of {day} come from NLP versions {versions}")
    documents = sum(p.documents for p in parts)
    expected = sum(1 for _ in iter_jsonl(run.annotate_input))
    if documents != expected:
        raise TablewatchError(
            f"annotate shards of {day} hold {documents} documents, the input {expected}: plan again"
        )
    with atomic_write(run.sentences) as out:
        for i in range(shards):
            with run.shard_sentences(i).open(encoding="utf-8") as src:
                for line in src:
                    out.write(line)
    stats = AnnotateStats(
        day=day,
        nlp_version=versions[0],
        documents=documents,
        sentences=sum(p.sentences for p in parts),
    )
    stats.write(run.annotate_stats)
    log.info("annotate %s: %d shards merged, %d sentences", day, shards, stats.sentences)
    return _timed({**stats.to_dict(), "shards": shards}, started)


def load_stage(
    db: str | Path, day: str | dt.date | None = None, watchlist: str | Path | None = None
) -> dict[str, Any]:
    """Load the day's run folder into the warehouse in one transaction (replacing a previous load);
    the watchlist's milestones are replaced with it."""
    from kernel.watchlist import load_watchlist
    from warehouse.load import load_run

    started = time.perf_counter()
    day = parse_day(day)
    negotiations = load_watchlist(_check_watchlist(watchlist))
    run = layout(db).run(day)
    if not run.articles.exists():
        raise TablewatchError(f"nothing to load for {day}: {run.articles} is missing")
    if not run.sentences.exists():
        log.warning(
            "load %s: no %s, loading articles only (run `tablewatch annotate`)",
            day,
            run.sentences.name,
        )
    result = load_run(layout(db).db, run.path, negotiations=negotiations)
    summary = _as_dict(result)
    summary["day"] = day
    log.info("load %s: %s", day, _counts(summary))
    return _timed(summary, started)


def alerts_stage(
    db: str | Path,
    day: str | dt.date | None = None,
    dry_run: bool = False,
    config: str | Path | None = None,
    since: str | dt.date | None = None,
    deliver: bool = True,
) -> dict[str, Any]:
    """Detect (and unless dry_run, store and deliver) the alerts as of ``day`` (or of every day
    from ``since`` to ``day``, for a backfill).

    Without ``since``, every published day the load of ``day`` touched is evaluated too: news
    published yesterday and crawled today alerts today, instead of never (its day was evaluated
    before it was loaded)."""
    from alerts import format_alert, run_alerts
    from warehouse.load import earliest_published_loaded

    started = time.perf_counter()
    day = parse_day(day)
    if since is not None:
        since = parse_day(since)
    elif (touched := earliest_published_loaded(layout(db).db, day)) and touched < day:
        log.info("alerts %s: the load of %s touched coverage published since %s", day, day, touched)
        since = touched
    alerts = run_alerts(
        layout(db).db, day, config_path=config, dry_run=dry_run, since=since, deliver_alerts=deliver
    )
    summary = {"day": day, "alerts": len(alerts), "lines": [format_alert(a) for a in alerts]}
    log.info("alerts %s: %d", day, len(alerts))
    return _timed(summary, started)


def board_stage(
    db: str | Path,
    negotiation: str,
    as_of: str | dt.date | None = None,
    window_days: int | None = None,
) -> list[dict[str, Any]]:
    """The issue status board of one negotiation (warehouse.board), for the CLI and the brief."""
    from warehouse.board import issue_board

    return issue_board(layout(db).db, negotiation, as_of=as_of, window_days=window_days)


def brief_stage(
    db: str | Path,
    day: str | dt.date | None = None,
    negotiation: str | None = None,
    fmt: str = "md",
    out: str | Path | None = None,
    deliver: bool = True,
    config: str | Path | None = None,
) -> dict[str, Any]:
    """Build the morning brief of ``day`` (stored once), write it as md/html/json, deliver it once
    per channel; a rerun for the same day writes the same file and sends nothing twice."""
    from alerts.brief import FORMATS, render, run_brief

    started = time.perf_counter()
    if fmt not in FORMATS:
        raise TablewatchError(f"unknown brief format {fmt!r}: use one of {', '.join(FORMATS)}")
    day = parse_day(day)
    result = run_brief(layout(db).db, day, negotiation, config_path=config, deliver=deliver)
    text = render(result["brief"], fmt)
    suffix = f"-{negotiation}" if negotiation else ""
    path = Path(out) if out else layout(db).reports_dir / f"brief-{day}{suffix}.{fmt}"
    path.parent.mkdir(parents=True, exist_ok=True)
    written = AtomicResult()
    with atomic_write(path, result=written) as f:  # identical bytes leave the file untouched
        f.write(text)
    summary = {
        "day": day,
        "brief_id": result["brief_id"],
        "path": str(path),
        "nothing_new": result["brief"]["nothing_new"],
        "new": result["new"],
        "sent": result["sent"],
        "failed": result["failed"],
        "text": text,
    }
    log.info("brief %s: %s, sent %s", day, path, result["sent"] or "nothing")
    return _timed(summary, started)


def notify_failure(message: str) -> None:
    """Send an operational failure (a failed task) to the alert channels; never raises."""
    from alerts import notify_failure as send

    send(message)


def report_stage(
    db: str | Path,
    day: str | dt.date | None = None,
    out_dir: str | Path | None = None,
    negotiation: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    watchlist: str | Path | None = None,
) -> dict[str, Any]:
    """Write the HTML report of the warehouse (all negotiations unless one is named)."""
    from report import build_report

    started = time.perf_counter()
    day = parse_day(day)
    watchlist = _check_watchlist(watchlist)
    out = Path(out_dir) if out_dir else layout(db).reports_dir
    path = build_report(
        layout(db).db,
        out,
        negotiation=negotiation,
        date_from=date_from,
        date_to=date_to,
        watchlist=watchlist,
    )
    log.info("report %s: %s", day, path)
    return _timed({"day": day, "report": str(path)}, started)


def run_day(
    db: str | Path,
    day: str | dt.date | None = None,
    sources: str | Path | None = None,
    n_process: int = 1,
    progress: bool = True,
    alerts_config: str | Path | None = None,
    watchlist: str | Path | None = None,
) -> dict[str, Any]:
    """All stages for one logical day, in order; stops at the first failing stage."""
    day = parse_day(day)
    watchlist = _check_watchlist(watchlist)
    return {
        "crawl": crawl_stage(db, day, sources=sources, watchlist=watchlist, progress=progress),
        "annotate": annotate_stage(
            db, day, n_process=n_process, progress=progress, watchlist=watchlist
        ),
        "load": load_stage(db, day, watchlist=watchlist),
        "alerts": alerts_stage(db, day, config=alerts_config),
        "report": report_stage(db, day, watchlist=watchlist),
    }


def _as_dict(result: Any) -> dict[str, Any]:
    if isinstance(result, dict):
        return dict(result)
    if hasattr(result, "__dataclass_fields__"):
        from dataclasses import asdict

        return asdict(result)
    if hasattr(result, "_asdict"):
        return dict(result._asdict())
    return {"result": result}


def _counts(summary: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in summary.items() if isinstance(v, int | float))
