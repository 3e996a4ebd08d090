"""The storyline evaluation: matching, misses, false alarms, and day-by-day equivalence."""

from __future__ import annotations

from pathlib import Path

from benchmarks.alerts_storyline import evaluate, to_markdown
from tests.support.alerts import (
    NEGATIVE,
    POSITIVE,
    add_day,
    day,
    write_sentences,
)


def test_evaluation_matches_detects_and_misses(db: Path, alerts_config: Path, tmp_path: Path):
    rows: list[dict] = []
    for i in range(28):
        add_day(rows, day(i), "wga_2026", NEGATIVE if i >= 17 else POSITIVE)
    add_day(rows, day(24), "dga_2026", [-0.6, -0.5], signal="breakdown", tag="b")
    write_sentences(db, rows)
    story = tmp_path / "storyline.yaml"
    story.write_text(
        "negotiations:\n"
        "  wga_2026:\n"
        f"    - {{date: {day(17)}, kind: tone_down, description: drop}}\n"
        f"    - {{date: {day(25)}, kind: agreement, description: never reported}}\n",
        encoding="utf-8",
    )
    ev = evaluate(db, story, alerts_config)
    (p1, a1), (p2, a2) = ev.points
    assert a1 is not None and (a1.kind, a1.direction, a1.detected_on) == (
        "tone_shift",
        "down",
        day(17),
    )
    assert a2 is None
    # negotiations outside the storyline are not scored
    assert all(a.negotiation == "wga_2026" for a in ev.alerts) and ev.false_alarms == []
    md = to_markdown(ev)
    assert md.startswith("### Alerts vs the demo storyline")
    assert f"| wga_2026 | {day(17)} | tone_down | {day(17)} | 0 |" in md
    assert f"| wga_2026 | {day(25)} | agreement | missed |" in md
    assert "Detected 1/2" in md
    slow = evaluate(db, story, alerts_config, day_by_day=True)
    assert [a.alert_id for a in slow.alerts] == [a.alert_id for a in ev.alerts]
