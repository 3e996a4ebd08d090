"""The daily DAG under the real CeleryExecutor with 1 and 2 workers, on the generated demo site.

For each worker count the deployment of ``scripts/airflow-celery.sh`` (Redis, PostgreSQL,
scheduler, dag-processor, API server, N Celery workers with one task slot each) runs one
``tablewatch_daily`` day over ``python -m demosite --generated N`` into a fresh warehouse. The
figures come from the metadata DB: the DAG run's wall time (start to end, so queueing between
tasks counts) and each task's own duration, with the worker that ran it.

The deployment lives in ``.airflow-celery-bench`` (gitignored) and is stopped afterwards.

Run: ``python -m benchmarks.celery_workers --sizes 1000`` (default 5000 articles).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from benchmarks.crawl import REPO, serve
from tests.support.celery import Deployment, TaskRow

DAG_ID = "tablewatch_daily"
DAY = dt.date(2026, 1, 1)
TIMEOUT_S = 3600


def one_run(n_workers: int, site: Any, workdir: Path) -> dict[str, Any]:
    deployment = Deployment(
        home=REPO / ".airflow-celery-bench",
        workers=n_workers,
        settings={"AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False"},
    )
    t0 = time.monotonic()
    deployment.start()
    started_s = time.monotonic() - t0
    try:
        deployment.wait_for_dags([DAG_ID, "tablewatch_alerts"])
        deployment.set_paused("tablewatch_alerts", True)
        deployment.set_paused(DAG_ID, False)
        run_id = f"bench-{n_workers}w-{uuid.uuid4().hex[:6]}"
        db = workdir / f"{n_workers}w" / "tw.duckdb"
        load = os.getloadavg()[0]
        deployment.trigger(DAG_ID, run_id, DAY, {"db": str(db), "sources": str(site.sources_file)})
        state = deployment.wait(DAG_ID, run_id, timeout=TIMEOUT_S)
        return {
            "workers": n_workers,
            "state": state,
            "start_s": started_s,
            "wall_s": deployment.run_wall_s(DAG_ID, run_id),
            "tasks": deployment.tasks(DAG_ID, run_id),
            "load_before": load,
            "load_after": os.getloadavg()[0],
        }
    finally:
        deployment.stop()


#: the daily DAG's tasks by stage: a mapped task's instances (``crawl[2]``) and its merge count
#: towards its stage
STAGES = {"prepare": "prepare", "outlets": "prepare", "crawl": "crawl", "merge_crawl": "crawl",
          "plan_annotate": "annotate", "annotate": "annotate", "merge_annotate": "annotate",
          "load": "load"}  # fmt: skip


def _stage_seconds(tasks: list[TaskRow]) -> dict[str, float]:
    """Task seconds per stage (instances of a mapped task added up: worker time, not wall)."""
    out: dict[str, float] = {}
    for t in tasks:
        stage = STAGES.get(t.task_id.split("[", 1)[0])
        if stage and t.duration_s:
            out[stage] = out.get(stage, 0.0) + t.duration_s
    return out


def render(n: int, results: list[dict[str, Any]]) -> str:
    lines = [
        f"### CeleryExecutor: the daily DAG with 1 and 2 workers ({n:,} generated articles)",
        "",
        "| workers | run state | DAG run wall (s) | prepare (s) | crawl (s, task sum) "
        "| annotate (s, task sum) | load (s) "
        "| wall - task sum (s; < 0: tasks ran side by side) | workers used | load avg before / after |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        stage_s = _stage_seconds(r["tasks"])
        busy = sum(t.duration_s or 0 for t in r["tasks"])
        cells = [f"{stage_s[t]:.1f}" if stage_s.get(t) else "-"
                 for t in ("prepare", "crawl", "annotate", "load")]  # fmt: skip
        used = ", ".join(f"{t.task_id}: {t.worker or '?'}" for t in r["tasks"])
        lines.append(
            f"| {r['workers']} | {r['state']} | {r['wall_s']:.1f} | {' | '.join(cells)} "
            f"| {r['wall_s'] - busy:.1f} | {used} | {r['load_before']:.1f} / {r['load_after']:.1f} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.celery_workers")
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    for n in args.sizes:
        with tempfile.TemporaryDirectory(prefix="tw-celery-bench-") as tmp:
            workdir = Path(tmp)
            with serve(n, workdir) as site:
                results = [one_run(w, site, workdir) for w in args.workers]
            print(render(n, results), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
