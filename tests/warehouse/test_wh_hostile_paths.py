"""Hostile days and paths (issue 21): one-line errors, no lost rows."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest

from kernel.days import as_date, parse_day
from kernel.errors import TablewatchError
from tests.support.cli import tw
from tests.support.warehouse import snapshot_state
from warehouse.db import connect_read, connect_write


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _one_error_line(proc: subprocess.CompletedProcess[str]) -> str:
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    assert len(lines) == 1 and lines[0].startswith("tablewatch: error: "), lines
    return lines[0]


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "1899-12-31"])
def test_days_outside_the_range_are_clear_errors(value: str) -> None:
    with pytest.raises(TablewatchError, match="outside the days Tablewatch handles"):
        parse_day(value)
    assert as_date("1900-01-01").isoformat() == "1900-01-01"


def test_cli_alerts_far_days_change_nothing(loaded_db: Path) -> None:
    before = (_digest(loaded_db), snapshot_state(loaded_db))
    for args in (("--date", "0001-01-01"), ("--date", "9999-12-31"), ("--since", "0001-01-01")):
        line = _one_error_line(tw("alerts", *args, "--db", str(loaded_db), check=False))
        assert "outside the days Tablewatch handles" in line
    assert (_digest(loaded_db), snapshot_state(loaded_db)) == before


def test_a_file_where_the_warehouse_folder_should_be(tmp_path: Path) -> None:
    blocker = tmp_path / "hostname"
    blocker.write_text("a file, not a folder\n")
    db = blocker / "x.duckdb"
    with pytest.raises(TablewatchError, match=f"{blocker} is a file, not a folder"):
        with connect_write(db):
            pass
    with pytest.raises(TablewatchError, match=f"{blocker} is a file, not a folder"):
        with connect_read(db):
            pass
    for command in (("alerts",), ("load",), ("crawl",), ("sql", "select 1"), ("report",)):
        _one_error_line(tw(*command, "--db", str(db), check=False))
    assert blocker.read_text() == "a file, not a folder\n"
    with pytest.raises(TablewatchError, match="is a folder, not a DuckDB file"):
        with connect_write(tmp_path):
            pass
