"""The examples of docs/analyst-guide.md run on the demo warehouse as written: each returns rows,
with the columns the guide shows. (The figures are the demo's at the time of writing; the NLP step
improving changes them, so only their shape is held here.)"""

from __future__ import annotations

import re
from pathlib import Path

from warehouse.query import format_rows, run_sql

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "analyst-guide.md"
EXAMPLE = re.compile(r"```sql\n((?:(?!```).)*?)\n```\n\n```text\n(.*?)\n```", re.S)
CLI_EXAMPLE = re.compile(r'^tablewatch sql "([^"]+)"', re.M)


def test_worked_examples_return_rows_on_the_demo(demo_warehouse: Path) -> None:
    examples = EXAMPLE.findall(GUIDE.read_text(encoding="utf-8"))
    assert len(examples) >= 10
    for sql, shown in examples:
        columns, rows = run_sql(demo_warehouse, sql)
        assert rows, f"guide example returns no rows on the demo:\n{sql}"
        got = format_rows(columns, rows, fmt="table")
        assert got.splitlines()[0].split() == shown.splitlines()[0].split(), sql


def test_command_line_examples_return_rows_on_the_demo(demo_warehouse: Path) -> None:
    queries = CLI_EXAMPLE.findall(GUIDE.read_text(encoding="utf-8"))
    assert len(queries) >= 3
    for sql in queries:
        assert run_sql(demo_warehouse, sql)[1], f"`tablewatch sql` example returns no rows:\n{sql}"
