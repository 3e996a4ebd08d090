"""The daily DAG under the real CeleryExecutor: Redis, PostgreSQL, scheduler, two Celery workers.

``scripts/airflow-celery.sh`` starts the deployment (installing Redis and PostgreSQL from Debian
when root and missing; without root and without them the module is skipped). One demo-site day is
run three ways into three fresh warehouses:

1. ``dag.test()`` in this process (the reference, as the other DAG tests run it);
2. triggered through the deployment's REST API and run by the scheduler and the Celery workers;
3. the same again, with the worker running an outlet's ``crawl`` instance killed with SIGKILL
   while that crawl runs.

Runs 2 and 3 must leave exactly the rows of run 1 (every table, timings left out). Run 3 needs
Airflow to notice the dead worker and retry on the other one: the deployment shortens the
heartbeat timeout and the retry delay through Airflow's config (``AIRFLOW__SCHEDULER__
TASK_INSTANCE_HEARTBEAT_TIMEOUT``, ``AIRFLOW__CORE__DEFAULT_TASK_RETRY_DELAY``, which the DAGs read;
production keeps 5 minutes) and turns the cron schedule off so no timed run starts meanwhile.

Select these tests with ``-m celery`` (or leave them out with ``-m "not celery"``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from tests.support.celery import Deployment, NotInstalled, format_tasks
from tests.support.dags import REPO, midnight, query, run_dag, task_states

pytestmark = [pytest.mark.celery, pytest.mark.timeout(1800)]

DAG_ID = "tablewatch_daily"
#: every task instance of the day: the crawl mapped over the demo site's three outlets, the
#: demo day's few articles in one annotate shard
TASKS = (
    "prepare", "outlets", "crawl[0]", "crawl[1]", "crawl[2]", "merge_crawl", "plan_annotate",
    "annotate[0]", "merge_annotate", "load",
)  # fmt: skip
#: a logical date no other DAG test uses: the reference run goes through dag.test() in the shared
#: metadata DB, where a second run of a date would replace the daily tests' own run of it
DAY = dt.date(2026, 4, 10)
RUN_TIMEOUT_S = 600  # generous: the machine may be shared; the run takes ~2 min when it is busy
# Timings and per-run file contents: the only columns allowed to differ between two runs.
UNSTABLE_COLUMNS = {"elapsed_seconds", "stats", "applied_at"}
ARTIFACTS = REPO / "test-artifacts" / "celery"


def stable_rows(db: Path) -> dict[str, list[tuple]]:
    """Every row of every base table, without timestamps and timing columns, in a fixed order."""
    tables = [
        t
        for (t,) in query(
            db,
            "select table_name from information_schema.tables "
            "where table_type = 'BASE TABLE' and table_name <> 'schema_migrations' order by 1",
        )
    ]
    out = {}
    for table in tables:
        cols = [
            f'"{name}"'
            for name, dtype in query(
                db,
                "select column_name, data_type from information_schema.columns "
                f"where table_name = '{table}' order by ordinal_position",
            )
            if not dtype.startswith("TIMESTAMP") and name not in UNSTABLE_COLUMNS
        ]
        rows = query(db, f'select {", ".join(cols)} from "{table}" order by all')
        if '"raw_path"' in cols:  # names the run's WARC file (time, pid) and a byte offset
            i = cols.index('"raw_path"')
            rows = sorted(r[:i] + (_archived_page_hash(db, r[i]),) + r[i + 1 :] for r in rows)
        out[table] = rows
    return out


def _archived_page_hash(db: Path, raw_path: str | None) -> str | None:
    """What the archive holds for an article: the same page bytes, whichever try wrote them."""
    if raw_path is None:
        return None
    from crawlers.rawstore import read_page
    from kernel.paths import layout

    page, _content_type = read_page(layout(db).root, raw_path)
    return hashlib.sha256(page).hexdigest()


@pytest.fixture(scope="module")
def celery_deployment() -> Iterator[Deployment]:
    deployment = Deployment(
        home=REPO / ".airflow-celery-test",
        workers=2,
        settings={
            "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "20",
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "5",
            "AIRFLOW__CORE__DEFAULT_TASK_RETRY_DELAY": "5",
        },
    )
    try:
        deployment.start()
    except NotInstalled as exc:
        pytest.skip(str(exc))
    try:
        deployment.wait_for_dags([DAG_ID, "tablewatch_alerts"])
        # Runs left queued or running by an interrupted earlier session would block ours
        # (max_active_runs=1): end them.
        for (run_id,) in deployment.sql(
            "select run_id from dag_run where dag_id = %s and state in ('queued', 'running')",
            DAG_ID,
        ):
            deployment.api("PATCH", f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}", {"state": "failed"})
        deployment.set_paused("tablewatch_alerts", True)  # it would write the warehouses too
        deployment.set_paused(DAG_ID, False)
        yield deployment
    finally:
        stopped = deployment.stop()
        assert stopped.returncode == 0, stopped.stderr
        assert "still running" not in stopped.stderr


@pytest.fixture(scope="module")
def site() -> Iterator[Any]:
    """The module's own demo site: article ids derive from URLs, so all three runs share it."""
    from demosite import DemoSite

    with DemoSite(as_of=DAY) as s:
        yield s


