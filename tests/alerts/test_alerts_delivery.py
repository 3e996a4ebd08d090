"""Delivery through a real webhook receiver and a real SMTP server, with retry across runs."""

from __future__ import annotations

from pathlib import Path

import duckdb

from alerts import notify_failure, run_alerts
from tests.support.alerts import NEGATIVE, POSITIVE, add_day, day, write_sentences


def _drop_story(db: Path) -> None:
    rows: list[dict] = []
    for i in range(25):
        add_day(rows, day(i), "wga_2023", NEGATIVE if i >= 17 else POSITIVE)
    write_sentences(db, rows)


def _deliveries(db: Path) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "select alert_id, channel, status, attempts, last_error, delivered_at is not null "
            "from alert_deliveries order by channel"
        ).fetchall()


def _delivered(db: Path) -> list[bool]:
    with duckdb.connect(str(db), read_only=True) as con:
        return [r[0] for r in con.execute("select delivered from v_alerts").fetchall()]


def test_webhook_gets_slack_payload_once(db: Path, alerts_config: Path, webhook):
    _drop_story(db)
    raised = run_alerts(db, day(19), alerts_config)
    assert len(raised) == 1 and len(webhook.bodies) == 1
    body = webhook.bodies[0]
    assert body["text"].startswith("[Tablewatch] Tone turned negative for wga_2023")
    assert body["blocks"][0]["type"] == "header"
    assert any("news.test" in b.get("text", {}).get("text", "") for b in body["blocks"])
    assert body["blocks"][-1]["elements"][0]["text"] == f"alert {raised[0].alert_id}"
    assert _deliveries(db) == [(raised[0].alert_id, "webhook", "sent", 1, None, True)]
    assert _delivered(db) == [True]
    # rerun of the day, and the next day inside the same episode: nothing is sent again
    assert run_alerts(db, day(19), alerts_config) == []
    assert run_alerts(db, day(20), alerts_config) == []
    assert webhook.requests == 1


def test_stored_without_delivery_sends_nothing(db: Path, alerts_config: Path, webhook):
    """The demo's invented storyline is stored as alerts but must never reach a real channel."""
    _drop_story(db)
    raised = run_alerts(db, day(19), alerts_config, deliver_alerts=False)
    assert len(raised) == 1 and webhook.requests == 0
    assert _deliveries(db) == [] and _delivered(db) == [False]


def test_failed_webhook_is_recorded_and_delivered_next_run(db: Path, alerts_config: Path, webhook):
    _drop_story(db)
    webhook.fail_first = 2  # = delivery.attempts of the test config: the whole first run fails
    raised = run_alerts(db, day(19), alerts_config)
    assert len(raised) == 1 and webhook.bodies == [] and webhook.requests == 2
    [(aid, channel, status, attempts, error, delivered)] = _deliveries(db)
    assert (aid, channel, status, attempts, delivered) == (
        raised[0].alert_id,
        "webhook",
        "failed",
        2,
        False,
    )
    assert "500" in error
    assert _delivered(db) == [False]
    # next run: no new alert, but the pending one goes out
    assert run_alerts(db, day(20), alerts_config) == []
    assert len(webhook.bodies) == 1 and webhook.requests == 3
    assert _deliveries(db) == [(raised[0].alert_id, "webhook", "sent", 3, None, True)]
    run_alerts(db, day(21), alerts_config)
    assert webhook.requests == 3


def test_email_arrives_with_subject_and_body(db: Path, alerts_config: Path, smtp_server):
    _drop_story(db)
    raised = run_alerts(db, day(19), alerts_config)
    assert len(raised) == 1 and len(smtp_server.messages) == 1
    got = smtp_server.messages[0]
    assert got["rcpt"] == ["desk@test.invalid", "editor@test.invalid"]
    assert got["from"] == "tablewatch@test.invalid"
    msg = got["msg"]
    assert msg["Subject"] == "[Tablewatch] wga_2023: tone_shift down"
    text = msg.get_content()
    assert "Tone turned negative for wga_2023" in text
    assert raised[0].evidence[0]["url"] in text and raised[0].alert_id in text
    assert [r[1:4] for r in _deliveries(db)] == [("email", "sent", 1)]
    run_alerts(db, day(19), alerts_config)
    assert len(smtp_server.messages) == 1


def test_both_channels_and_failure_notice(db: Path, alerts_config: Path, webhook, smtp_server):
    _drop_story(db)
    run_alerts(db, day(19), alerts_config)
    assert len(webhook.bodies) == 1 and len(smtp_server.messages) == 1
    assert sorted(r[1] for r in _deliveries(db)) == ["email", "webhook"]
    result = notify_failure("DAG tablewatch_daily failed: load_stage", alerts_config)
    assert result == {"webhook": "sent", "email": "sent"}
    assert webhook.bodies[-1]["text"] == "[Tablewatch] DAG tablewatch_daily failed: load_stage"
    assert smtp_server.messages[-1]["msg"]["Subject"].startswith(
        "[Tablewatch] DAG tablewatch_daily"
    )


def test_failure_notice_without_channels_is_a_no_op(alerts_config: Path):
    assert notify_failure("nothing configured", alerts_config) == {}
