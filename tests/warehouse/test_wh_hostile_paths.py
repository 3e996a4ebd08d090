"""Hostile days and paths, and a writer killed mid-publish (issue 21): one-line errors, no lost rows."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from kernel.days import as_date, parse_day
from kernel.errors import TablewatchError
from kernel.paths import layout
from tests.support.cli import tw
from tests.support.warehouse import file_state, snapshot_state
from warehouse.db import connect_read, connect_write, remove_stale_temps


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


def _dead_pid() -> int:
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)  # fmt: skip
    return int(child.stdout)


def test_next_writer_removes_stale_temps_and_republishes(loaded_db: Path) -> None:
    """A writer killed during the snapshot copy: committed rows in the file, an old snapshot and
    a half-copied temp file. The next write removes the temp and publishes the current state."""
    snap = layout(loaded_db).snapshot
    # the killed writer's committed (and checkpointed) change, never published
    con = duckdb.connect(str(loaded_db))
    con.execute("insert into feed_state (url) values ('https://killed-writer.example/')")
    con.execute("checkpoint")
    con.close()
    assert snapshot_state(loaded_db) != file_state(loaded_db)  # readers see the old state
    stale = snap.with_name(f".{snap.name}.{_dead_pid()}.tmp")
    stale.write_bytes(snap.read_bytes()[:4096])  # the half-copied file
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        live = snap.with_name(f".{snap.name}.{sleeper.pid}.tmp")
        live.write_bytes(b"still being copied")
        with connect_write(loaded_db) as con:  # the next write, even one that changes nothing
            con.execute("select 1")
        assert not stale.exists()
        assert live.exists()  # a living publisher's copy is left alone
    finally:
        sleeper.kill()
        sleeper.wait()
    assert snapshot_state(loaded_db) == file_state(loaded_db)
    urls = [r[0] for r in file_state(loaded_db)["feed_state"]].count(
        "https://killed-writer.example/"
    )
    assert urls == 1  # nothing lost, nothing doubled
    assert remove_stale_temps(snap) == [live]  # its pid is dead now
    assert not list(snap.parent.glob(".*.tmp"))
