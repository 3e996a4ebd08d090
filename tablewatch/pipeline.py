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
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tablewatch.errors import TablewatchError
from tablewatch.paths import layout

log = logging.getLogger("tablewatch")

ARTICLES_FILE = "articles.jsonl"
ANNOTATE_INPUT_FILE = "annotate_input.jsonl"
SENTENCES_FILE = "sentences.jsonl"


def parse_day(day: str | dt.date | None) -> str:
    """Normalise a logical date to ``YYYY-MM-DD``; ``None`` means today (UTC)."""
    if day is None:
        return dt.datetime.now(dt.UTC).date().isoformat()
    if isinstance(day, dt.datetime):
        return day.date().isoformat()
    if isinstance(day, dt.date):
        return day.isoformat()
    try:
        return dt.date.fromisoformat(str(day)).isoformat()
    except ValueError:
        raise TablewatchError(f"not a date (expected YYYY-MM-DD): {day!r}") from None


def _timed(summary: dict[str, Any], started: float) -> dict[str, Any]:
    summary["elapsed_s"] = round(time.perf_counter() - started, 3)
    return summary


def crawl_stage(
    db: str | Path,
    day: str | dt.date | None = None,
    sources: str | Path | None = None,
    watchlist: str | Path | None = None,
    settings: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Crawl every source into the day's run folder and the raw archive (Scrapy in a child process)."""
    from crawlers.run import crawl
    from tablewatch.config import DEFAULT_SOURCES, load_crawl_settings, load_sources

    started = time.perf_counter()
    day = parse_day(day)
    lay = layout(db)
    sources_path = Path(sources) if sources else DEFAULT_SOURCES
    load_sources(sources_path)  # fail fast, with the config error, before a child process starts
    settings = {**load_crawl_settings(sources_path), **(settings or {})}
    run_dir = lay.run_dir(day)
    run_dir.mkdir(parents=True, exist_ok=True)
    result = crawl(
        sources_path=sources_path,
        run_dir=run_dir,
        raw_dir=lay.raw_dir,
        db_path=lay.db,
        day=day,
        watchlist_path=Path(watchlist) if watchlist else None,
        settings=settings,
    )
    _drop_annotations(run_dir)
    summary = _as_dict(result)
    summary.update(day=day, run_dir=str(run_dir))
    log.info("crawl %s: %s", day, _counts(summary))
    return _timed(summary, started)


def _iter_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError as exc:
                raise TablewatchError(f"{path}:{n}: not valid JSON ({exc.msg})") from None


def write_annotate_input(articles_path: Path, out_path: Path) -> int:
    """Turn the crawl's relevant articles into the annotate contract's input lines."""
    tmp = out_path.with_suffix(out_path.suffix + ".tmp")
    n = 0
    with tmp.open("w", encoding="utf-8") as out:
        for rec in _iter_jsonl(articles_path):
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
    os.replace(tmp, out_path)
    return n


def _drop_annotations(run_dir: Path) -> None:
    """New article texts make the day's sentences stale: their offsets point into old bodies.
    Removing them means a load before the next annotate cannot pair old labels with new text."""
    for name in (ANNOTATE_INPUT_FILE, SENTENCES_FILE):
        (run_dir / name).unlink(missing_ok=True)


def reextract_stage(db: str | Path, day: str | dt.date | None = None) -> dict[str, Any]:
    """Re-run extraction on the day's archived pages, without fetching anything.

    After an extraction fix, history can be rebuilt from the raw archive: titles, dates and bodies
    of the day's relevant articles are extracted again from the stored HTML; statuses, URLs and
    dedupe decisions stay as the crawl made them. Annotate and load then pick up the new bodies.
    """
    from crawlers.extraction_workers import analyse_page
    from crawlers.rawstore import read_page

    started = time.perf_counter()
    day = parse_day(day)
    lay = layout(db)
    articles = lay.run_dir(day) / ARTICLES_FILE
    if not articles.exists():
        raise TablewatchError(f"no crawl output for {day} ({articles}): nothing to re-extract")
    tmp = articles.with_suffix(".jsonl.tmp")
    redone = missing = 0
    with tmp.open("w", encoding="utf-8") as out:
        for rec in _iter_jsonl(articles):
            if rec.get("status") == "relevant" and rec.get("raw_path"):
                try:
                    html, content_type = read_page(lay.root, rec["raw_path"])
                except TablewatchError:
                    missing += 1
                else:
                    # as the crawl did it: decoded with the charset the server sent
                    fresh = analyse_page(html, content_type, rec.get("url"), rec.get("source"))
                    if fresh.get("body"):
                        for key in (
                            "title",
                            "authors",
                            "published",
                            "published_source",
                            "modified",
                            "language",
                            "body",
                            "body_hash",
                            "simhash",
                        ):
                            rec[key] = fresh.get(key, rec.get(key))
                        redone += 1
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")
    if tmp.read_bytes() == articles.read_bytes():
        tmp.unlink()  # same extraction, same file: leave it (and its timestamp) alone
    else:
        os.replace(tmp, articles)
        _drop_annotations(lay.run_dir(day))
    if missing:
        log.warning(
            "re-extract %s: %d archived pages missing; their previous text is kept", day, missing
        )
    return _timed({"day": day, "reextracted": redone, "missing_raw": missing}, started)


def annotate_stage(
    db: str | Path,
    day: str | dt.date | None = None,
    n_process: int = 1,
    progress: bool = False,
    batch_size: int = 32,
) -> dict[str, Any]:
    """Label every sentence of the day's relevant articles with the current NLP version."""
    from nlp import NLP_VERSION
    from nlp.annotate import annotate_file

    started = time.perf_counter()
    day = parse_day(day)
    run_dir = layout(db).run_dir(day)
    articles = run_dir / ARTICLES_FILE
    if not articles.exists():
        raise TablewatchError(
            f"no crawl output for {day} ({articles}): run `tablewatch crawl` first"
        )
    docs_path = run_dir / ANNOTATE_INPUT_FILE
    documents = write_annotate_input(articles, docs_path)
    out = run_dir / SENTENCES_FILE
    sentences = annotate_file(
        docs_path, out, batch_size=batch_size, n_process=n_process, progress=progress
    )
    summary = {
        "day": day,
        "documents": documents,
        "sentences": sentences,
        "nlp_version": NLP_VERSION,
    }
    log.info("annotate %s: %d documents, %d sentences", day, documents, sentences)
    return _timed(summary, started)


def load_stage(db: str | Path, day: str | dt.date | None = None) -> dict[str, Any]:
    """Load the day's run folder into the warehouse in one transaction (replacing a previous load)."""
    from nlp import NLP_VERSION
    from warehouse.load import load_run

    started = time.perf_counter()
    day = parse_day(day)
    run_dir = layout(db).run_dir(day)
    if not (run_dir / ARTICLES_FILE).exists():
        raise TablewatchError(f"nothing to load for {day}: {run_dir / ARTICLES_FILE} is missing")
    if not (run_dir / SENTENCES_FILE).exists():
        log.warning(
            "load %s: no %s, loading articles only (run `tablewatch annotate`)", day, SENTENCES_FILE
        )
    result = load_run(layout(db).db, run_dir, nlp_version=NLP_VERSION)
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
    from ``since`` to ``day``, for a backfill)."""
    from warehouse.alerts import format_alert, run_alerts

    started = time.perf_counter()
    day = parse_day(day)
    since = parse_day(since) if since is not None else None
    alerts = run_alerts(
        layout(db).db, day, config_path=config, dry_run=dry_run, since=since, deliver_alerts=deliver
    )
    summary = {"day": day, "alerts": len(alerts), "lines": [format_alert(a) for a in alerts]}
    log.info("alerts %s: %d", day, len(alerts))
    return _timed(summary, started)


def report_stage(
    db: str | Path,
    day: str | dt.date | None = None,
    out_dir: str | Path | None = None,
    negotiation: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
) -> dict[str, Any]:
    """Write the HTML report of the warehouse (all negotiations unless one is named)."""
    from tablewatch.report import build_report

    started = time.perf_counter()
    day = parse_day(day)
    out = Path(out_dir) if out_dir else layout(db).reports_dir
    path = build_report(
        layout(db).db, out, negotiation=negotiation, date_from=date_from, date_to=date_to
    )
    log.info("report %s: %s", day, path)
    return _timed({"day": day, "report": str(path)}, started)


def run_day(
    db: str | Path,
    day: str | dt.date | None = None,
    sources: str | Path | None = None,
    n_process: int = 1,
    progress: bool = False,
    alerts_config: str | Path | None = None,
) -> dict[str, Any]:
    """All stages for one logical day, in order; stops at the first failing stage."""
    day = parse_day(day)
    return {
        "crawl": crawl_stage(db, day, sources=sources),
        "annotate": annotate_stage(db, day, n_process=n_process, progress=progress),
        "load": load_stage(db, day),
        "alerts": alerts_stage(db, day, config=alerts_config),
        "report": report_stage(db, day),
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
