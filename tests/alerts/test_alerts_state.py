"""The episode model: corroborated table events change a negotiation's state; a change alerts once.

Hand-built warehouses (real DuckDB files, production views); every story runs day by day as the
daily runs would, and the deliveries go to a real local webhook receiver.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from alerts import run_alerts
from alerts.model import Alert
from tests.support.alerts import add_day, day, write_sentences

NEG = "sag_aftra_tv_2023"


def on(i: int, signal: str, tones: list[float], articles: int = 2, **kw: Any) -> dict[str, Any]:
    """One day's reports of ``signal`` for NEG (add_day's other arguments: tag, source, text...)."""
    return {"i": i, "signal": signal, "tones": tones, "articles": articles, **kw}


def _story(db: Path, *events: dict[str, Any], days: int = 30, background: bool = True) -> None:
    """Write NEG's story: ``days`` days of neutral background coverage and the ``events``."""
    rows: list[dict] = []
    for i in range(days if background else 0):
        add_day(rows, day(i), NEG, [0.0, 0.1], articles=2, tag="bg")
    for e in events:
        e = dict(e)
        add_day(rows, day(e.pop("i")), NEG, e.pop("tones"), **e)
    write_sentences(db, rows)


def _replay(db: Path, config: Path, days: int = 30) -> list[Alert]:
    return [a for i in range(days) for a in run_alerts(db, day(i), config)]


def _changes(alerts: list[Alert]) -> list[tuple]:
    return [(a.detected_on, a.direction) for a in alerts if a.kind == "signal_event"]


def test_false_agreement_in_one_article_does_not_hide_the_real_one(db: Path, alerts_config: Path):
    _story(
        db,
        # day 5: two agreement sentences in ONE article (a misread "last, best and final offer")
        on(5, "agreement", [0.5, 0.4], articles=1, tag="false"),
        # day 8: the real tentative agreement, in two articles from two outlets
        on(8, "agreement", [0.6, 0.5], articles=1, tag="a", source="wire"),
        on(8, "agreement", [0.6], articles=1, tag="b", source="trade"),
    )
    raised = _replay(db, alerts_config)
    assert _changes(raised) == [(day(8), "tentative_agreement")]
    ta = next(a for a in raised if a.direction == "tentative_agreement")
    assert ta.details["state_before"] == "talking" and ta.details["outlets"] == 2
    assert ta.evidence and {e["signal"] for e in ta.evidence} == {"agreement"}


def test_strike_continuing_is_no_new_strike(db: Path, alerts_config: Path):
    _story(
        db,
        on(3, "strike_action", [-0.5], tag="s", text="Actors walked off the job."),
        # "the strike continues" every other day, in two articles
        *(
            on(i, "strike_action", [-0.3], tag=f"c{i}", text="The strike continues.")
            for i in range(5, 30, 2)
        ),
    )
    assert _changes(_replay(db, alerts_config)) == [(day(3), "on_strike")]


def test_authorization_vote_is_no_strike(db: Path, alerts_config: Path):
    vote = "Members voted to authorize a strike."
    _story(db, on(4, "strike_action", [-0.2], articles=3, tag="v", text=vote), days=10)
    assert _changes(_replay(db, alerts_config, 10)) == []


def test_tentative_agreement_then_ratification_are_two_alerts(db: Path, alerts_config: Path):
    _story(
        db,
        on(2, "strike_action", [-0.5], tag="s"),
        on(10, "agreement", [0.6, 0.5], tag="ta", text="A tentative deal ends the strike."),
        # more coverage of the same deal: no new alert
        *(on(i, "agreement", [0.4], tag=f"m{i}") for i in (11, 12, 14)),
        on(20, "agreement", [0.7], tag="r", text="Members voted to ratify the contract."),
    )
    raised = _replay(db, alerts_config)
    assert _changes(raised) == [
        (day(2), "on_strike"),
        (day(10), "tentative_agreement"),
        (day(20), "ratified"),
    ]
    ratified = next(a for a in raised if a.direction == "ratified")
    assert ratified.details["state_before"] == "tentative_agreement"


def test_suspended_then_resumed(db: Path, alerts_config: Path):
    _story(
        db,
        # scheduling before any breakdown is ordinary talking: nothing to resume
        on(2, "scheduling", [0.1], tag="early"),
        on(6, "breakdown", [-0.6, -0.5], tag="b"),
        on(7, "breakdown", [-0.6], tag="b2"),
        on(15, "scheduling", [0.2], articles=1, tag="s1", source="wire"),
        on(16, "scheduling", [0.2], articles=1, tag="s2", source="trade"),
    )
    raised = _replay(db, alerts_config)
    assert _changes(raised) == [(day(6), "suspended"), (day(16), "resumed")]
    resumed = next(a for a in raised if a.direction == "resumed")
    assert resumed.details["state_after"] == "talking"
    assert all(e["signal"] == "scheduling" for e in resumed.evidence)


def test_syndicated_copies_count_once(db: Path, alerts_config: Path):
    # one wire story on three sites: the same body, so one story
    wire = on(5, "agreement", [0.5, 0.5], articles=3, tag="wire", body_hash="f" * 64)
    _story(db, wire, days=12)
    assert _changes(_replay(db, alerts_config, 12)) == []
    # a second, independent article two days later corroborates it
    _story(db, on(7, "agreement", [0.5], articles=1, tag="own"), background=False)
    assert _changes(run_alerts(db, day(7), alerts_config)) == [(day(7), "tentative_agreement")]


