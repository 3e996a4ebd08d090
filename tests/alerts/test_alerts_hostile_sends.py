"""Hostile receivers: a webhook that hangs, answers garbage or drips, SMTP that offers no TLS.

Each send still ends within ``timeout_seconds``, gets one recorded outcome, and every alert of the
run is attempted; no alert is lost (the next run retries what is not 'sent') and a send whose
outcome is unknown is not repeated within the run.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import yaml

from alerts import run_alerts
from kernel.errors import ConfigError
from tests.support.alerts import NEGATIVE, POSITIVE, TEST_CONFIG, add_day, day, write_sentences

NEGOTIATIONS = ("dga_2023", "wga_2023")


def _two_drops(db: Path) -> None:
    """Two negotiations whose tone turns on the same day: two alerts in one run."""
    rows: list[dict] = []
    for neg in NEGOTIATIONS:
        for i in range(25):
            add_day(rows, day(i), neg, NEGATIVE if i >= 17 else POSITIVE, tag=neg)
    write_sentences(db, rows)


@pytest.fixture
def fast_config(tmp_path: Path) -> Path:
    """The test config with a one-second send timeout (and 2 attempts per run)."""
    cfg = {**TEST_CONFIG, "delivery": {**TEST_CONFIG["delivery"], "timeout_seconds": 1}}
    path = tmp_path / "alerts-fast.yaml"
    path.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    return path


def _deliveries(db: Path) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "select a.negotiation, d.channel, d.status, d.attempts, d.last_error "
            "from alert_deliveries d join alerts a using (alert_id) order by a.negotiation"
        ).fetchall()


def _delivered(db: Path) -> list[bool]:
    with duckdb.connect(str(db), read_only=True) as con:
        return [
            r[0]
            for r in con.execute("select delivered from v_alerts order by negotiation").fetchall()
        ]


def test_hanging_webhook_is_unknown_once_per_run_then_resent_with_same_key(
    db: Path, fast_config: Path, webhook
):
    _two_drops(db)
    webhook.misbehave = "hang"
    raised = run_alerts(db, day(19), fast_config)
    assert sorted(a.negotiation for a in raised) == list(NEGOTIATIONS)
    # one request per alert (not delivery.attempts of them), both alerts tried
    assert webhook.requests == 2 and webhook.bodies == []
    rows = _deliveries(db)
    assert [r[:4] for r in rows] == [(n, "webhook", "unknown", 1) for n in NEGOTIATIONS]
    assert all("outcome unknown" in r[4] and "1s" in r[4] for r in rows)
    assert _delivered(db) == [False, False]
    # the receiver recovers: the next run sends both again, keyed by the same alert ids
    webhook.misbehave = None
    assert run_alerts(db, day(20), fast_config) == []
    assert webhook.requests == 4 and len(webhook.bodies) == 2
    ids = sorted(a.alert_id for a in raised)
    assert sorted(webhook.keys[:2]) == ids and sorted(webhook.keys[2:]) == ids
    assert [r[:4] for r in _deliveries(db)] == [(n, "webhook", "sent", 2) for n in NEGOTIATIONS]
    assert _delivered(db) == [True, True]
    run_alerts(db, day(21), fast_config)
    assert webhook.requests == 4


def test_garbage_answer_is_recorded_and_the_next_alert_still_goes(
    db: Path, fast_config: Path, webhook
):
    _two_drops(db)
    webhook.misbehave, webhook.misbehave_first = "garbage", 1
    run_alerts(db, day(19), fast_config)
    assert webhook.requests == 2 and len(webhook.bodies) == 1
    first, second = _deliveries(db)
    assert first[:4] == ("dga_2023", "webhook", "unknown", 1)
    assert "outcome unknown" in first[4] and "Protocol" in first[4]
    assert second[:4] == ("wga_2023", "webhook", "sent", 1)
    assert webhook.bodies[0]["blocks"][-1]["elements"][0]["text"].startswith("alert ")
    run_alerts(db, day(20), fast_config)
    assert [r[2] for r in _deliveries(db)] == ["sent", "sent"] and webhook.requests == 3


def test_slow_drip_is_cut_at_the_timeout(db: Path, fast_config: Path, webhook):
    """The drip would end in a valid 200 after 20 s: a per-read timeout would call it sent."""
    rows: list[dict] = []
    for i in range(25):
        add_day(rows, day(i), "wga_2023", NEGATIVE if i >= 17 else POSITIVE)
    write_sentences(db, rows)
    webhook.misbehave = "drip"
    run_alerts(db, day(19), fast_config)
    [(neg, channel, status, attempts, error)] = _deliveries(db)
    assert (neg, channel, status, attempts) == ("wga_2023", "webhook", "unknown", 1)
    assert "no answer within 1s" in error
    assert webhook.requests == 1 and webhook.bodies == []


def test_webhook_refusing_is_failed_and_retried_within_the_run(
    db: Path, fast_config: Path, webhook
):
    """A definite refusal (HTTP 500) is not 'unknown': retried now, and the URL never logged."""
    _two_drops(db)
    webhook.fail_first = 1
    run_alerts(db, day(19), fast_config)
    assert [r[2:4] for r in _deliveries(db)] == [("sent", 2), ("sent", 1)]
    assert webhook.requests == 3


@pytest.mark.parametrize("url", ["http://127.0.0.1:abc/hook", "https://:443/x"])
def test_bad_webhook_url_is_a_one_line_config_error(
    db: Path, alerts_config: Path, monkeypatch: pytest.MonkeyPatch, url: str
):
    _two_drops(db)
    monkeypatch.setenv("TABLEWATCH_WEBHOOK_URL", url)
    with pytest.raises(ConfigError) as err:
        run_alerts(db, day(19), alerts_config)
    message = str(err.value)
    assert "TABLEWATCH_WEBHOOK_URL" in message and "\n" not in message
    assert url not in message  # the URL is a secret


def test_smtp_password_is_never_sent_without_tls(
    db: Path, alerts_config: Path, smtp_auth_server, monkeypatch: pytest.MonkeyPatch
):
    _two_drops(db)
    monkeypatch.setenv("TABLEWATCH_SMTP_USER", "desk")
    monkeypatch.setenv("TABLEWATCH_SMTP_PASSWORD", "s3cret")
    run_alerts(db, day(19), alerts_config)
    assert smtp_auth_server.logins == [] and smtp_auth_server.messages == []
    rows = _deliveries(db)
    assert [r[1:3] for r in rows] == [("email", "failed")] * 2
    assert all("STARTTLS" in r[4] and "TABLEWATCH_SMTP_INSECURE" in r[4] for r in rows)
    # an explicit opt-in for a local relay: the next run logs in and sends both, once
    monkeypatch.setenv("TABLEWATCH_SMTP_INSECURE", "1")
    run_alerts(db, day(20), alerts_config)
    assert smtp_auth_server.logins == [("desk", "s3cret")] * 2
    assert len(smtp_auth_server.messages) == 2
    assert [r[1:3] for r in _deliveries(db)] == [("email", "sent")] * 2


def test_smtp_without_credentials_may_use_a_plain_relay(
    db: Path, alerts_config: Path, smtp_auth_server
):
    _two_drops(db)
    run_alerts(db, day(19), alerts_config)
    assert smtp_auth_server.logins == [] and len(smtp_auth_server.messages) == 2
    assert [r[2] for r in _deliveries(db)] == ["sent", "sent"]


def test_smtp_password_goes_after_starttls(
    db: Path, alerts_config: Path, smtp_tls_server, monkeypatch: pytest.MonkeyPatch
):
    """The secure path: STARTTLS with a verified certificate, then AUTH, then the message."""
    _two_drops(db)
    monkeypatch.setenv("TABLEWATCH_SMTP_USER", "desk")
    monkeypatch.setenv("TABLEWATCH_SMTP_PASSWORD", "s3cret")
    run_alerts(db, day(19), alerts_config)
    assert smtp_tls_server.logins == [("desk", "s3cret")] * 2
    assert len(smtp_tls_server.messages) == 2
    assert [r[1:3] for r in _deliveries(db)] == [("email", "sent")] * 2


def test_smtp_certificate_not_trusted_gets_no_password(
    db: Path, alerts_config: Path, smtp_tls_server, monkeypatch: pytest.MonkeyPatch
):
    _two_drops(db)
    monkeypatch.delenv("SSL_CERT_FILE")  # the server's CA is no longer trusted
    monkeypatch.setenv("TABLEWATCH_SMTP_USER", "desk")
    monkeypatch.setenv("TABLEWATCH_SMTP_PASSWORD", "s3cret")
    run_alerts(db, day(19), alerts_config)
    assert smtp_tls_server.logins == [] and smtp_tls_server.messages == []
    rows = _deliveries(db)
    assert [r[1:3] for r in rows] == [("email", "failed")] * 2
    assert all("CERTIFICATE_VERIFY_FAILED" in r[4] for r in rows)
