"""The morning brief against hand-built warehouses, delivered to a real local webhook receiver."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import duckdb

from alerts.brief import run_brief
from tablewatch.pipeline import brief_stage
from tests.support.alerts import add_day, day, write_sentences

NEG = "sag_aftra_tv_2023"


def _story(db: Path) -> None:
    rows: list[dict] = []
    for i in range(20):
        add_day(rows, day(i), NEG, [0.0, 0.1], articles=2, tag="bg", parties=["sag_aftra"])
    # day 12: talks break down, in two outlets; the issues of the day are wages
    add_day(
        rows,
        day(12),
        NEG,
        [-0.7, -0.6],
        signal="breakdown",
        articles=1,
        tag="a",
        source="wire",
        parties=["amptp"],
        issues=["wages"],
    )
    add_day(
        rows,
        day(12),
        NEG,
        [-0.6],
        signal="breakdown",
        articles=1,
        tag="b",
        source="trade",
        issues=["wages"],
    )
    write_sentences(db, rows)


def _count(db: Path, table: str) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(f"select count(*) from {table}").fetchone()[0]


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag not in ("meta", "br"):
            self.stack.append(tag)
        if tag == "a":
            self.links.append(dict(attrs)["href"])

    def handle_endtag(self, tag: str) -> None:
        assert self.stack.pop() == tag


def test_day_with_a_change_of_state(db: Path, alerts_config: Path, tmp_path: Path):
    _story(db)
    md = brief_stage(db, day(12), fmt="md", out=tmp_path / "b.md", config=alerts_config)
    text = md["text"]
    assert "State: suspended** (changed today: talking -> suspended)" in text
    assert "Breakdown reported today: 2 articles" in text and "not corroborated" not in text
    assert "http://news.test/" in text and "wages" in text
    assert "Tone: -0.24 today (7 sentences) vs +0.05 over the 14 days before" in text
    doc = json.loads(
        brief_stage(db, day(12), fmt="json", out=tmp_path / "b.json", config=alerts_config)["text"]
    )
    [n] = [n for n in doc["negotiations"] if n["negotiation"] == NEG]
    assert n["state"] == "suspended" and n["tone"]["baseline_days"] == 14
    assert n["issues"][0]["issue"] == "wages" and n["issues"][0]["share_today"] == 0.43  # 3 of 7
    html = brief_stage(db, day(12), fmt="html", out=tmp_path / "b.html", config=alerts_config)
    parser = _Tags()
    parser.feed(Path(html["path"]).read_text(encoding="utf-8"))
    assert parser.stack == [] and any(u.startswith("http://news.test/") for u in parser.links)
    # the next day: coverage but no change; the state is carried
    after = brief_stage(db, day(13), fmt="md", out=tmp_path / "c.md", config=alerts_config)
    assert "State: suspended** (unchanged)" in after["text"]


def test_day_with_nothing_new_is_one_line(db: Path, alerts_config: Path, tmp_path: Path):
    _story(db)
    out = brief_stage(db, day(40), fmt="md", out=tmp_path / "n.md", config=alerts_config)
    assert out["nothing_new"] is True
    lines = Path(out["path"]).read_text(encoding="utf-8").splitlines()
    assert lines == [f"Tablewatch brief {day(40)}: nothing new (no coverage, no change of state)."]


def test_same_day_twice_sends_and_writes_nothing_twice(db: Path, alerts_config: Path, webhook):
    _story(db)
    first = run_brief(db, day(12), config_path=alerts_config)
    again = run_brief(db, day(12), config_path=alerts_config)
    assert first["new"] and first["sent"] == ["webhook"]
    assert not again["new"] and again["sent"] == [] and again["brief"] == first["brief"]
    assert webhook.requests == 1
    body = webhook.bodies[0]
    assert body["text"].startswith(f"[Tablewatch] Morning brief {day(12)}")
    assert body["blocks"][0]["type"] == "header" and "suspended" in json.dumps(body)
    assert _count(db, "briefs") == 1 and _count(db, "brief_deliveries") == 1


def test_failed_channel_is_retried_next_run(db: Path, alerts_config: Path, webhook):
    _story(db)
    webhook.fail_first = 2  # = delivery.attempts: the first run fails
    first = run_brief(db, day(12), config_path=alerts_config)
    assert first["failed"] == ["webhook"] and webhook.bodies == []
    second = run_brief(db, day(12), config_path=alerts_config)
    assert second["sent"] == ["webhook"] and len(webhook.bodies) == 1
    assert run_brief(db, day(12), config_path=alerts_config)["sent"] == []
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute(
            "select status, attempts, last_error from brief_deliveries"
        ).fetchall() == [("sent", 3, None)]


def test_brief_never_contains_a_secret(
    db: Path, alerts_config: Path, webhook, smtp_server, monkeypatch, tmp_path: Path
):
    secret = "xoxb-s3cr3t-T0KEN"
    monkeypatch.setenv("TABLEWATCH_WEBHOOK_URL", f"{webhook.url}?token={secret}")
    monkeypatch.setenv("TABLEWATCH_SMTP_PASSWORD", "hunter2-smtp-pass")
    _story(db)
    # even a sentence quoting the configured URL does not carry it out
    leak: list[dict] = []
    add_day(
        leak,
        day(12),
        NEG,
        [-0.9],  # the strongest sentence of the day: it is the quoted evidence
        signal="breakdown",
        articles=1,
        tag="leak",
        text=f"See {webhook.url}?token={secret} for details.",
    )
    write_sentences(db, leak)
    out = brief_stage(db, day(12), fmt="md", out=tmp_path / "s.md", config=alerts_config)
    assert out["sent"] == ["webhook", "email"]
    payload = json.dumps(webhook.bodies)
    mail = smtp_server.messages[0]["msg"].get_content()
    for text in (payload, mail, out["text"], Path(out["path"]).read_text(encoding="utf-8")):
        assert secret not in text and "hunter2" not in text
    assert "[redacted]" in payload, payload


def test_cli_brief_json_and_bad_format(db: Path, alerts_config: Path, tmp_path: Path):
    from tests.support.cli import tw

    _story(db)
    out = tmp_path / "brief.json"
    args = ["brief", "--db", str(db), "--date", day(12).isoformat(), "--config", str(alerts_config)]
    proc = tw(*args, "--format", "json", "--out", str(out), "--no-send")
    doc = json.loads(proc.stdout)
    assert doc == json.loads(out.read_text(encoding="utf-8"))
    assert doc["negotiations"][0]["state"] == "suspended"
    bad = tw(*args, "--format", "pdf", "--no-send", check=False)
    assert bad.returncode != 0 and "unknown brief format" in (bad.stderr + bad.stdout)


def test_brief_counts_down_to_milestones_and_lists_issue_turns(
    db: Path, alerts_config: Path, tmp_path: Path
):
    """Issue 16: "N days to contract expiry" within 30 days, and the issues whose board status
    changed since the day before (a move to apart after narrowing is a turn)."""
    from warehouse.db import connect_write

    rows: list[dict] = []
    for i in range(10):
        add_day(rows, day(i), NEG, [0.2], articles=1, tag=f"p{i}", signal="progress", issues=["ai"])
    add_day(rows, day(12), NEG, [-0.5] * 4, articles=3, tag="g", signal="gap", issues=["ai"])
    write_sentences(db, rows)
    with connect_write(db) as con:
        con.execute(
            "insert into watchlist_milestones values (?, ?, 'contract_expiry', 'contract expires'),"
            " (?, ?, 'strike_vote', 'too far ahead')",
            [NEG, day(12 + 18), NEG, day(12 + 45)],
        )
    doc = json.loads(
        brief_stage(db, day(12), fmt="json", out=tmp_path / "b.json", config=alerts_config)["text"]
    )
    (entry,) = doc["negotiations"]
    assert [u["what"] for u in entry["upcoming"]] == [
        "18 days to contract expiry: contract expires"
    ]
    assert entry["issue_status"] == [
        {
            "issue": "ai",
            "before": "narrowing",
            "after": "apart",
            "turn": True,
            "alert_id": None,  # the alerts stage did not run on this warehouse
            "evidence": entry["issue_status"][0]["evidence"],
        }
    ]
    assert entry["issue_status"][0]["evidence"].startswith(NEG)
    md = brief_stage(db, day(12), fmt="md", out=tmp_path / "b.md", config=alerts_config)["text"]
    assert "Issue ai: narrowing -> apart **(a turn)**" in md
    assert "18 days to contract expiry" in md


def test_brief_lists_the_issue_turn_alert_even_on_a_day_without_coverage(
    db: Path, alerts_config: Path, tmp_path: Path
):
    """Progress of day 0 leaves the board's 28-day window on day 28: wages are apart again that
    day, with no article published. The alerts stage raises the turn; the brief lists it."""
    from alerts import run_alerts

    rows: list[dict] = []
    add_day(rows, day(0), NEG, [0.3], articles=5, tag="p", signal="progress", issues=["wages"])
    add_day(rows, day(10), NEG, [-0.4], articles=3, tag="g", signal="gap", issues=["wages"])
    write_sentences(db, rows)
    [turn] = [a for a in run_alerts(db, day(28), alerts_config) if a.kind == "issue_turn"]
    assert (turn.details["issue"], turn.details["status_before"], turn.direction) == (
        "wages",
        "narrowing",
        "apart",
    )
    out = brief_stage(db, day(28), fmt="json", out=tmp_path / "b.json", config=alerts_config)
    doc = json.loads(out["text"])
    assert doc["nothing_new"] is False
    (entry,) = doc["negotiations"]
    assert entry["articles"] == 0
    assert [(c["issue"], c["turn"], c["alert_id"]) for c in entry["issue_status"]] == [
        ("wages", True, turn.alert_id)
    ]
    md = brief_stage(db, day(28), fmt="md", out=tmp_path / "b.md", config=alerts_config)["text"]
    assert "Issue wages: narrowing -> apart **(a turn)**" in md
