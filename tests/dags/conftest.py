"""Airflow fixtures for the DAG tests: one throw-away metadata DB per session, the writer pool.

``tests/conftest.py`` points AIRFLOW_HOME at a temporary folder before Airflow is imported; here the
metadata DB in it is created once (in-process: a second interpreter would pay Airflow's import time
again) and the DAG folder is parsed once."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.dags import (
    DAGS_DIR,
    DAY1,
    DAY2,
    WRITER_POOL,
    Backfill,
    midnight,
    run_dag,
    table_counts,
)


@pytest.fixture(scope="session")
def airflow_db() -> None:
    """A migrated metadata DB with the pool the DAGs need (operators create it once by hand)."""
    from airflow.models.pool import Pool
    from airflow.utils.db import resetdb

    resetdb()
    Pool.create_or_update_pool(
        WRITER_POOL, slots=1, description="single DuckDB writer", include_deferred=False
    )


@pytest.fixture(scope="session")
def dagbag() -> Any:
    """The repo's DAG folder parsed as Airflow's DAG processor does (bundle folder on sys.path)."""
    from airflow.dag_processing.dagbag import BundleDagBag

    if str(DAGS_DIR) not in sys.path:
        sys.path.append(str(DAGS_DIR))
    return BundleDagBag(dag_folder=DAGS_DIR, bundle_path=DAGS_DIR, bundle_name="dags-folder")


@pytest.fixture(scope="session")
def demo_site() -> Iterator[Any]:
    """One site for the session: article URLs carry its ports, so a rerun must see the same ones."""
    from demosite import DemoSite

    with DemoSite(as_of=DAY1) as site:
        yield site


@pytest.fixture(scope="session")
def daily_backfill(airflow_db, dagbag, demo_site, tmp_path_factory) -> Backfill:
    """Two ``dag.test()`` runs of tablewatch_daily, the storyline moved on a day in between."""
    root = tmp_path_factory.mktemp("dag-daily")
    db = root / "wh" / "tw.duckdb"
    dag = dagbag.dags["tablewatch_daily"]
    sources = demo_site.write_sources(root / "sources.yaml")
    conf = {"db": str(db), "sources": str(sources)}
    runs = []
    demo_site.set_as_of(DAY1)
    runs.append(run_dag(dag, logical_date=midnight(DAY1), run_conf=conf))
    after_day1 = table_counts(db)
    demo_site.set_as_of(DAY2)
    runs.append(run_dag(dag, logical_date=midnight(DAY2), run_conf=conf))
    after_day2 = table_counts(db)
    return Backfill(db, sources, demo_site, after_day1, after_day2, runs)
