"""Running the real DAGs with dag.test() and reading what they left."""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

REPO = Path(__file__).resolve().parents[2]


DAGS_DIR = REPO / "dags"


SHARED = REPO / ".." / "shared"


WRITER_POOL = "tablewatch_duckdb_writer"


DAY1, DAY2 = dt.date(2026, 4, 8), dt.date(2026, 4, 9)  # few demo articles: quick runs


def run_dag(dag: Any, **kwargs: Any) -> Any:
    """``dag.test(**kwargs)`` with retries off: dag.test would sit out every 5-minute retry delay.

    The retries are restored afterwards, so the DagBag tests still see the configured ones. So are
    the params: dag.test() runs the tasks in this process on the one DAG object, and a run's conf
    merged into its params would otherwise become the defaults of every later run without conf.
    """
    saved = {task.task_id: (task.retries, copy.deepcopy(task.params)) for task in dag.tasks}
    dag_params = copy.deepcopy(dag.params)
    for task in dag.tasks:
        task.retries = 0
    try:
        return dag.test(**kwargs)
    finally:
        dag.params = dag_params
        for task in dag.tasks:
            task.retries, task.params = saved[task.task_id]


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
