"""The house rule (docs/choices.md, "The house"), read from the code's own imports.

The kernel imports no stage; a stage imports the kernel and, downstream only, the stage whose data
it reads; only the top (the CLI and stage orchestration, the DAGs, the benchmarks) imports the
stages. Every import counts, including those inside functions: a lazy import is still an arrow.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ROOMS = (
    "kernel",
    "crawlers",
    "nlp",
    "warehouse",
    "alerts",
    "report",
    "demosite",
    "tablewatch",
    "dags",
    "benchmarks",
)
#: room -> the other rooms it may import
ALLOWED: dict[str, set[str]] = {
    "kernel": set(),
    "crawlers": {"kernel"},
    "nlp": {"kernel"},
    "warehouse": {"kernel"},
    "alerts": {"kernel", "warehouse"},
    "report": {"kernel", "warehouse"},
    "demosite": {"kernel"},
    "tablewatch": {"kernel", "crawlers", "nlp", "warehouse", "alerts", "report", "demosite"},
    "dags": {"kernel", "tablewatch"},
    "benchmarks": set(ROOMS) - {"dags", "benchmarks"},
}


def imported_rooms(path: Path) -> set[tuple[str, int]]:
    """(room, line) of every absolute import of another room in ``path``."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found.update((name.split(".")[0], node.lineno) for name in names)
    return {(room, line) for room, line in found if room in ROOMS}


def violations(room: str) -> list[str]:
    bad = []
    for path in sorted((REPO / room).rglob("*.py")):
        for other, line in sorted(imported_rooms(path)):
            if other != room and other not in ALLOWED[room]:
                bad.append(f"{path.relative_to(REPO)}:{line} imports {other}")
    return bad


@pytest.mark.parametrize("room", ROOMS)
def test_room_imports_only_what_the_house_allows(room: str) -> None:
    assert (REPO / room).is_dir(), f"room {room} is missing"
    assert violations(room) == []


def test_the_rule_catches_an_upward_import(tmp_path: Path) -> None:
    """The reader itself works: a kernel module importing a stage is seen."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from warehouse.db import connect_read\n")
    assert imported_rooms(bad) == {("warehouse", 2)}
    assert "warehouse" not in ALLOWED["kernel"]


def test_every_package_is_a_room() -> None:
    """A new top-level package must be given a place in the rule before it can land."""
    packages = {p.parent.name for p in REPO.glob("*/__init__.py")}
    assert packages - {"tests"} <= set(ROOMS)
