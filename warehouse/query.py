"""Ad-hoc SQL for analysts (``tablewatch sql``): always on the read snapshot, never blocking a load.

The connection is read-only and locked (``warehouse.db.connect_analyst``): a stray ``delete`` fails
instead of changing the warehouse, and a query cannot read or write other files or reach the
network. The one way to put a result in a file is ``--output``, written here from Python.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
from pathlib import Path
from typing import Any

import duckdb

from kernel.errors import TablewatchError
from kernel.files import atomic_write
from kernel.paths import layout
from warehouse.db import connect_analyst

FORMATS = ("table", "csv", "json", "parquet")


def _clean(query: str) -> str:
    query = query.strip().rstrip(";").strip()
    if not query:
        raise TablewatchError("empty query")
    return query


def _fail(exc: duckdb.Error) -> TablewatchError:
    text = " ".join(str(exc).split())
    lower = text.lower()
    if "read-only" in lower or "read only" in lower:
        return TablewatchError(f"the warehouse is opened read-only for queries: {text}")
    if isinstance(exc, duckdb.PermissionException) or "configuration has been locked" in lower:
        return TablewatchError(
            "queries may only read the warehouse's tables and views "
            f"(no other files, network or settings): {text}"
        )
    return TablewatchError(f"query failed: {text}")


def run_sql(
    db_path: str | Path, query: str, params: list[Any] | dict[str, Any] | None = None
) -> tuple[list[str], list[tuple]]:
    """Run one query on the snapshot; returns column names and all rows."""
    with connect_analyst(db_path) as con:
        try:
            cur = con.execute(_clean(query), params)
            columns = [d[0] for d in cur.description] if cur.description else []
            rows = cur.fetchall()
        except duckdb.Error as exc:
            raise _fail(exc) from None
    return columns, rows


def _output_path(db_path: str | Path, output: str | Path) -> Path:
    """Where ``--output`` may write: anywhere but over the warehouse's own files."""
    out = Path(output)
    lay = layout(Path(db_path))
    own = (lay.db, lay.snapshot, lay.db.with_name(lay.db.name + ".wal"))
    if out.exists() and out.is_dir():
        raise TablewatchError(f"--output is a folder, not a file: {out}")
    if any(out.resolve() == p.resolve() for p in own):
        raise TablewatchError(f"--output would overwrite the warehouse itself: {out}")
    out.parent.mkdir(parents=True, exist_ok=True)
    return out


def write_parquet(db_path: str | Path, query: str, out_path: str | Path) -> Path:
    """Write a query's result to one Parquet file (Arrow batches from the locked connection)."""
    import pyarrow.parquet as pq

    out = _output_path(db_path, out_path)
    with connect_analyst(db_path) as con:
        try:
            relation = con.sql(_clean(query))
            if relation is None:
                raise TablewatchError("--format parquet needs a query that returns rows")
            reader = relation.to_arrow_reader()
            with atomic_write(out, "wb") as fh, pq.ParquetWriter(fh, reader.schema) as writer:
                for batch in reader:
                    writer.write_batch(batch)
        except duckdb.Error as exc:
            raise _fail(exc) from None
    return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, bytes):
        return value.hex()
    return value


def _cell(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list | dict):
        return json.dumps(_jsonable(value), ensure_ascii=False)
    return str(value)


def format_rows(columns: list[str], rows: list[tuple], fmt: str = "table") -> str:
    """Render a result as an aligned text table, CSV (header row) or JSON (list of objects)."""
    if fmt == "json":
        return json.dumps(
            [dict(zip(columns, map(_jsonable, r), strict=True)) for r in rows],
            ensure_ascii=False,
            indent=1,
        )
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(["" if v is None else _cell(v) for v in r] for r in rows)
        return buf.getvalue()
    if fmt == "table":
        cells = [[_cell(v) for v in r] for r in rows]
        widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
        lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
        lines.append("  ".join("-" * w for w in widths))
        lines += [
            "  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in cells
        ]
        lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
        return "\n".join(lines)
    raise TablewatchError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")


def write_result(
    db_path: str | Path, query: str, fmt: str = "table", output: str | Path | None = None
) -> None:
    """What ``tablewatch sql`` does: print the formatted result, or write it to ``output``."""
    if fmt not in FORMATS:
        raise TablewatchError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
    if fmt == "parquet":
        if output is None:
            raise TablewatchError("--format parquet needs a file: add --output FILE.parquet")
        print(f"wrote {write_parquet(db_path, query, output)}")
        return
    text = format_rows(*run_sql(db_path, query), fmt=fmt)
    if output is None:
        print(text)
        return
    out = _output_path(db_path, output)
    with atomic_write(out) as fh:
        fh.write(text if text.endswith("\n") else text + "\n")