@pytest.fixture(scope="module")
def sources(site, tmp_path_factory) -> Path:
    """One sources file for the three runs (``crawl_runs.sources_file`` names it)."""
    return site.write_sources(tmp_path_factory.mktemp("celery-sources") / "sources.yaml")


@pytest.fixture(scope="module")
def reference(airflow_db, dagbag, sources, tmp_path_factory) -> dict[str, list[tuple]]:
    """The same day with ``dag.test()`` (the LocalExecutor-style run the other DAG tests use)."""
    db = tmp_path_factory.mktemp("celery-reference") / "wh" / "tw.duckdb"
    run = run_dag(
        dagbag.dags[DAG_ID],
        logical_date=midnight(DAY),
        run_conf={"db": str(db), "sources": str(sources)},
    )
    assert str(run.state) == "success", task_states(run)
    rows = stable_rows(db)
    assert rows["articles"] and rows["sentences"]
    return rows


def _conf(sources: Path, root: Path) -> dict[str, str]:
    return {"db": str(root / "wh" / "tw.duckdb"), "sources": str(sources)}


def _crawl_child_runs(pid: int) -> bool:
    """Whether the task process ``pid`` has started its Scrapy child (``crawlers.run``)."""
    try:
        children = psutil.Process(pid).children(recursive=True)
        return any("crawlers.run" in " ".join(c.cmdline()) for c in children)
    except psutil.Error:  # the process ended meanwhile
        return False


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _report(name: str, text: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{name}.md").write_text(text + "\n", encoding="utf-8")
    print(f"\n{name}:\n{text}")


def test_celery_run_leaves_the_rows_of_dag_test(
    celery_deployment: Deployment, sources: Path, reference, tmp_path: Path
) -> None:
    conf = _conf(sources, tmp_path)
    run_id = f"celery-{uuid.uuid4().hex[:8]}"
    celery_deployment.trigger(DAG_ID, run_id, DAY, conf)
    state = celery_deployment.wait(DAG_ID, run_id, timeout=RUN_TIMEOUT_S)
    tasks = celery_deployment.tasks(DAG_ID, run_id)
    _report("celery-run", format_tasks(tasks))
    assert state == "success", tasks
    assert {t.task_id: t.state for t in tasks} == dict.fromkeys(TASKS, "success")
    assert all(t.try_number == 1 for t in tasks), tasks
    assert stable_rows(Path(conf["db"])) == reference


def test_worker_killed_mid_crawl_loses_and_duplicates_nothing(
    celery_deployment: Deployment, sources: Path, reference, tmp_path: Path
) -> None:
    conf = _conf(sources, tmp_path)
    run_id = f"celery-kill-{uuid.uuid4().hex[:8]}"
    celery_deployment.trigger(DAG_ID, run_id, DAY, conf)

    # Wait until the crawl's Scrapy child runs under a worker, then kill that whole worker.
    deadline = time.monotonic() + RUN_TIMEOUT_S
    victim = None
    while victim is None:
        assert time.monotonic() < deadline, "crawl never started"
        celery_deployment.sample(DAG_ID, run_id)
        for task_id, _try, pid in celery_deployment.running(DAG_ID, run_id):
            if task_id.startswith("crawl[") and _crawl_child_runs(pid):
                victim = celery_deployment.worker_of(pid)
        time.sleep(0.2)
    killed = celery_deployment.kill_worker(victim)
    assert not [p for p in killed if _alive(p)]

    state = celery_deployment.wait(DAG_ID, run_id, timeout=RUN_TIMEOUT_S)
    tasks = celery_deployment.tasks(DAG_ID, run_id)
    history = celery_deployment.history(DAG_ID, run_id)
    _report(
        "celery-killed-worker",
        f"killed {victim} (pids {killed}) during a crawl's try 1\n\n{format_tasks(tasks)}\n\n"
        f"earlier tries: {history}",
    )
    assert state == "success", tasks
    by_task = {t.task_id: t for t in tasks}
    assert {t: r.state for t, r in by_task.items()} == dict.fromkeys(TASKS, "success")
    retried = [r for t, r in by_task.items() if t.startswith("crawl[") and r.try_number >= 2]
    assert retried, tasks  # the killed outlet's try was noticed and retried ...
    assert all(r.worker not in (None, victim) for r in retried)  # ... by the surviving worker
    assert {(r.task_id, 1) for r in retried} <= {(t, n) for t, n, _s, _d in history}
    assert stable_rows(Path(conf["db"])) == reference
