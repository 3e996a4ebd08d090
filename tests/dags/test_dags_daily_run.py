"""The daily DAG end to end with ``dag.test()``: demo site on 127.0.0.1 -> a fresh DuckDB file.

Two consecutive logical dates with the site's storyline moved on between them (a two-day
backfill), then a rerun of the second day: the rerun must not add a row anywhere. The runs are
shared by the tests of this module because each one crawls, loads spaCy and writes DuckDB.
"""

from __future__ import annotations

import json

from tests.support.dags import (
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


def test_each_day_runs_every_task_successfully(daily_backfill: Backfill) -> None:
    for run in daily_backfill.runs:
        assert str(run.state) == "success", task_states(run)
        outlets = [f"crawl[{i}]" for i in range(3)]  # the demo site's three outlets
        assert task_states(run) == dict.fromkeys(
            ("prepare", "outlets", *outlets, "merge_crawl", "plan_annotate", "annotate[0]",
             "merge_annotate", "load"),
            "success",
        )  # fmt: skip


def test_the_logical_date_names_the_run_folder(daily_backfill: Backfill) -> None:
    runs_dir = daily_backfill.db.parent / "runs"
    for day in (DAY1, DAY2):
        assert (runs_dir / day.isoformat() / "articles.jsonl").exists()
        assert (runs_dir / day.isoformat() / "sentences.jsonl").exists()
    assert sorted(p.name for p in runs_dir.iterdir()) == [DAY1.isoformat(), DAY2.isoformat()]


def test_two_day_backfill_keeps_the_rows_of_both_days(daily_backfill: Backfill) -> None:
    first, second = daily_backfill.after_day1, daily_backfill.after_day2
    assert first["articles"] > 0 and first["sentences"] > 0
    assert second["articles"] > first["articles"]
    assert second["sentences"] > first["sentences"]
    by_day = dict(
        query(
            daily_backfill.db,
            "select a.crawl_day::varchar, count(distinct s.article_id) from articles a "
            "join sentences s using (article_id) group by 1",
        )
    )
    assert set(by_day) == {DAY1.isoformat(), DAY2.isoformat()}
    assert [
        r[0] for r in query(daily_backfill.db, "select run_day::varchar from crawl_runs order by 1")
    ] == [
        DAY1.isoformat(),
        DAY2.isoformat(),
    ]


def test_xcom_carries_counts_and_paths_only(daily_backfill: Backfill) -> None:
    run = daily_backfill.runs[-1]
    ti = next(t for t in run.get_task_instances() if t.task_id == "prepare")
    cfg = ti.xcom_pull(task_ids="prepare")
    assert cfg["db"] == str(daily_backfill.db) and cfg["day"] == DAY2.isoformat()
    for task_id in ("merge_crawl", "merge_annotate", "load"):
        value = ti.xcom_pull(task_ids=task_id)
        assert isinstance(value, dict) and value.get("day") == DAY2.isoformat(), task_id
        assert all(not isinstance(v, list | dict) for v in value.values()), task_id
        assert len(json.dumps(value)) < 2000, task_id


def test_load_publishes_the_warehouse_asset_with_its_day(daily_backfill: Backfill) -> None:
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        extras = session.scalars(
            select(AssetEvent.extra)
            .join(AssetModel, AssetEvent.asset_id == AssetModel.id)
            .where(AssetModel.uri.like("tablewatch://warehouse%"))
            .where(AssetEvent.source_dag_id == "tablewatch_daily")
        ).all()
    days = {(e or {}).get("day") for e in extras if (e or {}).get("db") == str(daily_backfill.db)}
    assert {DAY1.isoformat(), DAY2.isoformat()} <= days


def test_rerun_of_a_day_adds_no_rows(daily_backfill: Backfill, dagbag, monkeypatch) -> None:
    """Same logical date again, with the paths from the Variable and the env instead of params."""
    from airflow.models.variable import Variable

    dag = dagbag.dags["tablewatch_daily"]
    before = table_counts(daily_backfill.db)
    assert before["articles"] == daily_backfill.after_day2["articles"]
    daily_backfill.site.set_as_of(DAY2)
    monkeypatch.setenv("TABLEWATCH_SOURCES", str(daily_backfill.sources))
    Variable.set("tablewatch_db", str(daily_backfill.db))
    try:
        # params left empty on purpose, and said so: dag.test() in this process shares one DAG
        # object with the other DAG tests, so an earlier run's conf must not stand in for them
        run = run_dag(dag, logical_date=midnight(DAY2), run_conf={"db": None, "sources": None})
    finally:
        Variable.delete("tablewatch_db")
    assert str(run.state) == "success", task_states(run)
    after = table_counts(daily_backfill.db)
    assert {t: after[t] for t in DATA_TABLES} == {t: before[t] for t in DATA_TABLES}
    assert after == before
