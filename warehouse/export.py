"""Parquet export and import: the warehouse as files any engine (or object storage) can read.

Sentence-level tables are partitioned hive style by negotiation and publication month
(``sentences/negotiation=wga_2023/month=2023-07/data_0.parquet``), so DuckDB, Spark or Athena read
only the partitions a query needs. Partition values are also kept inside the files, so an import
restores every row exactly; a manifest names the tables and their row counts.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb

from kernel.errors import TablewatchError
from warehouse.db import connect_read, connect_write, schema_version

MANIFEST = "manifest.json"
_SENTENCE_LEVEL = (
    "sentences",
    "sentence_issues",
    "sentence_parties",
    "sentence_dates",
    "sentence_evidence",
)


def _partitioned_select(table: str) -> tuple[str, list[str]] | None:
    """The query that adds partition columns to ``table``, and those columns; None: one file."""
    month = "strftime(a.published, '%Y-%m')"
    if table == "sentences":
        return (
            f"select t.*, {month} as month from sentences as t "
            "left join articles as a on a.article_id = t.article_id",
            ["negotiation", "month"],
        )
    if table in _SENTENCE_LEVEL:
        return (
            f"select t.*, s.negotiation as negotiation, {month} as month from {table} as t "
            "left join sentences as s on s.article_id = t.article_id and s.sent_index = t.sent_index "
            "left join articles as a on a.article_id = t.article_id",
            ["negotiation", "month"],
        )
    if table == "articles":
        return f"select a.*, {month} as month from articles as a", ["month"]
    if table == "article_bodies":
        return (
            f"select t.*, {month} as month from article_bodies as t "
            "left join articles as a on a.article_id = t.article_id",
            ["month"],
        )
    return None


def _tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "select table_name from duckdb_tables() where schema_name = 'main' and not temporary "
        "and table_name <> 'schema_migrations' order by table_name"
    ).fetchall()
    return [r[0] for r in rows]


def export_parquet(db_path: str | Path, out_dir: str | Path) -> list[Path]:
    """Write every table of the read snapshot under ``out_dir`` (replacing a previous export).

    The export is built in a sibling folder and swapped in at the end, so a crash half-way leaves
    the previous export whole instead of a mix of old and new files under a stale manifest.
    """
    final = Path(out_dir)
    final.parent.mkdir(parents=True, exist_ok=True)
    out = final.with_name(f".{final.name}.partial")
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    manifest: dict = {"tables": {}}
    with connect_read(db_path) as con:
        manifest["schema_version"] = schema_version(con)
        for table in _tables(con):
            target = out / table
            target.mkdir(parents=True)
            rows = con.execute(f"select count(*) from {table}").fetchall()[0][0]
            manifest["tables"][table] = rows
            if rows == 0:
                continue
            plan = _partitioned_select(table)
            if plan is None:
                con.execute(
                    f"copy {table} to ? (format parquet)", [str(target / "data_0.parquet")]
                ).fetchall()
            else:
                query, parts = plan
                con.execute(
                    f"copy ({query}) to ? (format parquet, partition_by ({', '.join(parts)}), "
                    "write_partition_columns true, overwrite true)",
                    [str(target)],
                ).fetchall()
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    old = final.with_name(f".{final.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        final.rename(old)
    out.rename(final)
    shutil.rmtree(old, ignore_errors=True)
    return sorted(final.rglob("*.parquet"))


def import_parquet(src_dir: str | Path, db_path: str | Path) -> dict[str, int]:
    """Replace the contents of every exported table with the export, in one transaction."""
    src = Path(src_dir)
    try:
        manifest = json.loads((src / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TablewatchError(f"{src} is not a Tablewatch export: {MANIFEST} is missing") from None
    except json.JSONDecodeError as exc:
        raise TablewatchError(f"{src / MANIFEST}: not valid JSON ({exc.msg})") from None
    loaded: dict[str, int] = {}
    with connect_write(db_path) as con:
        version = schema_version(con)
        if manifest.get("schema_version", 0) > version:
            raise TablewatchError(
                f"export has schema version {manifest['schema_version']}, this warehouse {version}: "
                "upgrade Tablewatch before importing"
            )
        known = set(_tables(con))
        con.execute("begin transaction")
        try:
            for table, expected in manifest["tables"].items():
                if table not in known:
                    raise TablewatchError(
                        f"export holds table {table!r}, unknown to this warehouse"
                    )
                columns = [
                    r[0]
                    for r in con.execute(
                        "select column_name from duckdb_columns() where schema_name = 'main' "
                        "and table_name = ? order by column_index",
                        [table],
                    ).fetchall()
                ]
                con.execute(f"delete from {table}")
                if expected:
                    cols = ", ".join(f'"{c}"' for c in columns)
                    con.execute(
                        f"insert into {table} ({cols}) select {cols} from read_parquet(?, "
                        "hive_partitioning = false, union_by_name = true)",
                        [str(src / table / "**" / "*.parquet")],
                    )
                got = con.execute(f"select count(*) from {table}").fetchall()[0][0]
                if got != expected:
                    raise TablewatchError(
                        f"{table}: export lists {expected} rows, files hold {got}"
                    )
                loaded[table] = got
            con.execute("commit")
        except duckdb.Error as exc:
            con.execute("rollback")
            raise TablewatchError(f"import of {src} failed, nothing was changed: {exc}") from None
        except BaseException:
            con.execute("rollback")
            raise
    return loaded
