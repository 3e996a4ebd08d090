"""``scripts/airflow-demo.sh`` (``make airflow-demo``) end to end: a real scheduler, a real day.

The script serves the demo site, starts Airflow 3 (scheduler with the LocalExecutor, dag-processor,
API server) on 127.0.0.1 in its own folder, sets the pool and Variables, triggers today's run of
``tablewatch_daily``, waits for it and for the ``tablewatch_alerts`` run its load's asset event
starts, prints the result and stops everything. This test runs it as a user would (its own
folder, the demo site as of a storyline day with few articles, so the day is quick) and checks
what it claims: both runs succeeded, the warehouse has the day's rows, and no process it started
is alive afterwards (by the PIDs it recorded and by any process still pointing at its folder).

Select it with ``-m airflow_demo`` (or leave it out with ``-m "not airflow_demo"``).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
from pathlib import Path

import psutil
import pytest

from tests.support.dags import REPO, query

pytestmark = [pytest.mark.airflow_demo, pytest.mark.timeout(1500)]

SCRIPT = REPO / "scripts" / "airflow-demo.sh"
AS_OF = "2026-04-08"  # the storyline as of this day: a few articles, a quick day
ARTIFACTS = REPO / "test-artifacts" / "airflow-demo"


def _points_at(proc: psutil.Process, home: Path) -> bool:
    """Whether a process still belongs to the demo: its AIRFLOW_HOME or command line names it."""
    try:
        if str(home) in " ".join(proc.cmdline()):
            return True
        return proc.environ().get("AIRFLOW_HOME", "").startswith(str(home))
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return False


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path]:
    home = tmp_path_factory.mktemp("airflow-demo")
    # The test session's own Airflow and Tablewatch settings are not the demo's.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "TABLEWATCH_"))}
    env |= {"TW_DEMO_HOME": str(home), "TW_DEMO_AS_OF": AS_OF, "TW_DEMO_TIMEOUT": "1200"}
    done = subprocess.run(
        ["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=1450
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "output.txt").write_text(
        f"exit {done.returncode}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}",
        encoding="utf-8",
    )
    print(f"\nscripts/airflow-demo.sh -> exit {done.returncode}\n{done.stderr}\n{done.stdout}")
    return done, home


def test_the_days_runs_succeed_and_fill_the_warehouse(demo) -> None:
    done, home = demo
    assert done.returncode == 0, done.stderr[-3000:]
    # today's run (UTC), as the schedule would make it; the script names the day it triggered
    day = re.search(r"triggered tablewatch_daily \S+ \(day (\d{4}-\d\d-\d\d)\)", done.stderr).group(
        1
    )
    assert dt.date.fromisoformat(day) >= dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    daily = re.search(r"^tablewatch_daily (\S+): (\w+)$", done.stdout, re.M)
    alerts = re.search(r"^tablewatch_alerts (\S+): (\w+)$", done.stdout, re.M)
    assert daily and daily.group(2) == "success", done.stdout
    assert alerts and alerts.group(2) == "success", done.stdout
    for task in ("prepare", "crawl", "annotate", "load", "plan", "alerts", "brief", "report"):
        assert re.search(rf"^\s+{task}\s+success\s+\d+\s+[\d.]+$", done.stdout, re.M), task

    db = home / "data" / "tablewatch.duckdb"
    runs = query(
        db, f"select articles, relevant, sentences from crawl_runs where run_day = '{day}'"
    )
    assert len(runs) == 1 and runs[0][1] > 0 and runs[0][2] > 0, runs
    (articles,) = query(db, f"select count(*) from articles where crawl_day = '{day}'")[0]
    (sentences,) = query(
        db,
        "select count(*) from sentences join articles using (article_id) "
        f"where crawl_day = '{day}'",
    )[0]
    assert articles == runs[0][0] and sentences == runs[0][2]
    # what the script printed is what the warehouse holds
    printed = rf"^1\s+{articles}\s+{runs[0][1]}\s+{sentences}\s+\d+\s+1$"  # crawl_runs .. briefs
    assert re.search(printed, done.stdout, re.M), done.stdout
    # the alerts DAG (started by the load's asset event) wrote the day's brief and the report
    assert query(db, f"select count(*) from briefs where day = '{day}'")[0][0] >= 1
    assert (home / "data" / "reports" / "tablewatch-report.html").exists()


def test_nothing_it_started_is_left_running(demo) -> None:
    done, home = demo
    started = [
        (int(pid), name)
        for pid, name in (
            line.split() for line in (home / "run" / "started.pids").read_text().splitlines()
        )
    ]
    names = {name for _pid, name in started}
    assert names == {"demosite", "scheduler", "dag-processor", "api-server"}, started
    assert [(pid, name) for pid, name in started if _alive(pid)] == []
    left = [p.pid for p in psutil.process_iter() if _points_at(p, home)]
    assert left == [], left
    assert "nothing left running" in done.stderr
