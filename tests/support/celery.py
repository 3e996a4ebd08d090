"""A real CeleryExecutor deployment (``scripts/airflow-celery.sh``) driven from Python.

Used by the Celery DAG test and the Celery benchmark: start the deployment in its own folder,
trigger a DAG run through the REST API of its API server, wait for it with a bounded timeout
(reading the PostgreSQL metadata DB directly, so waiting costs no Airflow CLI start-up), and read
the task table back: task, state, try, duration and which Celery worker ran it.

Which worker ran a task is not in the metadata DB (both workers report the same host name), so
``Deployment.wait`` samples the process trees of the workers while tasks run: a task's recorded
``pid`` belongs to exactly one worker's process group.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "airflow-celery.sh"
NOT_INSTALLED = 3  # the script's exit code when Redis/PostgreSQL are missing and we are not root


class NotInstalled(RuntimeError):
    """Redis or PostgreSQL is missing and cannot be installed (not root)."""


def _name(task_id: str, map_index: int) -> str:
    """A task instance's name: ``crawl[1]`` for a mapped one (as tests.support.dags names it)."""
    return f"{task_id}[{map_index}]" if map_index is not None and map_index >= 0 else task_id


@dataclass
class TaskRow:
    task_id: str  #: with ``[map_index]`` for an instance of a mapped task
    state: str | None
    try_number: int
    duration_s: float | None
    pid: int | None
    worker: str | None


