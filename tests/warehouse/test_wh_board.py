"""The issue status board on warehouses built for each rule (issue_status_as_of, v_issue_status)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from kernel.errors import TablewatchError
from kernel.labels import ISSUES
from tests.support.alerts import write_sentences
from tests.support.cli import tw
from warehouse.board import STATUSES, issue_board
from warehouse.query import run_sql

NEG = "wga_2026"
D0 = dt.date(2026, 5, 1)


def said(rows: list[dict[str, Any]], day: int, signal: str, issues: list[str], tag: str) -> None:
    """One article on D0 + ``day`` with one sentence naming ``issues``."""
    when = D0 + dt.timedelta(days=day)
    rows.append(
        {
            "url": f"http://news.test/{tag}",
            "published": when,
            "negotiation": NEG,
            "signal": signal,
            "tone_score": 0.0,
            "source": "testwire",
            "issues": issues,
            "sentence": f"{tag}: {signal} on {', '.join(issues) or 'nothing'} ({when}).",
        }
    )


@pytest.fixture
def board_db(tmp_path: Path) -> Path:
    rows: list[dict[str, Any]] = []
    said(rows, 0, "gap", ["wages", "ai"], "g1")
    said(rows, 1, "gap", ["ai"], "g2")
    said(rows, 2, "progress", ["wages"], "p1")
    said(rows, 3, "progress", ["wages"], "p2")
    said(rows, 4, "agreement", ["streaming_residuals"], "a1")  # a deal on residuals...
    said(rows, 10, "gap", ["streaming_residuals"], "g3")  # ...that comes apart again
    said(rows, 11, "gap", ["streaming_residuals"], "g4")
    said(rows, 12, "none", ["transparency"], "n1")
    said(rows, 60, "none", [], "late")  # coverage goes on without naming any issue
    db = tmp_path / "wh" / "tablewatch.duckdb"
    write_sentences(db, rows)
    return db


def by_issue(db: Path, day: dt.date, **kw: Any) -> dict[str, dict[str, Any]]:
    return {e["issue"]: e for e in issue_board(db, NEG, as_of=day, **kw)}


def test_every_taxonomy_issue_once_with_a_known_status(board_db: Path) -> None:
    entries = issue_board(board_db, NEG, as_of=D0 + dt.timedelta(days=12))
    assert [e["issue"] for e in entries] == list(ISSUES)
    assert {e["status"] for e in entries} <= set(STATUSES)


def test_apart_narrowing_agreed_and_never_mentioned(board_db: Path) -> None:
    b = by_issue(board_db, D0 + dt.timedelta(days=5))
    assert b["wages"]["status"] == "narrowing"  # 2 progress vs 1 gap
    assert (b["wages"]["progress"], b["wages"]["gap"]) == (2, 1)
    assert b["wages"]["evidence"]["sentence"].startswith("p2:")  # the latest progress decided
    assert b["ai"]["status"] == "apart"
    assert b["streaming_residuals"]["status"] == "agreed"
    assert b["streaming_residuals"]["evidence"]["signal"] == "agreement"
    assert b["health_pension"]["status"] == "unmentioned"
    assert b["health_pension"]["evidence"] is None and b["health_pension"]["last_mentioned"] is None


def test_an_agreement_that_comes_apart_reads_apart(board_db: Path) -> None:
    before = by_issue(board_db, D0 + dt.timedelta(days=9))["streaming_residuals"]
    after = by_issue(board_db, D0 + dt.timedelta(days=11))["streaming_residuals"]
    assert before["status"] == "agreed"
    assert after["status"] == "apart"
    assert after["evidence"]["sentence"].startswith("g4:")


def test_a_mention_out_of_the_window_is_quiet_and_as_of_ignores_the_future(board_db: Path) -> None:
    late = by_issue(board_db, D0 + dt.timedelta(days=60))
    assert late["wages"]["status"] == "quiet" and late["wages"]["evidence"] is None
    assert late["wages"]["last_mentioned"] == (D0 + dt.timedelta(days=3)).isoformat()
    # the gap after the deal has left the window: a settled issue stays settled unless the recent
    # coverage says otherwise
    assert late["streaming_residuals"]["status"] == "agreed"
    early = by_issue(board_db, D0)
    assert early["wages"]["status"] == "apart" and early["transparency"]["status"] == "unmentioned"
    wide = by_issue(board_db, D0 + dt.timedelta(days=60), window_days=90)
    assert wide["wages"]["status"] == "narrowing"


def test_view_and_cli_agree(board_db: Path) -> None:
    _, rows = run_sql(
        board_db, "select issue, status from v_issue_status where negotiation = ?", [NEG]
    )
    view = dict(rows)
    cli = tw("board", "--db", str(board_db), "--negotiation", NEG, "--format", "json")
    assert cli.returncode == 0, cli.stderr
    entries = json.loads(cli.stdout)
    assert {e["issue"]: e["status"] for e in entries} == view
    assert set(entries[0]) >= {
        "issue",
        "status",
        "last_mentioned",
        "progress",
        "gap",
        "agreement",
        "evidence",
    }


def test_bad_input_is_one_line(board_db: Path) -> None:
    with pytest.raises(TablewatchError, match="not a date"):
        issue_board(board_db, NEG, as_of="2026-13-01")
    with pytest.raises(TablewatchError, match="at least 1"):
        issue_board(board_db, NEG, window_days=0)
    out = tw("board", "--db", str(board_db), "--negotiation", NEG, "--format", "xml", check=False)
    assert out.returncode == 1 and "table or json" in out.stderr
