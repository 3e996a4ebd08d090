"""The DAG folder parses cleanly and each DAG is wired as documented."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.support.dags import WRITER_POOL

WAREHOUSE_URI = "tablewatch://warehouse"
DAG_IDS = {"tablewatch_daily", "tablewatch_alerts", "tablewatch_reprocess"}


def test_dag_folder_has_no_import_errors(dagbag):
    assert dagbag.import_errors == {}
    assert set(dagbag.dag_ids) == DAG_IDS


def test_helper_module_is_not_parsed_as_a_dag_file(dagbag):
    parsed = {stat.file.rsplit("/", 1)[-1] for stat in dagbag.dagbag_stats}
    assert "tablewatch_dag_common.py" not in parsed
    assert {f"{dag_id}.py" for dag_id in DAG_IDS} <= parsed


@pytest.mark.parametrize("dag_id", sorted(DAG_IDS))
def test_dag_conventions(dagbag, dag_id):
    dag = dagbag.dags[dag_id]
    assert dag.fileloc.endswith(f"/{dag_id}.py")
    assert "tablewatch" in dag.tags
    assert dag.doc_md and dag_id in dag.doc_md
    assert dag.start_date.tzinfo is not None
    assert dag.max_active_runs == 1
    for task in dag.tasks:
        assert task.retries == 2, task.task_id
        assert task.retry_delay == dt.timedelta(minutes=5)
        assert task.execution_timeout is not None and task.execution_timeout >= dt.timedelta(
            hours=1
        )
        assert task.on_failure_callback, task.task_id
    # acyclic: a topological sort covers every task
    assert len(dag.topological_sort()) == len(dag.tasks)


def _uri(asset) -> str:
    return asset.uri.rstrip("/")  # Airflow normalises "tablewatch://warehouse" to ".../"


def _upstream(dag, task_id):
    return set(dag.get_task(task_id).upstream_task_ids)


def test_daily_dag_wiring(dagbag):
    from airflow.sdk.definitions.mappedoperator import MappedOperator

    dag = dagbag.dags["tablewatch_daily"]
    assert set(dag.task_ids) == {
        "prepare", "outlets", "crawl", "merge_crawl", "plan_annotate", "annotate",
        "merge_annotate", "load",
    }  # fmt: skip
    assert _upstream(dag, "outlets") == {"prepare"}
    assert _upstream(dag, "crawl") == {"prepare", "outlets"}
    assert _upstream(dag, "merge_crawl") == {"prepare", "crawl"}
    assert _upstream(dag, "plan_annotate") == {"prepare", "merge_crawl"}
    assert _upstream(dag, "annotate") == {"prepare", "plan_annotate"}
    assert _upstream(dag, "merge_annotate") == {"prepare", "plan_annotate", "annotate"}
    assert _upstream(dag, "load") == {"prepare", "merge_annotate"}
    # one instance per outlet / shard; a failed outlet does not stop the merge, a failed shard
    # stops the load (a day's sentences are loaded whole or not at all)
    assert isinstance(dag.get_task("crawl"), MappedOperator)
    assert isinstance(dag.get_task("annotate"), MappedOperator)
    assert dag.get_task("merge_crawl").trigger_rule == "all_done_min_one_success"
    assert dag.get_task("merge_annotate").trigger_rule == "all_success"
    assert type(dag.timetable).__name__ == "CronTriggerTimetable"
    assert dag.timetable.expression == "0 0 * * *"  # @daily
    assert str(dag.timetable.timezone) == "UTC"
    assert dag.catchup is False
    assert {"db", "sources", "n_process", "shard_articles"} <= set(dag.params)
    assert dag.params["db"] is None and dag.params["sources"] is None
    load = dag.get_task("load")
    assert load.pool == WRITER_POOL
    assert [_uri(a) for a in load.outlets] == [WAREHOUSE_URI]
    assert dag.get_task("crawl").pool != WRITER_POOL


def test_alerts_dag_runs_on_the_warehouse_asset(dagbag):
    dag = dagbag.dags["tablewatch_alerts"]
    assert set(dag.task_ids) == {"plan", "alerts", "brief", "report"}
    assert _upstream(dag, "report") == {"alerts"}
    assert type(dag.timetable).__name__ == "AssetTriggeredTimetable"
    assert [_uri(a) for a in dag.timetable.asset_condition.objects] == [WAREHOUSE_URI]
    assert dag.get_task("alerts").pool == WRITER_POOL


def test_reprocess_dag_is_manual_and_maps_per_day(dagbag):
    dag = dagbag.dags["tablewatch_reprocess"]
    assert type(dag.timetable).__name__ == "NullTimetable"  # schedule=None
    assert set(dag.task_ids) == {"plan", "annotate", "load"}
    assert {"date_from", "date_to", "db"} <= set(dag.params)
    assert _upstream(dag, "load") == {"annotate"}
    load = dag.get_task("load")
    assert load.pool == WRITER_POOL
    assert [_uri(a) for a in load.outlets] == [WAREHOUSE_URI]
    from airflow.sdk.definitions.mappedoperator import MappedOperator

    assert isinstance(dag.get_task("annotate"), MappedOperator)
    assert isinstance(load, MappedOperator)
