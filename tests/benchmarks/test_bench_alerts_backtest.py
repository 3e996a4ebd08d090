"""The state-change backtest: storyline mapping, day-by-day replay, matching and the tables."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from alerts.settings import load_alerts_config
from benchmarks.alerts_backtest import (
    Turn,
    detail_table,
    match,
    replay,
    storyline_turns,
    summary_table,
)
from tests.support.alerts import add_day, day, write_sentences

NEG = "sag_aftra_tv_2023"


def test_storyline_turns_are_state_changes():
    states, tones = storyline_turns()
    wga = [(t.day, t.direction) for t in states if t.negotiation == "wga_2026"]
    # the authorization vote (Apr 27) is no state change; the ratification is its own state
    assert (dt.date(2026, 4, 27), "on_strike") not in wga
    assert (dt.date(2026, 5, 5), "on_strike") in wga and (dt.date(2026, 7, 14), "ratified") in wga
    assert {t.direction for t in tones} == {"up", "down"}


def test_replay_and_match(db: Path, alerts_config: Path):
    rows: list[dict] = []
    for i in range(30):
        add_day(rows, day(i), NEG, [0.0, 0.1], articles=2, tag="bg")
    add_day(rows, day(6), NEG, [-0.6], signal="breakdown", articles=2, tag="b")
    add_day(rows, day(20), NEG, [0.6], signal="agreement", articles=2, tag="a")
    write_sentences(db, rows)
    cfg = load_alerts_config(alerts_config)
    alerts, period = replay(db, cfg, {NEG})
    assert period == (day(0), day(29))
    assert [(a.detected_on, a.direction) for a in alerts] == [
        (day(6), "suspended"),
        (day(20), "tentative_agreement"),
    ]
    turns = [Turn(NEG, day(5), "suspended", "s"), Turn(NEG, day(12), "resumed", "r")]
    r = match("hand", turns, alerts, "signal_event", early=3, late=7, period=period)
    assert r.delays == [1] and r.recall == 0.5 and r.precision == 0.5
    assert [a.direction for a in r.false_alarms] == ["tentative_agreement"]
    assert "| hand | 2023-05-01 to 2023-05-30 | 2 | 2 | 0.50 | 0.50 | 1 | 0 |" in summary_table([r])
    rows_md = "\n".join(detail_table([r]))
    assert "| missed |" in rows_md and "| false alarm |" in rows_md and "| hit |" in rows_md