@dataclass
class Deployment:
    """One deployment folder; ``settings`` are extra environment variables (AIRFLOW__* wins)."""

    home: Path
    workers: int = 2
    settings: dict[str, str] = field(default_factory=dict)
    _seen: dict[tuple[str, str, int], str] = field(default_factory=dict, init=False)

    # -- the script ---------------------------------------------------------------------------

    def base_env(self) -> dict[str, str]:
        """The caller's environment minus its Airflow settings (a test session has its own)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
        env = {k: v for k, v in env.items() if not k.startswith("TABLEWATCH_")}
        env |= {"TW_CELERY_HOME": str(self.home), "TW_CELERY_WORKERS": str(self.workers)}
        return env | self.settings

    def script(self, command: str, timeout: float = 900) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["bash", str(SCRIPT), command],
            env=self.base_env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def start(self) -> None:
        done = self.script("start")
        if done.returncode == NOT_INSTALLED:
            raise NotInstalled(done.stderr.strip().splitlines()[-1])
        if done.returncode != 0:
            raise RuntimeError(f"airflow-celery.sh start failed:\n{done.stderr}")

    def stop(self) -> subprocess.CompletedProcess:
        return self.script("stop", timeout=300)

    # -- ports and PIDs -----------------------------------------------------------------------

    def ports(self) -> dict[str, str]:
        lines = (self.home / "ports.env").read_text().splitlines()
        return dict(line.split("=", 1) for line in lines if "=" in line)

    def pid(self, component: str) -> int | None:
        path = self.home / "run" / f"{component}.pid"
        return int(path.read_text()) if path.exists() else None

    def worker_names(self) -> list[str]:
        return [f"worker{i}" for i in range(1, self.workers + 1)]

    def worker_of(self, pid: int) -> str | None:
        """The worker whose Celery main process (started by the script) is an ancestor of ``pid``.

        Airflow's task supervisor may put the task in a process group of its own, so ancestry,
        not the process group, decides.
        """
        mains = {self.pid(name): name for name in self.worker_names()}
        try:
            proc: psutil.Process | None = psutil.Process(pid)
            while proc is not None:
                if proc.pid in mains:
                    return mains[proc.pid]
                proc = proc.parent()
        except psutil.NoSuchProcess:
            return None
        return None

    def kill_worker(self, name: str) -> list[int]:
        """SIGKILL the whole worker at once: Celery's main process, its pool child, the task
        supervisor, the task and the Scrapy child (as if the machine went away)."""
        main = self.pid(name)
        assert main is not None, name
        root = psutil.Process(main)
        procs = [root, *root.children(recursive=True)]
        procs += [p for p in psutil.process_iter() if _pgid(p.pid) == main and p not in procs]
        for proc in procs:
            try:
                proc.send_signal(signal.SIGKILL)
            except psutil.NoSuchProcess:
                pass
        psutil.wait_procs(procs, timeout=10)
        return [p.pid for p in procs]

    # -- the metadata DB and the REST API -----------------------------------------------------

    def sql(self, query: str, *args: Any) -> list[tuple]:
        import psycopg2

        con = psycopg2.connect(
            host="127.0.0.1", port=int(self.ports()["PG_PORT"]), user="postgres", dbname="airflow"
        )
        try:
            with con.cursor() as cur:
                cur.execute(query, args)
                return cur.fetchall() if cur.description else []
        finally:
            con.close()

    def api(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        base = f"http://127.0.0.1:{self.ports()['API_PORT']}"
        with urllib.request.urlopen(f"{base}/auth/token", timeout=60) as resp:
            token = json.load(resp)["access_token"]
        req = urllib.request.Request(
            f"{base}{path}",
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=120) as resp:
            body = resp.read()
        return json.loads(body) if body else None

    def wait_for_dags(self, dag_ids: list[str], timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rows = self.sql("select dag_id from dag where dag_id = any(%s)", dag_ids)
            if {r[0] for r in rows} == set(dag_ids):
                return
            time.sleep(2)
        raise TimeoutError(f"the DAG processor did not register {dag_ids} in {timeout}s")

    def set_paused(self, dag_id: str, paused: bool) -> None:
        self.api("PATCH", f"/api/v2/dags/{dag_id}", {"is_paused": paused})

    def trigger(self, dag_id: str, run_id: str, day: dt.date, conf: dict[str, Any]) -> None:
        """A run for ``day``; an earlier run of that logical date (unique per DAG) is deleted."""
        logical = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).isoformat()
        for (old,) in self.sql(
            "select run_id from dag_run where dag_id = %s and logical_date = %s", dag_id, logical
        ):
            self.api("DELETE", f"/api/v2/dags/{dag_id}/dagRuns/{old}")
        self.api(
            "POST",
            f"/api/v2/dags/{dag_id}/dagRuns",
            {"dag_run_id": run_id, "logical_date": logical, "conf": conf},
        )

    def run_state(self, dag_id: str, run_id: str) -> str | None:
        rows = self.sql(
            "select state from dag_run where dag_id = %s and run_id = %s", dag_id, run_id
        )
        return rows[0][0] if rows else None

    def running(self, dag_id: str, run_id: str) -> list[tuple[str, int, int]]:
        """(task_id, try_number, pid) of the run's running tasks (``crawl[1]`` when mapped)."""
        rows = self.sql(
            "select task_id, map_index, try_number, pid from task_instance "
            "where dag_id = %s and run_id = %s and state = 'running' and pid is not null",
            dag_id,
            run_id,
        )
        return [(_name(t, m), n, p) for t, m, n, p in rows]

    def sample(self, dag_id: str, run_id: str) -> None:
        """Note which worker runs each running try (see the module docstring)."""
        for task_id, try_number, pid in self.running(dag_id, run_id):
            worker = self.worker_of(pid)
            if worker:
                self._seen.setdefault((run_id, task_id, try_number), worker)

    def wait(self, dag_id: str, run_id: str, timeout: float, poll: float = 0.5) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.sample(dag_id, run_id)
            state = self.run_state(dag_id, run_id)
            if state in ("success", "failed"):
                return state
            time.sleep(poll)
        raise TimeoutError(f"{dag_id} {run_id} not finished after {timeout}s")

    def tasks(self, dag_id: str, run_id: str) -> list[TaskRow]:
        rows = self.sql(
            "select task_id, map_index, state, try_number, duration, pid from task_instance "
            "where dag_id = %s and run_id = %s order by start_date nulls last, task_id, map_index",
            dag_id,
            run_id,
        )
        named = [(_name(t, m), s, n, d, p) for t, m, s, n, d, p in rows]
        return [TaskRow(t, s, n, d, p, self._seen.get((run_id, t, n))) for t, s, n, d, p in named]

    def history(self, dag_id: str, run_id: str) -> list[tuple[str, int, str | None, float | None]]:
        """Every try of every task (``task_instance_history`` keeps the earlier tries)."""
        rows = self.sql(
            "select task_id, map_index, try_number, state, duration from task_instance_history "
            "where dag_id = %s and run_id = %s order by task_id, map_index, try_number",
            dag_id,
            run_id,
        )
        return [(_name(t, m), n, s, d) for t, m, n, s, d in rows]

    def run_wall_s(self, dag_id: str, run_id: str) -> float:
        ((start, end),) = self.sql(
            "select start_date, end_date from dag_run where dag_id = %s and run_id = %s",
            dag_id,
            run_id,
        )
        return (end - start).total_seconds()


def _pgid(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except ProcessLookupError:
        return None


def format_tasks(rows: list[TaskRow]) -> str:
    lines = ["| task | state | try | duration (s) | worker |", "| --- | --- | --- | --- | --- |"]
    for r in rows:
        d = f"{r.duration_s:.1f}" if r.duration_s is not None else "-"
        lines.append(f"| {r.task_id} | {r.state} | {r.try_number} | {d} | {r.worker or '?'} |")
    return "\n".join(lines)
