"""'N days to contract expiry': alerts and the brief name the negotiation's next milestone when it
is within countdown.within_days (30) of their day; further ahead or in the past, they do not."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb

from alerts import run_alerts
from alerts.countdown import next_milestones
from alerts.format import email_message, headline, slack_payload
from tablewatch.pipeline import brief_stage
from tests.support.alerts import add_day, day, write_sentences
from tests.support.warehouse import coverage_milestone_db
from warehouse.db import connect_read, connect_write

BREAKDOWN_DAY = 6
# one negotiation per case, each with talks breaking down (a state-change alert) on day 6
CASES = {
    "sag_aftra_tv_2023": (BREAKDOWN_DAY + 29, "contract_expiry", "TV contract expires"),
    "wga_2023": (BREAKDOWN_DAY + 31, "contract_expiry", "MBA expires"),
    "dga_2023": (BREAKDOWN_DAY - 1, "strike_vote", "already held"),
}


def _story(db: Path) -> None:
    rows: list[dict] = []
    for neg in CASES:
        for i in range(10):
            add_day(rows, day(i), neg, [0.0, 0.1], articles=2, tag="bg")
        add_day(rows, day(BREAKDOWN_DAY), neg, [-0.6], signal="breakdown", articles=2, tag="b")
    write_sentences(db, rows)
    with connect_write(db) as con:
        con.executemany(
            "insert into watchlist_milestones values (?, ?, ?, ?)",
            [[neg, day(d), kind, label] for neg, (d, kind, label) in CASES.items()],
        )


def test_alert_says_days_to_contract_expiry_within_30_days_only(
    db: Path, alerts_config: Path, webhook
):
    _story(db)
    raised = {a.negotiation: a for a in run_alerts(db, day(BREAKDOWN_DAY), alerts_config)}
    assert set(raised) == set(CASES)
    near = raised["sag_aftra_tv_2023"]
    assert near.details["countdown"] == {
        "date": day(BREAKDOWN_DAY + 29).isoformat(),
        "kind": "contract_expiry",
        "label": "TV contract expires",
        "source": "watchlist",
        "days": 29,
        "precision": "day",
        "text": "29 days to contract expiry",
    }
    assert headline(near).endswith("; 29 days to contract expiry")
    assert "Next milestone: 29 days to contract expiry" in email_message(near, "").get_content()
    # 31 days ahead, and a milestone already past: no countdown
    for neg in ("wga_2023", "dga_2023"):
        assert "countdown" not in raised[neg].details
        assert "days to" not in headline(raised[neg])
    # what was sent, and what was stored, say it too
    [sent] = [b for b in webhook.bodies if "sag_aftra_tv_2023" in b["text"]]
    assert sent["text"].endswith("29 days to contract expiry")
    assert sent == json.loads(json.dumps(slack_payload(near)))
    others = [b for b in webhook.bodies if "sag_aftra_tv_2023" not in b["text"]]
    assert len(others) == 2 and not any("days to" in json.dumps(b) for b in others)
    with duckdb.connect(str(db), read_only=True) as con:
        stored = con.execute(
            "select negotiation, details->>'$.countdown.text' from alerts order by negotiation"
        ).fetchall()
    assert stored == [
        ("dga_2023", None),
        ("sag_aftra_tv_2023", "29 days to contract expiry"),
        ("wga_2023", None),
    ]


def test_the_milestone_kind_in_words(db: Path, alerts_config: Path):
    _story(db)
    with connect_write(db) as con:
        con.execute(
            "insert into watchlist_milestones values ('wga_2023', ?, 'ratification_vote', 'vote')",
            [day(BREAKDOWN_DAY + 1)],
        )
    [wga] = [a for a in run_alerts(db, day(BREAKDOWN_DAY), alerts_config, dry_run=True)
             if a.negotiation == "wga_2023"]  # fmt: skip
    assert wga.details["countdown"]["text"] == "1 day to ratification vote"


def test_brief_counts_down_with_the_same_threshold(db: Path, alerts_config: Path, tmp_path: Path):
    _story(db)
    doc = json.loads(
        brief_stage(
            db, day(BREAKDOWN_DAY), fmt="json", out=tmp_path / "b.json", config=alerts_config
        )["text"]
    )
    upcoming = {n["negotiation"]: [u["what"] for u in n["upcoming"]] for n in doc["negotiations"]}
    assert upcoming == {
        "sag_aftra_tv_2023": ["29 days to contract expiry: TV contract expires"],
        "wga_2023": [],
        "dga_2023": [],
    }


def test_every_milestone_kind_has_its_words():
    from alerts.countdown import KIND_WORDS
    from kernel.labels import MILESTONE_KINDS

    assert set(KIND_WORDS) == set(MILESTONE_KINDS)
    assert all("_" not in words for words in KIND_WORDS.values())


def test_a_month_only_milestone_reads_in_that_month(tmp_path: Path):
    """ "expires in August" (stored as 1 August) seen on 31 July is "contract expiry in August",
    not "1 day to"; it stays near through August, and is gone once August is over."""
    db = coverage_milestone_db(
        tmp_path,
        "wga_2026",
        {"2026-07-31": "The Writers Guild said its contract extension expires in August."},
    )
    days = [dt.date(2026, 7, 31), dt.date(2026, 8, 20), dt.date(2026, 9, 1)]
    with connect_read(db) as con:
        found = next_milestones(con, [("wga_2026", d) for d in days], within_days=30)
    texts = {d: found[("wga_2026", d)]["text"] for d in days if ("wga_2026", d) in found}
    assert texts == {
        dt.date(2026, 7, 31): "contract expiry in August",
        dt.date(2026, 8, 20): "contract expiry in August",
    }
    assert found[("wga_2026", days[0])]["precision"] == "month"
