"""The episode model: corroborated table events change a negotiation's state; a change alerts once.

Hand-built warehouses (real DuckDB files, production views); every story runs day by day as the
daily runs would, and the deliveries go to a real local webhook receiver.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from alerts import run_alerts
from alerts.model import Alert
from tests.support.alerts import add_day, day, write_sentences

NEG = "sag_aftra_tv_2023"


def _background(rows: list[dict], days: int = 30) -> None:
    for i in range(days):
        add_day(rows, day(i), NEG, [0.0, 0.1], articles=2, tag="bg")


def _replay(db: Path, config: Path, days: int = 30) -> list[Alert]:
    return [a for i in range(days) for a in run_alerts(db, day(i), config)]


def _changes(alerts: list[Alert]) -> list[tuple]:
    return [(a.detected_on, a.direction) for a in alerts if a.kind == "signal_event"]


def test_false_agreement_in_one_article_does_not_hide_the_real_one(db: Path, alerts_config: Path):
    rows: list[dict] = []
    _background(rows)
    # day 5: two agreement sentences in ONE article (a misread "last, best and final offer")
    add_day(rows, day(5), NEG, [0.5, 0.4], signal="agreement", articles=1, tag="false")
    # day 8: the real tentative agreement, in two articles from two outlets
    add_day(rows, day(8), NEG, [0.6, 0.5], signal="agreement", articles=1, tag="a", source="wire")
    add_day(rows, day(8), NEG, [0.6], signal="agreement", articles=1, tag="b", source="trade")
    write_sentences(db, rows)
    raised = _replay(db, alerts_config)
    assert _changes(raised) == [(day(8), "tentative_agreement")]
    ta = next(a for a in raised if a.direction == "tentative_agreement")
    assert ta.details["state_before"] == "talking" and ta.details["outlets"] == 2
    assert ta.evidence and {e["signal"] for e in ta.evidence} == {"agreement"}


def test_strike_continuing_is_no_new_strike(db: Path, alerts_config: Path):
    rows: list[dict] = []
    _background(rows)
    add_day(
        rows,
        day(3),
        NEG,
        [-0.5],
        signal="strike_action",
        articles=2,
        tag="s",
        text="Actors walked off the job.",
    )
    for i in range(5, 30, 2):  # "the strike continues" every other day, in two articles
        add_day(
            rows,
            day(i),
            NEG,
            [-0.3],
            signal="strike_action",
            articles=2,
            tag=f"c{i}",
            text="The strike continues.",
        )
    write_sentences(db, rows)
    assert _changes(_replay(db, alerts_config)) == [(day(3), "on_strike")]


def test_authorization_vote_is_no_strike(db: Path, alerts_config: Path):
    rows: list[dict] = []
    _background(rows, 10)
    add_day(
        rows,
        day(4),
        NEG,
        [-0.2],
        signal="strike_action",
        articles=3,
        tag="v",
        text="Members voted to authorize a strike.",
    )
    write_sentences(db, rows)
    assert _changes(_replay(db, alerts_config, 10)) == []


def test_tentative_agreement_then_ratification_are_two_alerts(db: Path, alerts_config: Path):
    rows: list[dict] = []
    _background(rows)
    add_day(rows, day(2), NEG, [-0.5], signal="strike_action", articles=2, tag="s")
    add_day(
        rows,
        day(10),
        NEG,
        [0.6, 0.5],
        signal="agreement",
        articles=2,
        tag="ta",
        text="A tentative deal ends the strike.",
    )
    for i in (11, 12, 14):  # more coverage of the same deal: no new alert
        add_day(rows, day(i), NEG, [0.4], signal="agreement", articles=2, tag=f"m{i}")
    add_day(
        rows,
        day(20),
        NEG,
        [0.7],
        signal="agreement",
        articles=2,
        tag="r",
        text="Members voted to ratify the contract.",
    )
    write_sentences(db, rows)
    raised = _replay(db, alerts_config)
    assert _changes(raised) == [
        (day(2), "on_strike"),
        (day(10), "tentative_agreement"),
        (day(20), "ratified"),
    ]
    ratified = next(a for a in raised if a.direction == "ratified")
    assert ratified.details["state_before"] == "tentative_agreement"


def test_suspended_then_resumed(db: Path, alerts_config: Path):
    rows: list[dict] = []
    _background(rows)
    # scheduling before any breakdown is ordinary talking: nothing to resume
    add_day(rows, day(2), NEG, [0.1], signal="scheduling", articles=2, tag="early")
    add_day(rows, day(6), NEG, [-0.6, -0.5], signal="breakdown", articles=2, tag="b")
    add_day(rows, day(7), NEG, [-0.6], signal="breakdown", articles=2, tag="b2")
    add_day(rows, day(15), NEG, [0.2], signal="scheduling", articles=1, tag="s1", source="wire")
    add_day(rows, day(16), NEG, [0.2], signal="scheduling", articles=1, tag="s2", source="trade")
    write_sentences(db, rows)
    raised = _replay(db, alerts_config)
    assert _changes(raised) == [(day(6), "suspended"), (day(16), "resumed")]
    resumed = next(a for a in raised if a.direction == "resumed")
    assert resumed.details["state_after"] == "talking"
    assert all(e["signal"] == "scheduling" for e in resumed.evidence)


def test_syndicated_copies_count_once(db: Path, alerts_config: Path):
    rows: list[dict] = []
    _background(rows, 12)
    # one wire story on three sites: the same body, so one story
    add_day(
        rows,
        day(5),
        NEG,
        [0.5, 0.5],
        signal="agreement",
        articles=3,
        tag="wire",
        body_hash="f" * 64,
    )
    write_sentences(db, rows)
    assert _changes(_replay(db, alerts_config, 12)) == []
    # a second, independent article two days later corroborates it
    more: list[dict] = []
    add_day(more, day(7), NEG, [0.5], signal="agreement", articles=1, tag="own")
    write_sentences(db, more)
    assert _changes(run_alerts(db, day(7), alerts_config)) == [(day(7), "tentative_agreement")]


def test_one_article_with_confident_party_statement(db: Path, alerts_config: Path):
    rows: list[dict] = []
    _background(rows, 12)
    # not enough alone: confident but nobody at the table speaks
    add_day(
        rows,
        day(3),
        NEG,
        [-0.5, -0.6],
        signal="breakdown",
        articles=1,
        tag="anon",
        signal_confidence=0.97,
    )
    # the union's own statement, labelled with high confidence
    add_day(
        rows,
        day(8),
        NEG,
        [-0.5, -0.6],
        signal="breakdown",
        articles=1,
        tag="union",
        signal_confidence=0.95,
        speaker="sag_aftra",
        parties=["sag_aftra"],
    )
    write_sentences(db, rows)
    raised = _replay(db, alerts_config, 12)
    assert _changes(raised) == [(day(8), "suspended")]
    assert raised[-1].details["corroboration"] == "single_article"


def test_low_confidence_single_article_does_not_alert(db: Path, alerts_config: Path):
    rows: list[dict] = []
    _background(rows, 12)
    add_day(
        rows,
        day(8),
        NEG,
        [-0.5, -0.6],
        signal="breakdown",
        articles=1,
        tag="union",
        signal_confidence=0.6,
        speaker="sag_aftra",
    )
    write_sentences(db, rows)
    assert _changes(_replay(db, alerts_config, 12)) == []


def test_same_day_twice_sends_nothing_twice(db: Path, alerts_config: Path, webhook):
    rows: list[dict] = []
    _background(rows, 12)
    add_day(rows, day(6), NEG, [-0.6, -0.5], signal="breakdown", articles=2, tag="b")
    write_sentences(db, rows)
    first = run_alerts(db, day(6), alerts_config)
    again = run_alerts(db, day(6), alerts_config)
    assert _changes(first) == [(day(6), "suspended")] and again == []
    assert webhook.requests == 1 and "Talks suspended" in webhook.bodies[0]["text"]
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from alerts").fetchone()[0] == 1
        assert con.execute("select count(*) from alert_deliveries").fetchone()[0] == 1


def test_contradicted_agreement_is_taken_back_and_the_real_one_alerts(
    db: Path, alerts_config: Path
):
    rows: list[dict] = []
    _background(rows, 40)
    add_day(
        rows,
        day(2),
        NEG,
        [-0.5],
        signal="strike_action",
        articles=2,
        tag="s",
        text="Actors walked off the job.",
    )
    # day 8: a misread "deal" in two articles (corroborated, but wrong) ...
    add_day(rows, day(8), NEG, [0.4], signal="agreement", articles=2, tag="false")
    # ... contradicted from day 12 on: the strike goes on, in two outlets
    add_day(
        rows,
        day(12),
        NEG,
        [-0.4],
        signal="strike_action",
        articles=1,
        tag="c1",
        source="wire",
        text="Pickets continued outside the studios.",
    )
    add_day(
        rows,
        day(13),
        NEG,
        [-0.4],
        signal="strike_action",
        articles=1,
        tag="c2",
        source="trade",
        text="The strike is in its fifth week.",
    )
    # day 25: the real tentative agreement
    add_day(
        rows,
        day(25),
        NEG,
        [0.7],
        signal="agreement",
        articles=2,
        tag="real",
        text="A tentative deal ends the strike.",
    )
    write_sentences(db, rows)
    raised = _replay(db, alerts_config, 40)
    assert _changes(raised) == [
        (day(2), "on_strike"),
        (day(8), "tentative_agreement"),
        (day(13), "contradicted"),
        (day(25), "tentative_agreement"),
    ]
    back = next(a for a in raised if a.direction == "contradicted")
    assert back.details["state_after"] == "on_strike"
    assert {e["signal"] for e in back.evidence} == {"strike_action"}


def test_change_seen_late_still_alerts_once(db: Path, alerts_config: Path):
    rows: list[dict] = []
    _background(rows, 12)
    add_day(rows, day(6), NEG, [-0.6], signal="breakdown", articles=1, tag="a", source="wire")
    write_sentences(db, rows)
    assert _changes(_replay(db, alerts_config, 8)) == []
    # the second outlet's article of day 6 is only loaded on day 8
    late: list[dict] = []
    add_day(late, day(6), NEG, [-0.5], signal="breakdown", articles=1, tag="b", source="trade")
    write_sentences(db, late)
    raised = run_alerts(db, day(8), alerts_config)
    assert _changes(raised) == [(day(6), "suspended")]
    assert run_alerts(db, day(9), alerts_config) == []
