"""
### tablewatch_reprocess: re-extract, re-annotate and reload past days, without recrawling

Manual only. For every day from `date_from` to `date_to` (inclusive) that has a crawl output
(`runs/<day>/articles.jsonl` next to the DB), re-extracts the articles from the raw archive (param
`reextract`, on by default: picks up extraction fixes), re-runs the annotation with the NLP version
now installed and reloads the day into the warehouse (the load replaces the day's previous rows).
Days without a run folder are skipped and listed in the `plan` task's log; a range with
none at all fails with a clear message.

Annotation is mapped per day (parallel on a distributed executor); the loads queue in pool
`tablewatch_duckdb_writer` (1 slot) and each publishes `tablewatch://warehouse` with its day, so
`tablewatch_alerts` re-evaluates the alerts of the reprocessed days afterwards.

Trigger: `airflow dags trigger tablewatch_reprocess --conf '{"date_from": "2023-07-01",
"date_to": "2023-07-31"}'` (or the UI's trigger form).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pendulum
from airflow.sdk import Param, dag, get_current_context, task
from tablewatch_dag_common import (
    WAREHOUSE,
    WRITER_POOL,
    db_param,
    default_args,
    resolve_db,
    small,
)

log = logging.getLogger(__name__)

MAX_DAYS = 3660  # ten years: a typo in a year should fail, not start a ten-thousand-task run


def _day_param(title: str) -> Param:
    return Param(None, type=["null", "string"], format="date", title=title)


@dag(
    schedule=None,
    start_date=pendulum.datetime(2023, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    params={
        "date_from": _day_param("First day to reprocess (YYYY-MM-DD)"),
        "date_to": _day_param("Last day to reprocess (YYYY-MM-DD, inclusive)"),
        "db": db_param(),
        "n_process": Param(1, type="integer", minimum=1, title="spaCy worker processes"),
        "reextract": Param(
            True, type="boolean", title="Re-extract pages from the raw archive first"
        ),
    },
    doc_md=__doc__,
    tags=["tablewatch", "nlp", "warehouse", "reprocess"],
)
def tablewatch_reprocess() -> None:
    @task
    def plan() -> list[dict[str, str]]:
        """The days of the range that have something to reprocess, as annotate's kwargs."""
        from kernel.days import as_date
        from kernel.errors import TablewatchError
        from kernel.paths import layout

        params = get_current_context()["params"]
        if not params.get("date_from") or not params.get("date_to"):
            raise TablewatchError("tablewatch_reprocess needs the params date_from and date_to")
        first = as_date(params["date_from"], "date_from")
        last = as_date(params["date_to"], "date_to")
        if last < first:
            raise TablewatchError(f"date_to {last} is before date_from {first}")
        if (last - first).days >= MAX_DAYS:
            raise TablewatchError(f"{first}..{last} spans more than {MAX_DAYS} days")
        db = resolve_db(params)
        lay = layout(db)
        days, missing = [], []
        for n in range((last - first).days + 1):
            day = (first + dt.timedelta(days=n)).isoformat()
            (days if lay.run(day).articles.exists() else missing).append(day)
        if not days:
            raise TablewatchError(
                f"no crawl output between {first} and {last} under {lay.root / 'runs'}"
            )
        if missing:
            log.warning("no crawl output, skipped: %s", ", ".join(missing))
        log.info("reprocessing %d days: %s", len(days), ", ".join(days))
        return [{"db": db, "day": day} for day in days]

    @task(execution_timeout=dt.timedelta(hours=3))
    def annotate(db: str, day: str) -> dict[str, Any]:
        from tablewatch.pipeline import annotate_stage, reextract_stage

        params = get_current_context()["params"]
        if params.get("reextract", True):
            reextract_stage(db, day)
        n_process = int(params.get("n_process") or 1)
        return small(annotate_stage(db, day, n_process=n_process)) | {"db": db}

    @task(pool=WRITER_POOL, outlets=[WAREHOUSE])
    def load(annotated: dict[str, Any]) -> dict[str, Any]:
        from tablewatch.pipeline import load_stage

        db, day = annotated["db"], annotated["day"]
        summary = small(load_stage(db, day))
        get_current_context()["outlet_events"][WAREHOUSE].extra = {"db": db, "day": day}
        return summary

    load.expand(annotated=annotate.expand_kwargs(plan()))


tablewatch_reprocess()
