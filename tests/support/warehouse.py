"""Shared helpers of the warehouse tests."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import yaml

from kernel.records import ARTICLE_FIELDS
from kernel.watchlist import DEFAULT_WATCHLIST
from tablewatch.pipeline import annotate_stage, load_stage
from warehouse.db import connect_read

CORE_TABLES = (
    "articles",
    "article_bodies",
    "sentences",
    "sentence_issues",
    "sentence_parties",
    "sentence_dates",
    "sentence_evidence",
    "feed_state",
    "sources",
    "crawl_runs",
)


def table_rows(db: Path, table: str, exclude: tuple[str, ...] = ()) -> list[tuple]:
    """All rows of a table in a canonical order, without the named columns."""
    with connect_read(db) as con:
        return _rows(con, table, exclude)


def _rows(con: duckdb.DuckDBPyConnection, table: str, exclude: tuple[str, ...]) -> list[tuple]:
    cols = [
        r[0]
        for r in con.execute(
            "select column_name from duckdb_columns() where table_name = ? order by column_index",
            [table],
        ).fetchall()
        if r[0] not in exclude
    ]
    sel = ", ".join(f'"{c}"' for c in cols)
    return con.execute(f"select {sel} from {table} order by all").fetchall()


def snapshot_state(db: Path) -> dict[str, list[tuple]]:
    """Every core table's contents (crawl_runs.loaded_at changes on every load, by design)."""
    with connect_read(db) as con:
        return {t: _rows(con, t, ("loaded_at",)) for t in CORE_TABLES}


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def write_jsonl(path: Path, records: list[dict]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


def file_state(path: Path) -> dict[str, list[tuple]]:
    """Like snapshot_state, but of exactly this file (the main db, not the published snapshot)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {t: _rows(con, t, ("loaded_at",)) for t in CORE_TABLES}
    finally:
        con.close()


def news_article(article_id: str, body: str, day: str, neg: str = "wga_2026") -> dict:
    """A relevant article record of ``neg`` published and crawled on ``day``, as the crawl writes
    it to articles.jsonl."""
    rec = dict.fromkeys(ARTICLE_FIELDS)
    rec.update(
        article_id=article_id,
        url=f"https://news.test/{article_id}",
        canonical_url=f"https://news.test/{article_id}",
        source="testwire",
        status="relevant",
        title="Writers Guild talks",
        authors=[],
        published=day,
        body=body,
        negotiations=[neg],
        fetched_at=f"{day}T06:00:00+00:00",
        crawl_day=day,
    )
    return rec


def watchlist_with(path: Path, neg: str, *milestones: str) -> Path:
    """The default watchlist with ``milestones`` (YAML flow mappings), and only those, for ``neg``."""
    data = yaml.safe_load(DEFAULT_WATCHLIST.read_text(encoding="utf-8"))
    for entry in data["negotiations"]:
        if entry["id"] == neg:
            entry["milestones"] = [yaml.safe_load(m) for m in milestones]
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def coverage_milestone_db(root: Path, neg: str, articles: dict[str, str]) -> Path:
    """A warehouse whose milestones of ``neg`` come from coverage only, through the real annotate
    and load stages (one article a day: ``articles`` maps the day to its body), so their dates
    and precision are the NLP's own; the watchlist gives ``neg`` no milestone of its own."""
    db = root / "tablewatch.duckdb"
    watchlist = watchlist_with(root / "watchlist.yaml", neg)
    for day, body in articles.items():
        run = root / "runs" / day
        run.mkdir(parents=True)
        record = json.dumps(news_article(f"c{day}", body, day, neg))
        (run / "articles.jsonl").write_text(record + "\n", "utf-8")
        annotate_stage(db, day, watchlist=watchlist)
        load_stage(db, day, watchlist=watchlist)
    return db
