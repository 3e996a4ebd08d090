"""Airflow fixtures for the DAG tests: one throw-away metadata DB per session, the writer pool.

``tests/conftest.py`` points AIRFLOW_HOME at a temporary folder before Airflow is imported; here the
metadata DB in it is created once (in-process: a second interpreter would pay Airflow's import time
again) and the DAG folder is parsed once.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[2]
DAGS_DIR = REPO / "dags"
SHARED = REPO / ".." / "shared"
WRITER_POOL = "tablewatch_duckdb_writer"
DAY1, DAY2 = dt.date(2026, 4, 8), dt.date(2026, 4, 9)  # few demo articles: quick runs


@pytest.fixture(scope="session")
def airflow_db() -> None:
    """A migrated metadata DB with the pool the DAGs need (operators create it once by hand)."""
    from airflow.models.pool import Pool
    from airflow.utils.db import resetdb

    resetdb()
    Pool.create_or_update_pool(
        WRITER_POOL, slots=1, description="single DuckDB writer", include_deferred=False
    )


@pytest.fixture(scope="session")
def dagbag() -> Any:
    """The repo's DAG folder parsed as Airflow's DAG processor does (bundle folder on sys.path)."""
    from airflow.dag_processing.dagbag import BundleDagBag

    if str(DAGS_DIR) not in sys.path:
        sys.path.append(str(DAGS_DIR))
    return BundleDagBag(dag_folder=DAGS_DIR, bundle_path=DAGS_DIR, bundle_name="dags-folder")


def run_dag(dag: Any, **kwargs: Any) -> Any:
    """``dag.test(**kwargs)`` with retries off: dag.test would sit out every 5-minute retry delay.

    The retries are restored afterwards, so the DagBag tests still see the configured ones.
    """
    saved = {task.task_id: task.retries for task in dag.tasks}
    for task in dag.tasks:
        task.retries = 0
    try:
        return dag.test(**kwargs)
    finally:
        for task in dag.tasks:
            task.retries = saved[task.task_id]


def midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def task_states(dag_run: Any) -> dict[str, str]:
    return {
        ti.task_id + (f"[{ti.map_index}]" if ti.map_index >= 0 else ""): str(ti.state)
        for ti in dag_run.get_task_instances()
    }


def query(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def table_counts(db: Path) -> dict[str, int]:
    """Rows of every base table: what an idempotent rerun must leave unchanged."""
    tables = query(
        db,
        "select table_name from information_schema.tables "
        "where table_type = 'BASE TABLE' order by 1",
    )
    return {t: query(db, f'select count(*) from "{t}"')[0][0] for (t,) in tables}


@dataclass
class Backfill:
    """A warehouse the daily DAG built over two consecutive logical dates."""

    db: Path
    sources: Path
    site: Any
    after_day1: dict[str, int]
    after_day2: dict[str, int]
    runs: list[Any]


@pytest.fixture(scope="session")
def demo_site() -> Iterator[Any]:
    """One site for the session: article URLs carry its ports, so a rerun must see the same ones."""
    from tablewatch.demosite import DemoSite

    with DemoSite(as_of=DAY1) as site:
        yield site


@pytest.fixture(scope="session")
def daily_backfill(airflow_db, dagbag, demo_site, tmp_path_factory) -> Backfill:
    """Two ``dag.test()`` runs of tablewatch_daily, the storyline moved on a day in between."""
    root = tmp_path_factory.mktemp("dag-daily")
    db = root / "wh" / "tw.duckdb"
    dag = dagbag.dags["tablewatch_daily"]
    sources = demo_site.write_sources(root / "sources.yaml")
    conf = {"db": str(db), "sources": str(sources)}
    runs = []
    demo_site.set_as_of(DAY1)
    runs.append(run_dag(dag, logical_date=midnight(DAY1), run_conf=conf))
    after_day1 = table_counts(db)
    demo_site.set_as_of(DAY2)
    runs.append(run_dag(dag, logical_date=midnight(DAY2), run_conf=conf))
    after_day2 = table_counts(db)
    return Backfill(db, sources, demo_site, after_day1, after_day2, runs)
