"""Crash safety and the single-writer / many-readers model, with a real second process.

The child runs a real load_run; the TABLEWATCH_TEST_LOAD_PAUSE hook makes it stop inside the open
transaction (every delete and insert done, COMMIT not yet), where the test kills it with SIGKILL.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kernel.errors import TablewatchError
from tests.support.warehouse import file_state, read_jsonl, snapshot_state, write_jsonl
from warehouse.db import connect_read, connect_write
from warehouse.load import PAUSE_ENV, load_run

REPO = Path(__file__).resolve().parents[2]
CHILD = "import sys; from warehouse.load import load_run; load_run(sys.argv[1], sys.argv[2], nlp_version='v2')"


def start_paused_load(db: Path, run_dir: Path, marker: Path) -> subprocess.Popen:
    env = {**os.environ, PAUSE_ENV: str(marker), "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(db), str(run_dir)], env=env, cwd=REPO)
    deadline = time.monotonic() + 180
    while not marker.exists():
        if proc.poll() is not None:
            raise AssertionError(f"child load ended early with code {proc.returncode}")
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError("child load never reached the pause point")
        time.sleep(0.05)
    return proc


def test_kill_mid_load_leaves_file_as_before_and_readers_never_wait(
    loaded_db: Path, run_dir: Path, tmp_path: Path
) -> None:
    before = file_state(loaded_db)
    # the next load would change a lot: new labels for every sentence, one article gone
    sents = read_jsonl(run_dir / "sentences.jsonl")
    write_jsonl(run_dir / "sentences.jsonl", [s | {"signal": "none", "tone": 0} for s in sents[4:]])
    marker = tmp_path / "paused"
    child = start_paused_load(loaded_db, run_dir, marker)
    try:
        # a reader opens the published snapshot while the writer holds the file
        with connect_read(loaded_db) as con:
            assert con.execute("select count(*) from v_sentences").fetchall() == [(20,)]
        assert snapshot_state(loaded_db) == before
        # a second writer waits, then gives up with a clear message
        with pytest.raises(TablewatchError, match="locked by another writer"):
            with connect_write(loaded_db, lock_timeout_s=0.5):
                pass
        # without a snapshot, a reader gets a clear message instead of a DuckDB lock trace
        snap = loaded_db.with_name("tablewatch.snapshot.duckdb")
        shutil.move(snap, tmp_path / "aside.duckdb")
        with pytest.raises(TablewatchError, match="locked by a writer"):
            with connect_read(loaded_db):
                pass
        shutil.move(tmp_path / "aside.duckdb", snap)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL
    # the killed transaction left nothing behind: same rows, and the file opens for writing again
    with connect_write(loaded_db):
        pass
    assert file_state(loaded_db) == before
    assert snapshot_state(loaded_db) == before
    result = load_run(loaded_db, run_dir, nlp_version="v2")
    assert result.sentences == 16
    assert snapshot_state(loaded_db)["sentences"] != before["sentences"]


def test_reader_without_any_file(tmp_path: Path) -> None:
    with pytest.raises(TablewatchError, match="no warehouse at"):
        with connect_read(tmp_path / "missing.duckdb"):
            pass


def test_snapshot_is_replaced_atomically(loaded_db: Path, run_dir: Path) -> None:
    """A reader holding the old snapshot keeps a consistent view while a load publishes a new one."""
    snap = loaded_db.with_name("tablewatch.snapshot.duckdb")
    with connect_read(loaded_db) as old:
        write_jsonl(run_dir / "sentences.jsonl", read_jsonl(run_dir / "sentences.jsonl")[:10])
        load_run(loaded_db, run_dir, nlp_version="v1")
        assert old.execute("select count(*) from sentences").fetchall() == [(20,)]
    with connect_read(loaded_db) as new:
        assert new.execute("select count(*) from sentences").fetchall() == [(10,)]
    assert not list(snap.parent.glob(".*.tmp"))


HOLDER = (
    "import sys, time, pathlib; from warehouse.db import connect_write\n"
    "with connect_write(sys.argv[1]) as con:\n"
    "    pathlib.Path(sys.argv[2]).write_text('held'); time.sleep(2)\n"
    "    con.execute(\"insert into feed_state (url) values ('https://held.example/')\")\n"
)


def test_second_writer_waits_for_the_first(loaded_db: Path, tmp_path: Path) -> None:
    marker = tmp_path / "held"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(loaded_db), str(marker)], env=env, cwd=REPO
    )
    try:
        deadline = time.monotonic() + 180
        while not marker.exists():
            assert holder.poll() is None and time.monotonic() < deadline, (
                "holder never took the lock"
            )
            time.sleep(0.05)
        with connect_write(loaded_db, lock_timeout_s=120) as con:
            # we got in only after the holder's last write was committed and the lock released
            held = "select count(*) from feed_state where url = 'https://held.example/'"
            assert con.execute(held).fetchall() == [(1,)]
        assert holder.wait(timeout=60) == 0
    finally:
        if holder.poll() is None:
            holder.kill()
