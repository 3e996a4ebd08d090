"""Hand-built warehouses and real local receivers (webhook, SMTP) for the alerts tests."""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

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
    ``signal_confidence`` (null when absent, as for sentences of an older NLP)."""
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
        # speaker and signal_confidence are columns of every warehouse (migrations 003 and 004)
        con.execute(
            """
            insert into sentences (article_id, sent_index, nlp_version, sentence, start_char,
                                   end_char, negotiation, signal, tone, tone_score, issues, parties,
                                   speaker, signal_confidence)
            select article_id, sent_index, 'test-1', sentence, 0, length(sentence), negotiation,
                   signal, tone, tone_score, cast(issues as varchar[]),
                   cast(parties as varchar[]), cast(speaker as varchar),
                   cast(signal_confidence as double)
            from rows_df
            """
        )
        con.unregister("rows_df")


POSITIVE = [0.5, 0.2, 0.3]


NEGATIVE = [-0.6, -0.4, -0.5]


class WebhookReceiver:
    """Records JSON bodies POSTed to it; answers 500 to the first ``fail_first`` requests.

    ``misbehave`` = "hang" (read the request, never answer), "garbage" (answer bytes that are not
    HTTP) or "drip" (a status line, then one header byte at a time for ``drip_seconds`` before a
    valid answer) applies to the first ``misbehave_first`` requests; every request's
    ``Idempotency-Key`` header is kept in ``keys``.
    """

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.keys: list[str | None] = []
        self.requests = 0
        self.fail_first = 0
        self.misbehave: str | None = None
        self.misbehave_first = 1_000_000
        self.drip_seconds = 20.0
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server API)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                receiver.requests += 1
                receiver.keys.append(self.headers.get("Idempotency-Key"))
                if receiver.misbehave and receiver.requests <= receiver.misbehave_first:
                    self._misbehave(receiver.misbehave)
                    return
                if receiver.requests <= receiver.fail_first:
                    self.send_response(500)
                    self.end_headers()
                    self.wfile.write(b"boom")
                    return
                receiver.bodies.append(json.loads(body))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def _misbehave(self, how: str) -> None:
                self.close_connection = True
                if how == "hang":
                    receiver.release.wait(30)
                elif how == "garbage":
                    self.wfile.write(b"\x00\xffNOT HTTP AT ALL\r\n\r\n")
                elif how == "drip":
                    self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Drip: ")
                    self.wfile.flush()
                    end = time.monotonic() + receiver.drip_seconds
                    while time.monotonic() < end and not receiver.release.is_set():
                        try:
                            self.wfile.write(b"x")
                            self.wfile.flush()
                        except OSError:
                            return
                        time.sleep(0.2)
                    self.wfile.write(b"\r\nContent-Length: 2\r\n\r\nok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


class _MailHandler:
    def __init__(self) -> None:
        self.messages: list[Any] = []
        self.logins: list[tuple[str, str]] = []

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        """Every login succeeds; what reached the server is what an eavesdropper would see."""
        self.logins.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=True)

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
        "TABLEWATCH_SMTP_INSECURE",
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
        rec.release.set()
        rec.server.shutdown()
        rec.server.server_close()


def _smtp(monkeypatch: pytest.MonkeyPatch, **auth: Any) -> Iterator[_MailHandler]:
    handler = _MailHandler()
    port = _free_port()
    if auth:
        auth["authenticator"] = handler.authenticate
    controller = Controller(handler, hostname="127.0.0.1", port=port, **auth)
    controller.start()
    monkeypatch.setenv("TABLEWATCH_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("TABLEWATCH_SMTP_PORT", str(port))
    monkeypatch.setenv("TABLEWATCH_SMTP_FROM", "tablewatch@test.invalid")
    monkeypatch.setenv("TABLEWATCH_SMTP_TO", "desk@test.invalid, editor@test.invalid")
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def smtp_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[_MailHandler]:
    """A plain relay on a free port: no TLS, no AUTH."""
    yield from _smtp(monkeypatch)


def _tls_context(folder: Path) -> tuple[ssl.SSLContext, Path]:
    """A throwaway CA and a certificate for 127.0.0.1 it signed: (server context, CA file)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(name("tablewatch test CA"))
        .issuer_name(name("tablewatch test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name("127.0.0.1"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    ca_file, cert_file, key_file = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    ca_file.write_bytes(ca.public_bytes(pem))
    cert_file.write_bytes(cert.public_bytes(pem))
    key_file.write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return context, ca_file


@pytest.fixture
def smtp_tls_server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[_MailHandler]:
    """A server that offers STARTTLS (a certificate from a CA the client is told to trust via
    SSL_CERT_FILE) and accepts AUTH only over TLS."""
    context, ca_file = _tls_context(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    yield from _smtp(monkeypatch, tls_context=context, require_starttls=True, auth_require_tls=True)


@pytest.fixture
def smtp_auth_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[_MailHandler]:
    """A server that offers AUTH without TLS (no STARTTLS): it records the logins it receives."""
    yield from _smtp(monkeypatch, auth_require_tls=False, auth_required=False)
