"""
### tablewatch_daily: crawl, annotate and load one day of negotiation news

Runs the `tablewatch.pipeline` stages for the run's day: the UTC date of the logical date, which
for this DAG's `CronTriggerTimetable("@daily", timezone="UTC")` is the day the run is triggered
(the run of 2026-11-25T00:00Z is day 2026-11-25, whatever `create_cron_data_intervals` says):

1. **prepare**: resolves the DB and sources paths (param, else Variable `tablewatch_db` /
   `tablewatch_sources`, else env `TABLEWATCH_DB` / `TABLEWATCH_SOURCES`, else the repo defaults)
   and checks the sources file before anything is fetched.
2. **crawl**: every source once (Scrapy in a child process) into `runs/<day>/` and the raw archive.
3. **annotate**: spaCy labels of the day's relevant articles into `runs/<day>/sentences.jsonl`.
4. **load**: one transaction into the warehouse, in pool `tablewatch_duckdb_writer` (1 slot, DuckDB
   has a single writer); publishes the asset `tablewatch://warehouse`, which starts
   `tablewatch_alerts`.

Every stage is idempotent for its day, so retries, reruns and backfills
(`airflow backfill create --dag-id tablewatch_daily --from-date ... --to-date ...`) never add
duplicate rows. XCom carries paths and counts only.

Operators create the pool once:
`airflow pools set tablewatch_duckdb_writer 1 "single DuckDB writer"`.
A failed task appends a line to `<db stem>.failures.jsonl` next to the DB and calls
`alerts.notify_failure`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pendulum
from airflow.sdk import CronTriggerTimetable, Param, dag, get_current_context, task
from tablewatch_dag_common import (
    WAREHOUSE,
    WRITER_POOL,
    db_param,
    default_args,
    resolve_db,
    resolve_sources,
    run_day,
    small,
    sources_param,
)


@dag(
    schedule=CronTriggerTimetable("@daily", timezone="UTC"),
    start_date=pendulum.datetime(2023, 1, 1, tz="UTC"),
    # Feeds list today's articles whatever the logical date, so replaying months of runs on
    # deployment would crawl the same pages again and again; backfills are explicit instead.
    catchup=False,
    max_active_runs=1,  # a day's crawl skips what earlier days loaded: keep days in order
    default_args=default_args(),
    params={
        "db": db_param(),
        "sources": sources_param(),
        "n_process": Param(1, type="integer", minimum=1, title="spaCy worker processes"),
    },
    doc_md=__doc__,
    tags=["tablewatch", "crawl", "nlp", "warehouse"],
)
def tablewatch_daily() -> None:
    @task
    def prepare() -> dict[str, Any]:
        """Resolve paths once so every later task (and its retries) works on the same files."""
        from tablewatch.pipeline import source_names

        context = get_current_context()
        params = context["params"]
        sources = resolve_sources(params)
        names = source_names(sources)
        return {
            "db": resolve_db(params),
            "sources": sources,
            "day": run_day(context),
            "source_names": names,
        }

    @task(execution_timeout=dt.timedelta(hours=3))
    def crawl(cfg: dict[str, Any]) -> dict[str, Any]:
        from tablewatch.pipeline import crawl_stage

        return small(crawl_stage(cfg["db"], cfg["day"], sources=cfg["sources"]))

    @task(execution_timeout=dt.timedelta(hours=3))
    def annotate(cfg: dict[str, Any], crawled: dict[str, Any]) -> dict[str, Any]:
        """``crawled`` (the crawl's counts) only orders the tasks: the data is in the run folder."""
        from tablewatch.pipeline import annotate_stage

        n_process = int(get_current_context()["params"].get("n_process") or 1)
        return small(annotate_stage(cfg["db"], cfg["day"], n_process=n_process))

    @task(pool=WRITER_POOL, outlets=[WAREHOUSE])
    def load(cfg: dict[str, Any], annotated: dict[str, Any]) -> dict[str, Any]:
        """The asset event names the DB and day, so the alerts DAG evaluates exactly this load."""
        from tablewatch.pipeline import load_stage

        summary = small(load_stage(cfg["db"], cfg["day"]))
        get_current_context()["outlet_events"][WAREHOUSE].extra = {
            "db": cfg["db"],
            "day": cfg["day"],
        }
        return summary

    cfg = prepare()
    load(cfg, annotate(cfg, crawl(cfg)))


tablewatch_daily()
