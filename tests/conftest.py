"""Session-wide test set-up.

Airflow reads its configuration when first imported, so its home (a throw-away SQLite metadata DB)
must be set before any test module imports it.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

_airflow_home = Path(tempfile.mkdtemp(prefix="tablewatch-airflow-"))
os.environ.setdefault("AIRFLOW_HOME", str(_airflow_home))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(REPO / "dags"))
os.environ.setdefault("AIRFLOW__CORE__UNIT_TEST_MODE", "True")

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse built by the real CLI from the demo site served on 127.0.0.1 (built once)."""
    from demosite import DemoSite
    from tests.support.cli import DEMO_DAY, tw

    root = tmp_path_factory.mktemp("demo-warehouse")
    db = root / "tw.duckdb"
    with DemoSite() as site:
        sources = site.write_sources(root / "sources.yaml")
        tw("crawl", "--db", str(db), "--date", DEMO_DAY, "--sources", str(sources))
    for stage in ("annotate", "load", "alerts"):
        tw(stage, "--db", str(db), "--date", DEMO_DAY)
    tw("report", "--db", str(db), "--out", str(root / "report"))
    return db
