"""Shared helpers of the warehouse tests."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

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
