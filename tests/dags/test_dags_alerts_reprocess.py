"""The alerts and reprocess DAGs on the warehouse the daily DAG built, and the failure path."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.support.dags import (
    DAGS_DIR,
    DAY1,
    DAY2,
    Backfill,
    midnight,
    query,
    run_dag,
    table_counts,
    task_states,
)

DATA_TABLES = ("articles", "article_bodies", "sentences", "crawl_runs", "sources", "feed_state")


def asset_event_days(source_dag_id: str, db: Path) -> list[str]:
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        extras = session.scalars(
            select(AssetEvent.extra)
            .join(AssetModel, AssetEvent.asset_id == AssetModel.id)
            .where(AssetModel.uri.like("tablewatch://warehouse%"))
            .where(AssetEvent.source_dag_id == source_dag_id)
        ).all()
    return sorted(e["day"] for e in extras if e and e.get("db") == str(db))


class _Webhook(http.server.BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        type(self).received.append(json.loads(body or b"{}"))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture
def webhook(monkeypatch) -> Iterator[list[dict]]:
    """A real HTTP endpoint on 127.0.0.1 that notify_failure posts to."""
    handler = type("Hook", (_Webhook,), {"received": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("TABLEWATCH_WEBHOOK_URL", f"http://127.0.0.1:{server.server_address[1]}/")
    try:
        yield handler.received
    finally:
        server.shutdown()
        server.server_close()


def test_alerts_dag_evaluates_the_day_and_writes_the_report(daily_backfill: Backfill, dagbag):
    dag = dagbag.dags["tablewatch_alerts"]
    conf = {"db": str(daily_backfill.db), "day": DAY2.isoformat()}
    run = run_dag(dag, logical_date=midnight(DAY2), run_conf=conf)
    assert str(run.state) == "success", task_states(run)
    ti = next(t for t in run.get_task_instances() if t.task_id == "report")
    reports = ti.xcom_pull(task_ids="report")
    assert len(reports) == 1 and Path(reports[0]["report"]).exists()
    assert ti.xcom_pull(task_ids="plan") == [conf]
    [brief] = ti.xcom_pull(task_ids="brief")
    assert Path(brief["path"]).name == f"brief-{DAY2.isoformat()}.html" and brief["new"] is True
    alerts_after_first = table_counts(daily_backfill.db)["alerts"]
    again = run_dag(dag, logical_date=midnight(DAY2), run_conf=conf)
    assert str(again.state) == "success", task_states(again)
    assert table_counts(daily_backfill.db)["alerts"] == alerts_after_first
    # the brief of the day was written once: the rerun reuses it
    ti2 = next(t for t in again.get_task_instances() if t.task_id == "brief")
    assert ti2.xcom_pull(task_ids="brief")[0]["new"] is False


def test_alerts_dag_takes_its_days_from_the_triggering_asset_events():
    import sys

    if str(DAGS_DIR) not in sys.path:
        sys.path.append(str(DAGS_DIR))
    from tablewatch_alerts import _targets_from_events
    from tablewatch_dag_common import WAREHOUSE

    events = {
        WAREHOUSE: [
            SimpleNamespace(extra={"db": "/w/a.duckdb", "day": "2026-04-09"}),
            SimpleNamespace(extra={"db": "/w/a.duckdb", "day": "2026-04-08"}),
            SimpleNamespace(extra={"db": "/w/a.duckdb", "day": "2026-04-09"}),
            SimpleNamespace(extra={}),  # an event from elsewhere without our keys
        ]
    }
    assert _targets_from_events(events) == [
        {"db": "/w/a.duckdb", "day": "2026-04-08"},
        {"db": "/w/a.duckdb", "day": "2026-04-09"},
    ]
    assert _targets_from_events({}) == []


def test_reprocess_reannotates_and_reloads_without_recrawling(daily_backfill: Backfill, dagbag):
    db = daily_backfill.db
    sentences = {d: db.parent / "runs" / d.isoformat() / "sentences.jsonl" for d in (DAY1, DAY2)}
    # the crawl's own stats file is written only by a crawl (re-extraction rewrites articles.jsonl)
    articles = {d: db.parent / "runs" / d.isoformat() / "crawl_stats.json" for d in (DAY1, DAY2)}
    stamps = {d: p.stat().st_mtime_ns for d, p in sentences.items()}
    crawled = {d: p.stat().st_mtime_ns for d, p in articles.items()}
    before = table_counts(db)
    loaded_before = dict(query(db, "select run_day::varchar, loaded_at from crawl_runs"))

    conf = {
        "db": str(db),
        "date_from": DAY1.isoformat(),
        "date_to": (DAY2 + dt.timedelta(days=1)).isoformat(),  # no crawl that day: skipped
    }
    run = run_dag(dagbag.dags["tablewatch_reprocess"], logical_date=None, run_conf=conf)
    states = task_states(run)
    assert str(run.state) == "success", states
    assert states == {
        "plan": "success",
        "annotate[0]": "success",
        "annotate[1]": "success",
        "load[0]": "success",
        "load[1]": "success",
    }
    for day in (DAY1, DAY2):
        assert sentences[day].stat().st_mtime_ns > stamps[day], "day was not re-annotated"
        assert articles[day].stat().st_mtime_ns == crawled[day], "day was recrawled"
    after = table_counts(db)
    assert {t: after[t] for t in DATA_TABLES} == {t: before[t] for t in DATA_TABLES}
    loaded_after = dict(query(db, "select run_day::varchar, loaded_at from crawl_runs"))
    assert all(loaded_after[d] > loaded_before[d] for d in loaded_before)
    assert asset_event_days("tablewatch_reprocess", db) == [DAY1.isoformat(), DAY2.isoformat()]


def test_failed_task_is_logged_next_to_the_db_and_notified(airflow_db, dagbag, tmp_path, webhook):
    db = tmp_path / "empty" / "tw.duckdb"
    conf = {"db": str(db), "date_from": "2020-01-01", "date_to": "2020-01-02"}
    run = run_dag(dagbag.dags["tablewatch_reprocess"], logical_date=None, run_conf=conf)
    assert str(run.state) == "failed"
    assert task_states(run)["plan"] == "failed"

    lines = (tmp_path / "empty" / "tw.failures.jsonl").read_text().splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["dag_id"] == "tablewatch_reprocess" and record["task_id"] == "plan"
    assert "no crawl output between 2020-01-01 and 2020-01-02" in record["error"]
    assert record["error"].startswith("TablewatchError")

    assert len(webhook) == 1
    assert "tablewatch_reprocess.plan failed" in webhook[0]["text"]
    assert "no crawl output" in webhook[0]["text"]


def test_failure_callback_survives_an_unwritable_log(tmp_path, webhook):
    """A failure log that cannot be written must neither raise nor stop the notification."""
    import sys

    if str(DAGS_DIR) not in sys.path:
        sys.path.append(str(DAGS_DIR))
    from tablewatch_dag_common import record_failure

    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the DB folder should be")
    context = {
        "params": {"db": str(blocker / "tw.duckdb")},
        "ti": SimpleNamespace(
            dag_id="tablewatch_daily", task_id="load", run_id="r1", map_index=-1, try_number=3
        ),
        "exception": RuntimeError("disk full"),
        "logical_date": midnight(DAY1),
    }
    record_failure(context)
    assert blocker.read_text() == "a file where the DB folder should be"
    assert len(webhook) == 1
    assert "tablewatch_daily.load failed for 2026-04-08" in webhook[0]["text"]
    assert "RuntimeError: disk full" in webhook[0]["text"]
