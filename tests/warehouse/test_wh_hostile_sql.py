"""`tablewatch sql` runs SELECTs over the snapshot and nothing else (issue 21, hostile inputs).

Every statement below once worked through the analysts' connection: overwrite the warehouse, read
any file, write anywhere, reach the network. Each is now refused by the real CLI with one line and
a non-zero exit, and the warehouse and its snapshot keep every byte.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

from kernel.errors import TablewatchError
from kernel.paths import layout
from tests.support.cli import tw
from tests.support.warehouse import snapshot_state
from warehouse.db import connect_analyst, connect_read
from warehouse.query import run_sql, write_result


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def _hostile(db: Path, tmp: Path) -> list[str]:
    snap = layout(db).snapshot
    return [
        f"copy (select 'x' as x) to '{db}' (format csv)",
        f"copy (select 'x' as x) to '{snap}' (format csv)",
        "select * from read_csv('/etc/passwd')",
        "select * from glob('/root/*')",
        "select * from read_text('/etc/hostname')",
        f"copy articles to '{tmp / 'leak.csv'}'",
        f"copy (select * from v_sentences) to '{tmp / 'leak.parquet'}' (format parquet)",
        f"export database '{tmp / 'dump'}'",
        "install httpfs",
        "load httpfs",
        f"attach '{tmp / 'other.duckdb'}' as other",
        "set enable_external_access = true",
        "reset enable_external_access",
        "set lock_configuration = false",
        "delete from articles",
        "select getenv('TABLEWATCH_WEBHOOK_URL')",
    ]


def test_cli_sql_refuses_every_hostile_statement(
    loaded_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "https://hooks.example/secret-token-123"
    monkeypatch.setenv("TABLEWATCH_WEBHOOK_URL", secret)  # the child inherits it
    snap = layout(loaded_db).snapshot
    before = (_digest(loaded_db), _digest(snap), snapshot_state(loaded_db), _files(tmp_path))
    for statement in _hostile(loaded_db, tmp_path):
        proc = tw("sql", statement, "--db", str(loaded_db), check=False)
        lines = proc.stderr.strip().splitlines()
        assert proc.returncode == 1, (statement, proc.stdout, proc.stderr)
        assert len(lines) == 1 and lines[0].startswith("tablewatch: error: "), (statement, lines)
        assert "Traceback" not in proc.stderr and secret not in proc.stdout + proc.stderr
    after = (_digest(loaded_db), _digest(snap), snapshot_state(loaded_db), _files(tmp_path))
    assert after == before  # no byte of the warehouse or snapshot changed, no file appeared


def test_cli_sql_output_cannot_overwrite_the_warehouse(loaded_db: Path) -> None:
    lay = layout(loaded_db)
    before = (_digest(lay.db), _digest(lay.snapshot))
    for target in (lay.db, lay.snapshot):
        for fmt in ("csv", "parquet"):
            proc = tw(
                "sql", "select 'x' as x", "--db", str(loaded_db), "--format", fmt,
                "--output", str(target), check=False,
            )  # fmt: skip
            assert proc.returncode == 1 and "overwrite the warehouse" in proc.stderr
    assert (_digest(lay.db), _digest(lay.snapshot)) == before


def test_views_answer_and_parquet_output_is_the_way_to_a_file(
    loaded_db: Path, tmp_path: Path
) -> None:
    proc = tw(
        "sql", "select count(*) as n from v_sentences", "--db", str(loaded_db), "--format", "csv"
    )
    assert proc.stdout.split() == ["n", "20"]
    out = tmp_path / "out" / "sentences.parquet"
    tw("sql", "select * from v_sentences", "--db", str(loaded_db), "--format", "parquet", "--output", str(out))  # fmt: skip
    with connect_read(loaded_db) as con:
        expected = con.execute("select * from v_sentences order by all").fetchall()
    assert duckdb.sql(f"select * from read_parquet('{out}') order by all").fetchall() == expected
    assert not list(out.parent.glob("*.tmp"))
    # an empty result still writes a readable file with the columns
    empty = tmp_path / "empty.parquet"
    write_result(loaded_db, "select * from articles where false", fmt="parquet", output=empty)
    assert duckdb.sql(f"select count(*) from '{empty}'").fetchall() == [(0,)]


def test_analyst_connection_is_locked_but_answers_alongside_an_open_reader(
    loaded_db: Path,
) -> None:
    with connect_read(loaded_db) as reader, connect_analyst(loaded_db) as analyst:
        assert analyst.execute("select current_setting('TimeZone')").fetchall() == [("UTC",)]
        assert (
            analyst.execute("select count(*) from v_tone_weekly").fetchall()
            == reader.execute("select count(*) from v_tone_weekly").fetchall()
        )
        with pytest.raises(duckdb.Error, match="locked"):
            analyst.execute("set enable_external_access = true")
    for query in (
        "select * from read_csv('/etc/passwd')",
        "select * from read_text('/proc/self/environ')",
    ):
        with pytest.raises(TablewatchError, match="may only read the warehouse"):
            run_sql(loaded_db, query)
    for query in ("describe v_sentences", "show tables", "summarize v_tone_weekly"):
        assert run_sql(loaded_db, query)[1]
    assert run_sql(loaded_db, "create temp table t as select 1 as x; select x from t")[1] == [(1,)]
