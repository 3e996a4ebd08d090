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


def said(
    rows: list[dict[str, Any]],
    day: int,
    signal: str,
    issues: list[str],
    tag: str,
    text: str | None = None,
) -> None:
    """One article on D0 + ``day`` with one sentence naming ``issues`` (``text``: its wording,
    after the tag; by default one that names no deal)."""
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
            "sentence": f"{tag}: "
            + (text or f"{signal} on {', '.join(issues) or 'nothing'} ({when})."),
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


@pytest.fixture
def deal_db(tmp_path: Path) -> Path:
    """A deal reported without naming an issue, then coverage of it: its terms, mere mentions."""
    rows: list[dict[str, Any]] = []
    said(rows, 0, "gap", ["wages", "ai", "health_pension"], "g0")
    said(rows, 2, "none", ["wages"], "pre", "The studios' offer includes a 4 percent raise.")
    said(rows, 3, "none", ["transparency"], "pre2", "A deal that includes viewership data.")
    said(rows, 5, "agreement", [], "deal", "The guild reached a tentative agreement.")
    said(rows, 6, "none", ["ai"], "m1", "AI came up at the table, people said.")
    said(rows, 6, "none", ["health_pension"], "m2", "Economic terms such as pensions come next.")
    said(rows, 7, "none", ["wages"], "t1", "The three-year deal includes a 5 percent raise.")
    said(rows, 7, "gap", ["health_pension"], "t2", "The deal includes nothing on pensions.")
    said(rows, 8, "progress", ["transparency"], "t3", "The new contract provides viewership data.")
    db = tmp_path / "wh" / "tablewatch.duckdb"
    write_sentences(db, rows)
    return db


def test_a_mention_after_a_deal_is_not_agreed_its_terms_are(deal_db: Path) -> None:
    """Agreed after a deal needs a sentence of the deal's terms naming the issue; a neutral
    mention is not one (the old rule called ai agreed here), nor terms-like wording before the
    deal (an offer, a wish) or labelled gap."""
    b = by_issue(deal_db, D0 + dt.timedelta(days=8))
    assert b["ai"]["status"] == "apart"  # the gap of day 0 still decides
    assert b["wages"]["status"] == "agreed"
    assert (
        b["wages"]["evidence"]["sentence"] == "t1: The three-year deal includes a 5 percent raise."
    )
    assert b["wages"]["evidence"]["signal"] == "none"
    assert b["health_pension"]["status"] == "apart"  # the terms sentence is a gap: still apart
    assert b["transparency"]["status"] == "agreed"
    assert b["transparency"]["evidence"]["sentence"].startswith("t3:")
    before = by_issue(deal_db, D0 + dt.timedelta(days=4))
    assert before["wages"]["status"] == "apart" and before["transparency"]["status"] == "quiet"
    mentions_only = by_issue(deal_db, D0 + dt.timedelta(days=6))
    assert mentions_only["ai"]["status"] == "apart"
    assert mentions_only["health_pension"]["status"] == "apart"
    assert mentions_only["wages"]["status"] == "apart"


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
