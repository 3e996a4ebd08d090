"""News published yesterday and loaded today alerts today (issue 21, item 4)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tablewatch.pipeline import alerts_stage
from tests.support.alerts import POSITIVE, add_day, day, write_sentences
from warehouse.db import connect_write


def test_a_breakdown_published_the_day_before_its_load_alerts(
    db: Path, alerts_config: Path
) -> None:
    rows: list[dict[str, Any]] = []
    for i in range(20):
        add_day(rows, day(i), "wga_2026", POSITIVE)
    late = day(14)  # published on day 14 ...
    add_day(rows, late, "wga_2026", [-0.6, -0.5], signal="breakdown", tag="late")
    write_sentences(db, rows)
    crawled = day(21)  # ... crawled and loaded a week later, past the events' own look-back
    with connect_write(db) as con:
        con.execute("update articles set crawl_day = ? where published = ?", [crawled, late])

    only_today = alerts_stage(db, crawled, config=alerts_config, since=crawled, dry_run=True)
    assert not any("suspended" in line for line in only_today["lines"])

    summary = alerts_stage(db, crawled, config=alerts_config, deliver=False)
    assert any("Talks suspended" in line for line in summary["lines"]), summary["lines"]
    again = alerts_stage(db, crawled, config=alerts_config, deliver=False)
    assert again["alerts"] == 0  # stored once: a rerun of the day raises nothing new
