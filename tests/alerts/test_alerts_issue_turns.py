"""Issue turns: an issue of the board moving to agreed, or coming apart, is an alert of its own.

Hand-built warehouses (real DuckDB files, the production issue_status_as_of macro); the stories run
day by day as the daily runs would, deliveries go to a real local webhook receiver.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from alerts import run_alerts
from alerts.format import headline
from alerts.model import Alert
from alerts.settings import load_alerts_config
from kernel.errors import ConfigError
from tests.support.alerts import add_day, day, write_sentences

NEG = "wga_2023"


def issue(i: int, signal: str, articles: int = 1, **kw: Any) -> dict[str, Any]:
    """``articles`` one-sentence articles of day ``i`` about wages with ``signal``."""
    return {"i": i, "signal": signal, "articles": articles, **kw}


def _story(db: Path, *events: dict[str, Any]) -> None:
    rows: list[dict] = []
    for n, e in enumerate(events):
        e = dict(e)
        tone = {"gap": -0.4, "progress": 0.3, "agreement": 0.6}.get(e["signal"], 0.0)
        e.setdefault("issues", ["wages"])
        add_day(rows, day(e.pop("i")), NEG, [tone], tag=f"e{n}-", **e)
    write_sentences(db, rows)


def _replay(db: Path, config: Path, days: range) -> list[Alert]:
    return [a for i in days for a in run_alerts(db, day(i), config)]


def _turns(alerts: list[Alert]) -> list[tuple]:
    return [
        (a.detected_on, a.details["issue"], a.details["status_before"], a.direction)
        for a in alerts
        if a.kind == "issue_turn"
    ]


def _stored_turns(db: Path) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("select count(*) from alerts where kind = 'issue_turn'").fetchone()[0]


def _progress_days(days: range) -> list[dict[str, Any]]:
    return [issue(i, "progress") for i in days]


def test_turn_to_agreed_alerts_once_and_is_delivered(db: Path, alerts_config: Path, webhook):
    _story(
        db,
        *_progress_days(range(0, 8)),
        # day 10: the deal is reported, naming wages (one article: no corroborated state change)
        issue(10, "agreement", text="The deal raises minimum wages."),
        *(issue(i, "none", text="Wages are in the new contract.") for i in range(11, 16)),
    )
    raised = _replay(db, alerts_config, range(0, 16))
    assert _turns(raised) == [(day(10), "wages", "narrowing", "agreed")]
    [turn] = [a for a in raised if a.kind == "issue_turn"]
    assert turn.evidence[0]["signal"] == "agreement"
    assert "The deal raises minimum wages." in turn.evidence[0]["sentence"]
    assert turn.evidence[0]["source"] == "testwire" and turn.details["agreement"] == 1
    [body] = [b for b in webhook.bodies if "Issue agreed" in b["text"]]
    assert body["text"].startswith(f"[Tablewatch] Issue agreed for {NEG}: wages (was narrowing")
    assert any("The deal raises" in b.get("text", {}).get("text", "") for b in body["blocks"])
    assert _stored_turns(db) == 1


def test_narrowing_to_apart_alerts(db: Path, alerts_config: Path):
    _story(db, *_progress_days(range(0, 6)), issue(9, "gap", articles=7))
    raised = _replay(db, alerts_config, range(0, 14))
    assert _turns(raised) == [(day(9), "wages", "narrowing", "apart")]
    [turn] = [a for a in raised if a.kind == "issue_turn"]
    assert (turn.details["progress"], turn.details["gap"]) == (6, 7)
    assert (turn.details["progress_before"], turn.details["gap_before"]) == (6, 0)
    assert turn.evidence[0]["signal"] == "gap"


def test_apart_to_narrowing_does_not_alert(db: Path, alerts_config: Path):
    # the first mention is a gap (unmentioned -> apart is no turn), then progress outweighs it
    _story(db, issue(0, "gap", articles=3), issue(6, "progress", articles=5))
    raised = _replay(db, alerts_config, range(0, 12))
    assert _turns(raised) == []
    with duckdb.connect(str(db), read_only=True) as con:
        board = con.execute(
            "select y.status, t.status from issue_status_as_of(?) as t "
            "join issue_status_as_of(?) as y using (negotiation, issue) where t.issue = 'wages'",
            [day(6), day(5)],
        ).fetchone()
    assert board == ("apart", "narrowing")  # the move happened; it is just not an alert


def test_reversal_agreed_back_to_apart_alerts(db: Path, alerts_config: Path):
    """Decided: agreed -> apart alerts (a settled issue in dispute again), marked a reversal."""
    _story(
        db,
        *_progress_days(range(0, 3)),
        issue(5, "agreement"),
        # after the deal, the sides fall out over wages again: more gap than progress since it
        issue(12, "gap", articles=2),
    )
    raised = _replay(db, alerts_config, range(0, 16))
    assert _turns(raised) == [
        (day(5), "wages", "narrowing", "agreed"),
        (day(12), "wages", "agreed", "apart"),
    ]
    back = [a for a in raised if a.kind == "issue_turn"][-1]
    assert back.details["reversal"] is True
    assert headline(back).startswith(f"Agreed issue reopened for {NEG}: wages (was agreed")


def test_rerun_of_the_same_day_sends_nothing_new(db: Path, alerts_config: Path, webhook):
    _story(db, *_progress_days(range(0, 6)), issue(9, "gap", articles=7))
    first = run_alerts(db, day(9), alerts_config)
    assert _turns(first) == [(day(9), "wages", "narrowing", "apart")]
    sent = webhook.requests
    assert sent >= 1
    assert run_alerts(db, day(9), alerts_config) == []
    assert run_alerts(db, day(10), alerts_config) == []  # the day after: no new turn either
    assert webhook.requests == sent and _stored_turns(db) == 1


def test_an_issue_flapping_across_a_tie_alerts_once_per_quiet_period(db: Path, alerts_config: Path):
    _story(
        db,
        *_progress_days(range(0, 10)),  # 10 progress: narrowing
        issue(12, "gap", articles=12),  # 12 gap > 10: apart (alert)
        issue(14, "progress", articles=3),  # 13 > 12: narrowing
        issue(16, "gap", articles=2),  # 14 > 13: apart again, 4 days later (quiet)
        issue(25, "progress", articles=3),  # 16 > 14: narrowing
        issue(27, "gap", articles=3),  # 17 > 16: apart, 11 days after the last turn (alert)
    )
    raised = _replay(db, alerts_config, range(0, 28))
    assert _turns(raised) == [
        (day(12), "wages", "narrowing", "apart"),
        (day(27), "wages", "narrowing", "apart"),
    ]


def _wages_status(db: Path, i: int) -> str:
    with duckdb.connect(str(db), read_only=True) as con:
        (status,) = con.execute(
            "select status from issue_status_as_of(?) where issue = 'wages'", [day(i)]
        ).fetchone()
    return status


def test_a_neutral_mention_after_a_deal_is_no_turn(db: Path, alerts_config: Path):
    """A deal that names no issue, then a neutral sentence naming wages: the board does not call
    wages agreed (a mention is not the deal's terms), so nothing alerts."""
    _story(
        db,
        *_progress_days(range(0, 4)),
        issue(5, "agreement", issues=[], text="The two sides agreed to meet again."),
        issue(6, "none", text="Wages came up at the table."),
    )
    raised = _replay(db, alerts_config, range(0, 9))
    assert _wages_status(db, 6) == "narrowing" and _turns(raised) == []


def test_the_deals_terms_that_day_alert_with_that_sentence(db: Path, alerts_config: Path):
    """A deal that names no issue, and two days later its terms naming wages: the turn is on the
    day of the terms, with that sentence as evidence."""
    _story(
        db,
        *_progress_days(range(0, 4)),
        issue(5, "agreement", issues=[], text="The guild reached a tentative agreement."),
        issue(7, "none", text="The deal includes a 5 percent raise in minimum wages."),
    )
    raised = _replay(db, alerts_config, range(0, 10))
    assert _turns(raised) == [(day(7), "wages", "narrowing", "agreed")]
    [turn] = [a for a in raised if a.kind == "issue_turn"]
    assert "The deal includes a 5 percent raise" in turn.evidence[0]["sentence"]
    assert turn.evidence[0]["published"] == day(7).isoformat()


def test_agreed_again_on_old_evidence_does_not_alert(db: Path, alerts_config: Path):
    """Agreed (day 5), apart after a gap (day 12, a reversal), agreed again when that gap leaves
    the 28-day window (day 40): no new sentence says so, so the last move raises nothing."""
    _story(
        db,
        *_progress_days(range(0, 3)),
        issue(5, "agreement"),
        issue(12, "gap", articles=2),
    )
    raised = _replay(db, alerts_config, range(0, 42))
    assert _wages_status(db, 39) == "apart" and _wages_status(db, 40) == "agreed"
    assert _turns(raised) == [
        (day(5), "wages", "narrowing", "agreed"),
        (day(12), "wages", "agreed", "apart"),
    ]


def test_a_bad_turn_in_the_config_is_a_clear_error(tmp_path: Path):
    path = tmp_path / "alerts.yaml"
    path.write_text(
        yaml.safe_dump({"detection": {"issue_turns": {"turns": ["narrowing->settled"]}}}),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="issue_turns.turns: 'narrowing->settled'"):
        load_alerts_config(path)


def _with_issue_turns(config: Path, **keys: Any) -> Path:
    """The test config with ``keys`` added to detection.issue_turns."""
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["detection"].setdefault("issue_turns", {}).update(keys)
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    return config


def test_without_same_day_evidence_agreed_on_old_evidence_alerts(db: Path, alerts_config: Path):
    """agreed_needs_same_day_evidence: false lets the day-40 move of the story above (agreed
    again only because the gap left the window) alert, which the default keeps quiet."""
    _story(db, *_progress_days(range(0, 3)), issue(5, "agreement"), issue(12, "gap", articles=2))
    config = _with_issue_turns(alerts_config, agreed_needs_same_day_evidence=False)
    assert not load_alerts_config(config).detection.issue_turns.agreed_needs_same_day_evidence
    raised = _replay(db, config, range(0, 42))
    assert (day(40), "wages", "apart", "agreed") in _turns(raised)


def test_the_old_agreement_sentence_key_names_its_new_name(alerts_config: Path):
    config = _with_issue_turns(alerts_config, agreement_sentence=True)
    with pytest.raises(ConfigError) as err:
        load_alerts_config(config)
    message = str(err.value)
    assert "\n" not in message
    assert "detection.issue_turns.agreement_sentence was renamed" in message
    assert message.endswith("write agreed_needs_same_day_evidence instead")
