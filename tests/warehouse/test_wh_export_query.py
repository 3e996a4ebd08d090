"""sql/export: read-only queries in four formats, and a Parquet round trip that loses nothing."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import duckdb
import pytest

from kernel.errors import TablewatchError
from tests.support.warehouse import snapshot_state
from warehouse.export import MANIFEST, export_parquet, import_parquet
from warehouse.query import format_rows, run_sql, write_result

WEEKLY = "select week, sentences, mean_tone from v_tone_weekly where negotiation = 'wga_2023' order by week"


def test_run_sql_and_formats(
    loaded_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    columns, rows = run_sql(loaded_db, WEEKLY + ";")
    assert columns == ["week", "sentences", "mean_tone"]
    assert [r[1] for r in rows] == [1, 3, 4]
    parsed = json.loads(format_rows(columns, rows, "json"))
    assert parsed[1] == {"week": "2023-07-10", "sentences": 3, "mean_tone": 0.0}
    assert list(csv.reader(io.StringIO(format_rows(columns, rows, "csv"))))[1] == [
        "2023-07-03",
        "1",
        "0",
    ]
    table = format_rows(columns, rows, "table").splitlines()
    assert table[0].split() == columns and table[-1] == "(3 rows)"
    write_result(loaded_db, "select issues from v_sentences where issues <> [] limit 1", fmt="json")
    assert isinstance(json.loads(capsys.readouterr().out)[0]["issues"], list)
    out = tmp_path / "weekly.parquet"
    write_result(loaded_db, WEEKLY, fmt="parquet", output=out)
    assert duckdb.sql(f"select count(*) from '{out}'").fetchall() == [(3,)]


def test_sql_is_read_only_and_errors_are_clear(loaded_db: Path) -> None:
    with pytest.raises(TablewatchError, match="read-only"):
        run_sql(loaded_db, "delete from articles")
    with pytest.raises(TablewatchError, match="query failed"):
        run_sql(loaded_db, "select nope from articles")
    with pytest.raises(TablewatchError, match="unknown format"):
        write_result(loaded_db, "select 1", fmt="xml")
    with pytest.raises(TablewatchError, match="needs a file"):
        write_result(loaded_db, "select 1", fmt="parquet")
    assert run_sql(loaded_db, "select count(*) from articles")[1] == [(8,)]


def test_parquet_round_trip(loaded_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "export"
    files = export_parquet(loaded_db, out)
    assert files and all(f.suffix == ".parquet" for f in files)
    assert (out / "sentences" / "negotiation=wga_2023" / "month=2023-07").is_dir()
    assert (out / "articles" / "month=2023-07").is_dir()
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["tables"]["sentences"] == 20
    # partition pruning works for outside readers: one negotiation's files only
    wga = duckdb.sql(
        f"select count(*) from read_parquet('{out}/sentences/negotiation=wga_2023/**/*.parquet')"
    ).fetchall()
    assert wga == [(8,)]

    copy = tmp_path / "copy" / "tablewatch.duckdb"
    loaded = import_parquet(out, copy)
    assert loaded["sentences"] == 20 and loaded["articles"] == 8
    assert snapshot_state(copy) == snapshot_state(loaded_db)
    assert run_sql(copy, "select * from v_tone_weekly") == run_sql(
        loaded_db, "select * from v_tone_weekly"
    )
    # exporting again replaces the previous export; importing again is idempotent
    assert export_parquet(loaded_db, out) == files
    import_parquet(out, copy)
    assert snapshot_state(copy) == snapshot_state(loaded_db)


def test_import_refuses_non_export(tmp_path: Path) -> None:
    with pytest.raises(TablewatchError, match="not a Tablewatch export"):
        import_parquet(tmp_path, tmp_path / "x.duckdb")
