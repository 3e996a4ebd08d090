"""
### tablewatch_alerts: re-evaluate alerts and rebuild the report after every load

Scheduled on the asset `tablewatch://warehouse`, which the load tasks of `tablewatch_daily` and
`tablewatch_reprocess` publish with `{"db", "day"}` in the event's extra. So a daily load and a
manual reprocess of past days both re-run the alert rules for exactly the days they loaded
(`alerts_stage` is idempotent per day: an alert already stored is not stored or sent twice),
then write and send the morning brief of the latest day evaluated (after the alerts, once per
channel), and rebuild the HTML report of each warehouse touched.

Triggered by hand (no asset events) it uses the params `db` and `day` (empty day: the logical
date, else today, UTC). The alerts task writes the `alerts` table, so it queues in pool
`tablewatch_duckdb_writer` with the loads.
"""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.sdk import Param, dag, get_current_context, task
from tablewatch_dag_common import (
    WAREHOUSE,
    WRITER_POOL,
    db_param,
    default_args,
    resolve_db,
    run_day,
    small,
)


def _targets_from_events(events: Any) -> list[dict[str, str]]:
    """Distinct (db, day) pairs of the loads that triggered this run, oldest day first."""
    seen: set[tuple[str, str]] = set()
    for event in (events.get(WAREHOUSE) or []) if events else []:
        extra = getattr(event, "extra", None) or {}
        if extra.get("db") and extra.get("day"):
            seen.add((str(extra["db"]), str(extra["day"])))
    return [{"db": db, "day": day} for db, day in sorted(seen, key=lambda t: (t[1], t[0]))]


@dag(
    schedule=[WAREHOUSE],
    start_date=pendulum.datetime(2023, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    params={
        "db": db_param(),
        "day": Param(
            None,
            type=["null", "string"],
            format="date",
            title="Day (YYYY-MM-DD) for a manual run",
        ),
    },
    doc_md=__doc__,
    tags=["tablewatch", "alerts", "report"],
)
def tablewatch_alerts() -> None:
    @task
    def plan() -> list[dict[str, str]]:
        """Which warehouse and days to evaluate: from the asset events, else from the params."""
        context = get_current_context()
        targets = _targets_from_events(context.get("triggering_asset_events"))
        if targets:
            return targets
        params = context["params"]
        return [{"db": resolve_db(params), "day": params.get("day") or run_day(context)}]

    @task(pool=WRITER_POOL)
    def alerts(targets: list[dict[str, str]]) -> list[dict[str, Any]]:
        from tablewatch.pipeline import alerts_stage

        return [small(alerts_stage(t["db"], t["day"])) | {"db": t["db"]} for t in targets]

    @task(pool=WRITER_POOL)
    def brief(alerted: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The morning brief of the latest day of each warehouse, after its alerts; stored and
        sent once per channel (a rerun sends nothing twice, a failed channel is retried)."""
        from tablewatch.pipeline import brief_stage

        latest: dict[str, str] = {}
        for summary in alerted:
            latest[summary["db"]] = max(str(summary["day"]), latest.get(summary["db"], ""))
        out = []
        for db, day in sorted(latest.items()):
            done = brief_stage(db, day, fmt="html")
            done.pop("text", None)
            out.append(small(done) | {"db": db})
        return out

    @task
    def report(alerted: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """One report per warehouse, as of the latest day evaluated."""
        from tablewatch.pipeline import report_stage

        latest: dict[str, str] = {}
        for summary in alerted:
            latest[summary["db"]] = max(summary["day"], latest.get(summary["db"], ""))
        return [small(report_stage(db, day)) for db, day in sorted(latest.items())]

    alerted = alerts(plan())
    brief(alerted)
    report(alerted)


tablewatch_alerts()