def test_one_article_with_confident_party_statement(db: Path, alerts_config: Path):
    _story(
        db,
        # not enough alone: confident but nobody at the table speaks
        on(3, "breakdown", [-0.5, -0.6], articles=1, tag="anon", signal_confidence=0.97),
        # the union's own statement, labelled with high confidence
        on(
            8,
            "breakdown",
            [-0.5, -0.6],
            articles=1,
            tag="union",
            signal_confidence=0.95,
            speaker="sag_aftra",
            parties=["sag_aftra"],
        ),
        days=12,
    )
    raised = _replay(db, alerts_config, 12)
    assert _changes(raised) == [(day(8), "suspended")]
    assert raised[-1].details["corroboration"] == "single_article"


def test_low_confidence_single_article_does_not_alert(db: Path, alerts_config: Path):
    unsure = on(
        8,
        "breakdown",
        [-0.5, -0.6],
        articles=1,
        tag="union",
        signal_confidence=0.6,
        speaker="sag_aftra",
    )
    _story(db, unsure, days=12)
    assert _changes(_replay(db, alerts_config, 12)) == []


def test_same_day_twice_sends_nothing_twice(db: Path, alerts_config: Path, webhook):
    _story(db, on(6, "breakdown", [-0.6, -0.5], tag="b"), days=12)
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
    _story(
        db,
        on(2, "strike_action", [-0.5], tag="s", text="Actors walked off the job."),
        # day 8: a misread "deal" in two articles (corroborated, but wrong) ...
        on(8, "agreement", [0.4], tag="false"),
        # ... contradicted from day 12 on: the strike goes on, in two outlets
        on(
            12,
            "strike_action",
            [-0.4],
            articles=1,
            tag="c1",
            source="wire",
            text="Pickets continued outside the studios.",
        ),
        on(
            13,
            "strike_action",
            [-0.4],
            articles=1,
            tag="c2",
            source="trade",
            text="The strike is in its fifth week.",
        ),
        # day 25: the real tentative agreement
        on(25, "agreement", [0.7], tag="real", text="A tentative deal ends the strike."),
        days=40,
    )
    raised = _replay(db, alerts_config, 40)
    assert _changes(raised) == [
        (day(2), "on_strike"),
        (day(8), "tentative_agreement"),
        (day(13), "contradicted"),
        (day(25), "tentative_agreement"),
    ]
    back = next(a for a in raised if a.direction == "contradicted")
    assert back.details["state_after"] == "on_strike (talks suspended)"
    assert {e["signal"] for e in back.evidence} == {"strike_action"}


def test_change_seen_late_still_alerts_once(db: Path, alerts_config: Path):
    _story(db, on(6, "breakdown", [-0.6], articles=1, tag="a", source="wire"), days=12)
    assert _changes(_replay(db, alerts_config, 8)) == []
    # the second outlet's article of day 6 is only loaded on day 8
    late = on(6, "breakdown", [-0.5], articles=1, tag="b", source="trade")
    _story(db, late, background=False)
    raised = run_alerts(db, day(8), alerts_config)
    assert _changes(raised) == [(day(6), "suspended")]
    assert run_alerts(db, day(9), alerts_config) == []


def test_sentences_below_the_confidence_floor_corroborate_nothing(db: Path, alerts_config: Path):
    _story(
        db,
        # an "agreement" the NLP was unsure of (0.47) and one other outlet's report of a deal
        on(5, "agreement", [0.4], articles=1, tag="weak", source="wire", signal_confidence=0.47),
        on(6, "agreement", [0.5], articles=1, tag="one", source="trade", signal_confidence=0.81),
        days=12,
    )
    assert _changes(_replay(db, alerts_config, 12)) == []
    # a second confident outlet corroborates the day-6 report: the floor only dropped the weak one
    late = on(7, "agreement", [0.5], articles=1, tag="two", source="daily", signal_confidence=0.9)
    _story(db, late, background=False)
    raised = run_alerts(db, day(7), alerts_config)
    assert _changes(raised) == [(day(7), "tentative_agreement")]
    assert raised[0].details["articles"] == 2


def test_one_confident_cued_sentence_of_a_party_is_enough(db: Path, alerts_config: Path):
    party = {"articles": 1, "signal_confidence": 0.94, "speaker": "sag_aftra"}
    _story(
        db,
        # one confident agreement sentence of a party, but no cue: a deal takes two sentences
        on(4, "agreement", [0.5], tag="one", **party),
        on(10, "agreement", [0.6, 0.5], tag="ta", text="A tentative deal was reached."),
        # the union's one-sentence announcement of the vote result
        on(20, "agreement", [0.7], tag="r", text="Members have ratified the contract.", **party),
        days=25,
    )
    raised = _replay(db, alerts_config, 25)
    assert _changes(raised) == [(day(10), "tentative_agreement"), (day(20), "ratified")]
    ratified = raised[-1]
    assert ratified.details["corroboration"] == "single_article"
    assert ratified.details["sentences"] == 1


def test_a_strike_suspends_the_talks_and_its_first_talks_resume_them(db: Path, alerts_config: Path):
    _story(
        db,
        # the union's one-sentence call, confident: the strike-start cue is enough on its own
        on(
            2,
            "strike_action",
            [-0.5],
            articles=1,
            tag="call",
            text="The members went on strike today.",
            signal_confidence=0.95,
            speaker="sag_aftra",
        ),
        # during the strike: no agreement to resume talks is no suspension, it was already so
        on(8, "breakdown", [-0.5], tag="no", text="They failed to agree to resume talks."),
        on(15, "scheduling", [0.2], tag="back", text="The sides will resume negotiations."),
        days=20,
    )
    raised = _replay(db, alerts_config, 20)
    assert _changes(raised) == [(day(2), "on_strike"), (day(15), "resumed")]
    assert raised[0].details["state_after"] == "on_strike (talks suspended)"
    assert raised[1].details["state_after"] == "on_strike"
