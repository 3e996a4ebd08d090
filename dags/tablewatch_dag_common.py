"""What the Tablewatch DAGs share: where the warehouse is, which day a run is, and what a failure leaves.

Not a DAG file (``.airflowignore`` keeps the DAG processor from parsing it); the DAG files import it
from the DAG bundle folder, which Airflow puts on ``sys.path``. Like the DAG files it imports only
the standard library and Airflow at module level: the tablewatch packages (and through them Scrapy,
spaCy and DuckDB) are imported inside the functions that run in a task, so parsing stays fast.

Settings resolve at run time, never at parse time (a Variable read at parse time would hit the
metadata DB on every parse): an explicit DAG param wins, then the Airflow Variable
(``tablewatch_db`` / ``tablewatch_sources``), then the environment (``TABLEWATCH_DB`` /
``TABLEWATCH_SOURCES``), then the repo default.

The run's ``day`` is the UTC date of its logical date (falling back to ``data_interval_start``,
then to ``run_after`` for a manual run without a logical date). The daily DAG states its timetable
explicitly (``CronTriggerTimetable("@daily", timezone="UTC")``) instead of the bare string
``"@daily"``, whose meaning flips with ``[scheduler] create_cron_data_intervals``: so the run
triggered at 2026-11-25T00:00Z is always day 2026-11-25 and crawls what the feeds list then, and a
backfill from 2026-11-01 to 2026-11-03 makes exactly the days 01, 02 and 03.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from airflow.sdk import Asset, Param, conf

log = logging.getLogger(__name__)

WAREHOUSE = Asset(name="tablewatch_warehouse", uri="tablewatch://warehouse")
"""Updated by every load; the alerts DAG is scheduled on it."""

WRITER_POOL = "tablewatch_duckdb_writer"
"""One slot: DuckDB allows a single writer per file, so every task that writes the DB queues here."""

DB_VARIABLE, DB_ENV = "tablewatch_db", "TABLEWATCH_DB"
SOURCES_VARIABLE, SOURCES_ENV = "tablewatch_sources", "TABLEWATCH_SOURCES"
FAILURE_LOG_SUFFIX = ".failures.jsonl"


def retry_delay() -> dt.timedelta:
    """Airflow's ``[core] default_task_retry_delay`` (300 s, so 5 minutes, unless configured).

    Read from the Airflow config rather than fixed here so that a deployment, or the Celery test
    that kills a worker mid-crawl, can shorten it openly (``AIRFLOW__CORE__DEFAULT_TASK_RETRY_DELAY``)
    without editing the DAGs; reading the config file costs no metadata DB query at parse time.
    """
    return dt.timedelta(seconds=conf.getint("core", "default_task_retry_delay", fallback=300))


def default_args(**overrides: Any) -> dict[str, Any]:
    """Retries absorb flaky sites and a briefly locked DB; the timeout stops a hung crawl."""
    args: dict[str, Any] = {
        "owner": "tablewatch",
        "retries": 2,
        "retry_delay": retry_delay(),
        "retry_exponential_backoff": True,
        "execution_timeout": dt.timedelta(hours=1),
        "on_failure_callback": record_failure,
    }
    args.update(overrides)
    return args


def db_param() -> Param:
    return Param(
        None,
        type=["null", "string"],
        title="DuckDB warehouse file",
        description=(
            f"Empty: Variable {DB_VARIABLE}, else env {DB_ENV}, else data/tablewatch.duckdb in the repo."
        ),
    )


def sources_param() -> Param:
    return Param(
        None,
        type=["null", "string"],
        title="Sources YAML file",
        description=(
            f"Empty: Variable {SOURCES_VARIABLE}, else env {SOURCES_ENV}, "
            "else crawlers/sources.yaml in the repo."
        ),
    )


def _setting(params: Mapping[str, Any], name: str, variable: str, env: str) -> str | None:
    value = params.get(name)
    if value not in (None, ""):
        return str(value)
    from airflow.sdk import Variable

    value = Variable.get(variable, default=None)
    if value not in (None, ""):
        return str(value)
    return os.environ.get(env) or None


def resolve_db(params: Mapping[str, Any]) -> str:
    """Absolute path of the warehouse file (a relative default would depend on the worker's cwd)."""
    value = _setting(params, "db", DB_VARIABLE, DB_ENV)
    if value is None:
        from kernel.paths import DEFAULT_DB, REPO_DIR

        return str(REPO_DIR / DEFAULT_DB)
    return str(Path(value).expanduser().resolve())


def resolve_sources(params: Mapping[str, Any]) -> str:
    value = _setting(params, "sources", SOURCES_VARIABLE, SOURCES_ENV)
    if value is None:
        from tablewatch.pipeline import DEFAULT_SOURCES

        return str(DEFAULT_SOURCES)
    return str(Path(value).expanduser().resolve())


def _utc_day(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return value.date().isoformat()
    return dt.date.fromisoformat(str(value)[:10]).isoformat()


def run_day(context: Mapping[str, Any]) -> str:
    """The ``YYYY-MM-DD`` a run works on (see the module docstring for the rule)."""
    for key in ("logical_date", "data_interval_start"):
        day = _utc_day(context.get(key))
        if day:
            return day
    dag_run = context.get("dag_run")
    day = _utc_day(getattr(dag_run, "run_after", None))
    return day or dt.datetime.now(dt.UTC).date().isoformat()


def small(summary: Mapping[str, Any]) -> dict[str, Any]:
    """Keep the scalars of a stage summary: XCom carries counts and paths, never data."""
    return {
        k: v for k, v in summary.items() if v is None or isinstance(v, str | int | float | bool)
    }


def failure_log_path(db: str | Path) -> Path:
    """``<db stem>.failures.jsonl`` next to the DB, so each warehouse keeps its own history."""
    db = Path(db)
    return db.with_name(db.stem + FAILURE_LOG_SUFFIX)


def _failure_record(context: Mapping[str, Any]) -> dict[str, Any]:
    ti = context.get("ti") or context.get("task_instance")
    exc = context.get("exception")
    try:
        day: str | None = run_day(context)
    except Exception:  # a broken context must not stop the record being written
        day = None
    return {
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "dag_id": getattr(ti, "dag_id", None),
        "task_id": getattr(ti, "task_id", None),
        "run_id": getattr(ti, "run_id", None),
        "map_index": getattr(ti, "map_index", None),
        # a mapped instance's name (the outlet of a crawl, the shard of an annotate)
        "instance": getattr(ti, "rendered_map_index", None),
        "try_number": getattr(ti, "try_number", None),
        "day": day,
        "error": f"{type(exc).__name__}: {exc}" if exc is not None else None,
    }


def record_failure(context: Mapping[str, Any]) -> None:
    """on_failure_callback: append a JSONL line next to the DB, log it, then notify.

    Every step is guarded on its own: a missing Variable, an unwritable disk or a broken mail
    server must never replace the task's own error, which Airflow has already recorded.
    """
    record = _failure_record(context)
    log.error("tablewatch task failed: %s", json.dumps(record))
    try:
        path = failure_log_path(resolve_db(context.get("params") or {}))
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    except Exception:
        log.exception("could not append to the tablewatch failure log")
    try:
        from tablewatch.pipeline import notify_failure

        instance = f"[{record['instance']}]" if record.get("instance") else ""
        message = (
            f"Tablewatch {record['dag_id']}.{record['task_id']}{instance} failed for {record['day']} "
            f"(run {record['run_id']}, try {record['try_number']}): {record['error']}"
        )
        notify_failure(message)
    except Exception:
        log.exception("could not send the tablewatch failure notification")
