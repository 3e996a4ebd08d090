"""The issue status board on warehouses built for each rule (issue_status_as_of, v_issue_status)."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

import pytest
import yaml

from kernel.errors import ConfigError, TablewatchError
from kernel.labels import ISSUES
from tests.support.alerts import write_sentences
from tests.support.cli import tw
from warehouse.board import STATUSES, issue_board
from warehouse.db import (
    VIEWS_DIR,
    board_settings,
    connect_read,
    connect_write,
    create_views,
    deal_terms_sql,
    sql_literal,
)
from warehouse.query import run_sql

NEG = "wga_2026"
BOARD_YAML = VIEWS_DIR.parent / "board.yaml"
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
    said(rows, 5, "none", ["streaming_residuals"], "t0", "The agreement raises residuals.")
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


# The board's macro as it read before it was made cheap for one negotiation, derived from today's
# text so the two never drift apart: the issues unnested in a lateral join over every stored
# sentence, the deal-terms regex as a plain conjunct, and that regex (board.yaml) as a literal
# default, not the configured macro. The rewrite must equal it row for row.
REWRITES = (
    (
        "create or replace macro issue_status_as_of(",
        "create or replace temp macro board_reference(",
    ),
    (
        "    deal_terms := deal_terms_pattern()\n",
        "    deal_terms := " + sql_literal(board_settings()["deal_terms"]) + "\n",
    ),
    ("unnest(s.issues) as issue,", "m.issue as issue,"),
    (
        "    from v_sentences as s\n    where s.negotiation",
        "    from v_sentences as s, unnest(s.issues) as m(issue)\n    where s.negotiation",
    ),
    (
        """            and case
                when m.published >= d.deal_day then regexp_matches(lower(m.sentence), deal_terms)
                else false
            end""",
        "            and regexp_matches(lower(m.sentence), deal_terms)",
    ),
)


def reference_board() -> str:
    sql = (VIEWS_DIR / "issue_status_as_of.sql").read_text(encoding="utf-8")
    for old, new in REWRITES:
        assert sql.count(old) == 1, f"the macro no longer reads {old!r}: update REWRITES"
        sql = sql.replace(old, new)
    return sql


REFERENCE_BOARD = reference_board()


@pytest.fixture
def story_db(tmp_path: Path) -> Path:
    """Three negotiations' coverage over 90 days drawn from a seeded mix of every signal (deals,
    breakdowns, strikes, deal-terms wording, no issue, an issue named twice, no negotiation)."""
    rng = random.Random(17)
    signals = ["none", "none", "progress", "gap", "gap", "agreement", "breakdown"]
    signals += ["strike_action", "scheduling"]
    texts = [
        None,
        "The deal includes a raise, people said.",
        "Under the new contract the studios pay more.",
        "Any deal must include protections.",
        "The agreement provides nothing yet.",
    ]
    rows: list[dict[str, Any]] = []
    for n in range(420):
        day = rng.randrange(90)
        issues = rng.choice([[], [rng.choice(ISSUES)], rng.sample(ISSUES, 2)])
        if n % 37 == 0 and issues:
            issues = [issues[0], issues[0]]
        text = rng.choice(texts)
        rows.append(
            {
                "url": f"http://news.test/s{n}",
                "published": D0 + dt.timedelta(days=day),
                "negotiation": rng.choice(["wga_2026", "sag_aftra_2026", "dga_2026", None]),
                "signal": rng.choice(signals),
                "tone_score": 0.0,
                "source": "testwire",
                "issues": issues,
                "sentence": f"s{n}: " + (text or f"talks on day {day}."),
            }
        )
    db = tmp_path / "wh" / "tablewatch.duckdb"
    write_sentences(db, rows)
    return db


def test_the_board_equals_its_reference_query_on_every_day(story_db: Path) -> None:
    """Row for row the same board as the reference query, for the whole warehouse and for each
    negotiation (the filter the callers add, which the rewrite lets reach the scan), two windows."""
    statuses: set[str] = set()
    with connect_read(story_db) as con:
        con.execute(REFERENCE_BOARD)
        for day in range(-1, 95, 6):
            as_of = D0 + dt.timedelta(days=day)
            for window in ("", ", window_days := 7"):
                for where in ("", " where negotiation = 'wga_2026'", " where negotiation = 'x'"):
                    new = f"select * from issue_status_as_of($day{window}){where}"
                    ref = f"select * from board_reference($day{window}){where}"
                    got = con.execute(f"{new} order by all", {"day": as_of}).fetchall()
                    want = con.execute(f"{ref} order by all", {"day": as_of}).fetchall()
                    assert got == want, (as_of, window, where)
                    statuses |= {r[2] for r in got}
    assert statuses == set(STATUSES)


def test_deal_terms_from_the_deal_day_on_equal_the_reference_query(deal_db: Path) -> None:
    """The terms rule reads sentence text only from the deal's day on (the regex sits behind a
    condition on the deal's day): the same board as the reference query on every day, the deal's
    day included (a terms sentence published with the deal, t0, counts; the offer before not)."""
    with connect_read(deal_db) as con:
        con.execute(REFERENCE_BOARD)
        for day in range(-1, 10):
            as_of = D0 + dt.timedelta(days=day)
            for window in ("", ", window_days := 2"):
                new = f"select * from issue_status_as_of($day{window}) order by all"
                ref = f"select * from board_reference($day{window}) order by all"
                got = con.execute(new, {"day": as_of}).fetchall()
                assert got == con.execute(ref, {"day": as_of}).fetchall(), (as_of, window)
    on_deal_day = by_issue(deal_db, D0 + dt.timedelta(days=5))
    assert on_deal_day["streaming_residuals"]["status"] == "agreed"
    assert on_deal_day["streaming_residuals"]["evidence"]["sentence"].startswith("t0:")


def test_the_deal_terms_come_from_board_yaml(deal_db: Path, tmp_path: Path) -> None:
    """Each write-open writes board.yaml's deal_terms as deal_terms_pattern(), then the views:
    the board's default is that pattern (one that matches nothing leaves the terms-only issues
    apart), and the next write-open puts the configured one back."""
    day = D0 + dt.timedelta(days=8)
    board = "select issue, status from issue_status_as_of(?) where negotiation = ?"
    pattern = board_settings()["deal_terms"]
    assert pattern == yaml.safe_load(BOARD_YAML.read_text(encoding="utf-8"))["deal_terms"]
    with connect_write(deal_db) as con:
        assert con.execute("select deal_terms_pattern()").fetchone()[0] == pattern
        assert dict(con.execute(board, [day, NEG]).fetchall())["wages"] == "agreed"
        con.execute(deal_terms_sql("no deal says 'this'"))
        create_views(con)  # as migrate does after the reference tables and macros
        got = dict(con.execute(board, [day, NEG]).fetchall())
        assert got["wages"] == "apart" and got["transparency"] == "narrowing"  # t3: progress
    with connect_write(deal_db) as con:
        assert con.execute("select deal_terms_pattern()").fetchone()[0] == pattern


def test_a_bad_board_yaml_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "board.yaml"
    for text, message in (
        ("deal_terms: 'deal (includes'\n", "deal_terms does not compile"),
        ("deal_terms: ''\n", "deal_terms must be a non-empty regular expression"),
        ("deal_terms: [includes]\n", "deal_terms must be a non-empty regular expression"),
        ("deal_term: 'includes'\n", r"unknown keys \['deal_term'\]"),
        ("- includes\n", "expected a mapping"),
    ):
        bad.write_text(text, encoding="utf-8")
        with pytest.raises(ConfigError, match=message):
            board_settings(bad)
