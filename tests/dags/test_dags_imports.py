"""DAG files import only Airflow and the standard library: the DAG processor must stay light."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.support.dags import DAGS_DIR, REPO

# twisted is not listed: Airflow itself imports it (structlog), before any DAG file.
HEAVY = {
    "tablewatch",
    "crawlers",
    "nlp",
    "warehouse",
    "scrapy",
    "spacy",
    "duckdb",
    "pandas",
    "pyarrow",
    "trafilatura",
    "altair",
}
DAG_MODULES = ["tablewatch_daily", "tablewatch_alerts", "tablewatch_reprocess"]


def test_dag_files_import_no_tablewatch_or_heavy_package(tmp_path):
    code = (
        "import json, sys\n"
        f"sys.path.insert(0, {str(DAGS_DIR)!r})\n"
        "import pendulum\n"
        "from airflow.sdk import CronTriggerTimetable, Param, dag, task\n"
        "top = lambda: {m.split('.')[0] for m in sys.modules}\n"
        "baseline = top()\n"
        f"for name in {DAG_MODULES!r}: __import__(name)\n"
        "print(json.dumps([sorted(top()), sorted(top() - baseline)]))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,  # not the repo, so nothing is importable by accident from the cwd
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    loaded, added = (set(x) for x in json.loads(proc.stdout.strip().splitlines()[-1]))
    # beyond what Airflow itself pulls in, the DAG files add only themselves and their helper
    assert added == {*DAG_MODULES, "tablewatch_dag_common"}
    assert "airflow" in loaded
    assert loaded & HEAVY == set()


def test_dag_folder_holds_only_dag_files_and_their_helper():
    names = sorted(p.name for p in DAGS_DIR.glob("*.py"))
    assert names == sorted([f"{m}.py" for m in DAG_MODULES] + ["tablewatch_dag_common.py"])
    ignored = (DAGS_DIR / ".airflowignore").read_text().split()
    assert ignored == ["tablewatch_dag_common.py"]
    assert (REPO / "docs" / "airflow.md").exists()
