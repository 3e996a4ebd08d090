"""What a new user types first: `--version`, then `sql` right after `tablewatch demo`."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import tablewatch
from kernel.paths import REPO_DIR


def _tw(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The real CLI in a child process, started from ``cwd`` as a user's shell would."""
    return subprocess.run(
        [sys.executable, "-m", "tablewatch.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env={"PYTHONPATH": str(REPO_DIR), "PATH": "/usr/bin:/bin"},
    )


def test_version_prints_the_package_version(tmp_path: Path) -> None:
    proc = _tw(tmp_path, "--version")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"tablewatch {tablewatch.__version__}"


def test_sql_without_db_names_the_demo_warehouse(demo_warehouse: Path, tmp_path: Path) -> None:
    proc = _tw(tmp_path, "sql", "select count(*) from v_sentences")
    assert proc.returncode == 1 and "demo" not in proc.stderr  # no demo yet: the plain error
    assert "no warehouse at data/tablewatch.duckdb" in proc.stderr

    demo = tmp_path / "data/demo"
    demo.mkdir(parents=True)
    shutil.copy(demo_warehouse, demo / "tablewatch.duckdb")
    proc = _tw(tmp_path, "sql", "select count(*) from v_sentences")
    assert proc.returncode == 1
    error = proc.stderr.strip()
    assert len(error.splitlines()) == 1 and "Traceback" not in error
    assert "data/demo/tablewatch.duckdb" in error
    assert "--db data/demo/tablewatch.duckdb" in error

    proc = _tw(tmp_path, "sql", "select count(*) as n from v_sentences", "--db", "data/demo/tablewatch.duckdb", "--format", "csv")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert int(proc.stdout.splitlines()[1]) > 0  # the advice works as written
