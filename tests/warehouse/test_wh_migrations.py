"""Migrations: an old file upgrades in place, all pending migrations in one transaction."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from kernel.errors import TablewatchError
from warehouse.db import (
    MIGRATIONS_DIR,
    connect_write,
    create_views,
    list_migrations,
    migrate,
    schema_version,
)


def tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        r[0]
        for r in con.execute(
            "select table_name from duckdb_tables() where not temporary"
        ).fetchall()
    }


def make_v1_file(path: Path) -> None:
    """A warehouse as the first release left it: only 001 applied, with one article in it."""
    con = duckdb.connect(str(path))
    try:
        assert migrate(con, views_dir=None, upto=1) == [1]
        con.execute(
            "insert into articles (article_id, status, crawl_day) values ('00000000000000aa', 'failed', '2023-01-02')"
        )
    finally:
        con.close()


def test_old_file_upgrades_in_place(tmp_path: Path) -> None:
    db = tmp_path / "old.duckdb"
    make_v1_file(db)
    latest = list_migrations()[-1].version
    assert latest >= 2, "the alerts migration 002 ships with the repo"
    with connect_write(db) as con:
        assert schema_version(con) == latest
        assert [
            r[0] for r in con.execute("select version from schema_migrations order by 1").fetchall()
        ] == [m.version for m in list_migrations()]
        assert {"alerts", "articles", "sentences"} <= tables(con)
        assert con.execute("select article_id from articles").fetchall() == [("00000000000000aa",)]
        assert con.execute("select count(*) from v_sentences").fetchall() == [(0,)]
    with connect_write(db) as con:  # a second open has nothing to do
        assert schema_version(con) == latest


def test_failing_migration_rolls_back_every_pending_one(tmp_path: Path) -> None:
    db = tmp_path / "old.duckdb"
    make_v1_file(db)
    mig = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, mig)
    (mig / "900_broken.sql").write_text(
        "create table half_done (a integer);\nalter table articles add column note varchar;\n"
        "select * from no_such_table;\n"
    )
    con = duckdb.connect(str(db))
    try:
        with pytest.raises(TablewatchError, match="migration 900_broken.sql failed"):
            migrate(con, migrations_dir=mig, views_dir=None)
        assert schema_version(con) == 1
        assert "alerts" not in tables(con)  # 002 was applied in the same transaction, and undone
        assert "half_done" not in tables(con)
        cols = [
            r[0]
            for r in con.execute(
                "select column_name from duckdb_columns() where table_name = 'articles'"
            ).fetchall()
        ]
        assert "note" not in cols
    finally:
        con.close()


def test_newer_file_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "new.duckdb"
    with connect_write(db) as con:
        con.execute(
            "insert into schema_migrations values (999, '999_future.sql', now()::timestamp)"
        )
    with pytest.raises(TablewatchError, match="newer than this code"):
        with connect_write(db):
            pass


def test_bad_migration_names(tmp_path: Path) -> None:
    (tmp_path / "1_short.sql").write_text("select 1")
    with pytest.raises(TablewatchError, match="NNN_name.sql"):
        list_migrations(tmp_path)
    (tmp_path / "1_short.sql").unlink()
    (tmp_path / "003_a.sql").write_text("select 1")
    (tmp_path / "003_b.sql").write_text("select 1")
    with pytest.raises(TablewatchError, match="two migrations with version 3"):
        list_migrations(tmp_path)


def test_views_created_in_dependency_order(tmp_path: Path) -> None:
    (tmp_path / "a_top.sql").write_text(
        "create or replace view a_top as select x + 1 as y from z_base"
    )
    (tmp_path / "z_base.sql").write_text(
        "-- a_top is built on me\ncreate or replace view z_base as select 1 as x"
    )
    con = duckdb.connect()
    assert create_views(con, tmp_path) == ["z_base", "a_top"]
    assert con.execute("select y from a_top").fetchall() == [(2,)]
    (tmp_path / "z_base.sql").write_text(
        "create or replace view z_base as select y as x from a_top"
    )
    with pytest.raises(TablewatchError, match="cycle"):
        create_views(con, tmp_path)


def _marks(con: duckdb.DuckDBPyConnection) -> dict[str, str | None]:
    """Each reference table's comment: a rewrite (create or replace) drops it."""
    return dict(
        con.execute(
            "select table_name, comment from duckdb_tables()"
            " where table_name in ('label_vocabulary', 'milestone_cues')"
        ).fetchall()
    )


def test_reference_tables_are_rewritten_only_when_they_differ(tmp_path: Path) -> None:
    """A write-open leaves unchanged reference tables alone and repairs a tampered one."""
    db = tmp_path / "w.duckdb"
    with connect_write(db) as con:
        vocabulary = con.execute("select count(*) from label_vocabulary").fetchone()[0]
        con.execute("comment on table label_vocabulary is 'mark'")
        con.execute("comment on table milestone_cues is 'mark'")
    with connect_write(db) as con:
        assert _marks(con) == {"label_vocabulary": "mark", "milestone_cues": "mark"}
        con.execute("delete from label_vocabulary where field = 'signal' and label = 'gap'")
    with connect_write(db) as con:
        assert _marks(con) == {"label_vocabulary": None, "milestone_cues": "mark"}
        assert con.execute("select count(*) from label_vocabulary").fetchone()[0] == vocabulary
