"""Hand-built warehouses and real local receivers (webhook, SMTP) for the alerts tests."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import socket
import threading
from collections.abc import Iterator
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from aiosmtpd.controller import Controller

from warehouse.db import connect_write

D0 = dt.date(2023, 5, 1)


TEST_CONFIG: dict[str, Any] = {
    "detection": {
        "history_days": 120,
        "evidence_sentences": 3,
        "tone_shift": {
            "method": "welch",
            "recent_days": 3,
            "baseline_days": 14,
            "min_recent_sentences": 6,
            "min_baseline_sentences": 12,
            "min_recent_articles": 2,
            "z_threshold": 3.0,
            "min_delta": 0.2,
            "min_sd": 0.15,
            "cooldown_days": 3,
        },
        "signal_events": {
            "window_days": 3,
            "min_articles": 2,
            "min_outlets": 2,
            "single_article": {
                "enabled": True,
                "min_confidence": 0.9,
                "min_sentences": 2,
                "require_party_statement": True,
            },
        },
        "surge": {
            "recent_days": 3,
            "baseline_days": 14,
            "min_recent": 6,
            "min_baseline_sentences": 12,
            "min_ratio": 2.0,
            "min_expected": 1.0,
            "z_threshold": 3.0,
            "cooldown_days": 3,
        },
    },
    "delivery": {
        "max_age_days": 30,
        "attempts": 2,
        "backoff_seconds": 0.0,
        "backoff_factor": 2.0,
        "timeout_seconds": 5,
    },
}


def day(i: int) -> dt.date:
    return D0 + dt.timedelta(days=i)


def add_day(
    rows: list[dict[str, Any]],
    when: dt.date,
    negotiation: str,
    tones: list[float],
    articles: int = 3,
    signal: str = "none",
    source: str = "testwire",
    tag: str = "",
    text: str = "",
    **extra: Any,
) -> None:
    """``articles`` articles published on ``when``, each with one sentence per tone value.

    ``text`` is put in every sentence (lexical cues such as "ratified"); ``extra`` columns
    (body_hash, speaker, signal_confidence, parties, issues) are copied to every row."""
    for a in range(articles):
        url = f"http://news.test/{negotiation}/{when.isoformat()}/{tag}{a}"
        for i, tone in enumerate(tones):
            rows.append(
                {
                    "url": url,
                    "published": when,
                    "negotiation": negotiation,
                    "signal": signal,
                    "tone_score": tone,
                    "source": source,
                    "sentence": f"{negotiation} {signal} report {tag}{a}.{i} on {when} "
                    f"(tone {tone:+.2f}). {text}".strip(),
                    **extra,
                }
            )


def write_sentences(db_path: Path, rows: list[dict[str, Any]]) -> None:
    """Insert articles and sentences set-based, as a load would leave them (URLs must be new).

    Rows may carry ``body_hash`` (syndicated copies share one), ``speaker`` and
    ``signal_confidence``; the last two add the NLP's optional sentence columns to the table."""
    df = pd.DataFrame(rows)
    for col in ("body_hash", "speaker", "signal_confidence"):
        if col not in df:
            df[col] = None
    for col in ("parties", "issues"):
        if col not in df:
            df[col] = [[] for _ in range(len(df))]
        df[col] = [list(p) if isinstance(p, list | tuple) else [] for p in df[col]]
    df["article_id"] = [hashlib.sha256(u.encode()).hexdigest()[:16] for u in df["url"]]
    df["sent_index"] = df.groupby("article_id").cumcount()
    df["published"] = df["published"].map(lambda d: d.isoformat())
    df["tone"] = [1 if t > 0.1 else -1 if t < -0.1 else 0 for t in df["tone_score"]]
    with connect_write(db_path) as con:
        con.register("rows_df", df)
        con.execute(
            """
            insert into articles by name
            select distinct article_id, url, url as canonical_url, source, 'relevant' as status,
                   'Title ' || url as title, cast(published as date) as published,
                   cast(published as date) as crawl_day, cast(body_hash as varchar) as body_hash
            from rows_df
            """
        )
        optional = df[["speaker", "signal_confidence"]].notna().any()
        if optional.any():
            con.execute("alter table sentences add column if not exists speaker varchar")
            con.execute("alter table sentences add column if not exists signal_confidence double")
        con.execute(
            """
            insert into sentences (article_id, sent_index, nlp_version, sentence, start_char,
                                   end_char, negotiation, signal, tone, tone_score, issues, parties)
            select article_id, sent_index, 'test-1', sentence, 0, length(sentence), negotiation,
                   signal, tone, tone_score, cast(issues as varchar[]),
                   cast(parties as varchar[])
            from rows_df
            """
        )
        if optional.any():
            con.execute(
                """
                update sentences as s
                set speaker = r.speaker, signal_confidence = r.signal_confidence
                from rows_df as r
                where r.article_id = s.article_id and r.sent_index = s.sent_index
                """
            )
        con.unregister("rows_df")


POSITIVE = [0.5, 0.2, 0.3]


NEGATIVE = [-0.6, -0.4, -0.5]


class WebhookReceiver:
    """Records JSON bodies POSTed to it; answers 500 to the first ``fail_first`` requests."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.requests = 0
        self.fail_first = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server API)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                receiver.requests += 1
                if receiver.requests <= receiver.fail_first:
                    self.send_response(500)
                    self.end_headers()
                    self.wfile.write(b"boom")
                    return
                receiver.bodies.append(json.loads(body))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


class _MailHandler:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        msg = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(
            {"rcpt": list(envelope.rcpt_tos), "from": envelope.mail_from, "msg": msg}
        )
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def alerts_config(tmp_path: Path) -> Path:
    path = tmp_path / "alerts.yaml"
    path.write_text(yaml.safe_dump(TEST_CONFIG), encoding="utf-8")
    return path


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "wh" / "tablewatch.duckdb"


@pytest.fixture(autouse=True)
def _no_channels(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may reach a channel from the developer's environment."""
    for name in (
        "TABLEWATCH_WEBHOOK_URL",
        "TABLEWATCH_SMTP_HOST",
        "TABLEWATCH_SMTP_PORT",
        "TABLEWATCH_SMTP_USER",
        "TABLEWATCH_SMTP_PASSWORD",
        "TABLEWATCH_SMTP_FROM",
        "TABLEWATCH_SMTP_TO",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def webhook(monkeypatch: pytest.MonkeyPatch) -> Iterator[WebhookReceiver]:
    rec = WebhookReceiver()
    rec.thread.start()
    monkeypatch.setenv("TABLEWATCH_WEBHOOK_URL", rec.url)
    try:
        yield rec
    finally:
        rec.server.shutdown()
        rec.server.server_close()


@pytest.fixture
def smtp_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[_MailHandler]:
    handler = _MailHandler()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("TABLEWATCH_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("TABLEWATCH_SMTP_PORT", str(port))
    monkeypatch.setenv("TABLEWATCH_SMTP_FROM", "tablewatch@test.invalid")
    monkeypatch.setenv("TABLEWATCH_SMTP_TO", "desk@test.invalid, editor@test.invalid")
    try:
        yield handler
    finally:
        controller.stop()
