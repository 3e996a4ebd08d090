"""The worked examples of docs/analyst-guide.md still run and still print what the guide shows."""

from __future__ import annotations

import re
from pathlib import Path

from warehouse.query import format_rows, run_sql

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "analyst-guide.md"
EXAMPLE = re.compile(r"```sql\n((?:(?!```).)*?)\n```\n\n```text\n(.*?)\n```", re.S)


def test_guide_examples_match_the_fixture(loaded_db: Path) -> None:
    examples = EXAMPLE.findall(GUIDE.read_text(encoding="utf-8"))
    assert len(examples) >= 10
    for sql, shown in examples:
        got = format_rows(*run_sql(loaded_db, sql), fmt="table")
        assert got == shown, f"guide example no longer matches:\n{sql}\n--- got ---\n{got}"
