"""Delivery channels: a Slack-compatible webhook and e-mail, configured from the environment.

Endpoints and credentials are read from environment variables only (never from files in the
repo). Each send is retried with exponential backoff within a run; what still fails is reported to
the caller, which records it so the next run tries again.
"""

from __future__ import annotations

import json
import logging
import os
import smtplib
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Protocol

from alerts.format import email_message, plain_email, plain_payload, slack_payload
from alerts.model import Alert
from alerts.settings import Delivery
from kernel.errors import ConfigError

log = logging.getLogger("tablewatch.alerts")

ENV_WEBHOOK = "TABLEWATCH_WEBHOOK_URL"
ENV_SMTP = {
    k: f"TABLEWATCH_SMTP_{k.upper()}" for k in ("host", "port", "user", "password", "from", "to")
}


class Channel(Protocol):
    name: str

    def send_alert(self, alert: Alert) -> None: ...

    def send_text(self, message: str) -> None: ...


@dataclass
class WebhookChannel:
    """POSTs JSON to an incoming-webhook URL (Slack, Mattermost, Rocket.Chat, or any receiver)."""

    url: str
    timeout: float
    name: str = "webhook"

    def _post(self, payload: dict[str, Any]) -> None:
        req = urllib.request.Request(
            self.url,
            data=json.dumps(payload).encode("utf-8"),
            headers={"Content-Type": "application/json", "User-Agent": "tablewatch-alerts"},
            method="POST",
        )
        with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310 (http(s) checked)
            resp.read()

    def send_alert(self, alert: Alert) -> None:
        self._post(slack_payload(alert))

    def send_text(self, message: str) -> None:
        self._post(plain_payload(message))


@dataclass
class EmailChannel:
    """SMTP with STARTTLS whenever the server offers it (implicit TLS on port 465)."""

    host: str
    port: int
    sender: str
    recipients: tuple[str, ...]
    user: str | None
    password: str | None
    timeout: float
    prefix: str
    name: str = "email"

    def _send(self, msg: EmailMessage) -> None:
        msg["From"] = self.sender
        msg["To"] = ", ".join(self.recipients)
        context = ssl.create_default_context()
        if self.port == 465:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=context
            )
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with smtp:
            smtp.ehlo()
            if self.port != 465 and smtp.has_extn("starttls"):
                smtp.starttls(context=context)
                smtp.ehlo()
            if self.user:
                smtp.login(self.user, self.password or "")
            smtp.send_message(msg)

    def send_alert(self, alert: Alert) -> None:
        self._send(email_message(alert, self.prefix))

    def send_text(self, message: str) -> None:
        self._send(plain_email(message, self.prefix))


def channels_from_env(cfg: Delivery, env: Mapping[str, str] | None = None) -> list[Channel]:
    """The channels enabled in the config whose environment variables are set."""
    env = os.environ if env is None else env
    out: list[Channel] = []
    url = (env.get(ENV_WEBHOOK) or "").strip()
    if cfg.webhook.enabled and url:
        if not url.startswith(("http://", "https://")):
            raise ConfigError(f"{ENV_WEBHOOK} must be an http(s) URL")
        out.append(WebhookChannel(url=url, timeout=cfg.timeout_seconds))
    smtp = {k: (env.get(v) or "").strip() for k, v in ENV_SMTP.items()}
    if cfg.email.enabled and smtp["host"] and smtp["to"]:
        try:
            port = int(smtp["port"] or 587)
        except ValueError:
            raise ConfigError(f"{ENV_SMTP['port']} must be a port number") from None
        out.append(
            EmailChannel(
                host=smtp["host"],
                port=port,
                sender=smtp["from"] or smtp["user"] or "tablewatch@localhost",
                recipients=tuple(r.strip() for r in smtp["to"].split(",") if r.strip()),
                user=smtp["user"] or None,
                password=smtp["password"] or None,
                timeout=cfg.timeout_seconds,
                prefix=cfg.email.subject_prefix,
            )
        )
    return out


def _describe(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        return f"URL error: {exc.reason}"
    return f"{type(exc).__name__}: {exc}"[:500]


def with_retries(send: Callable[[], None], cfg: Delivery) -> tuple[bool, int, str | None]:
    """Try ``send`` up to ``cfg.attempts`` times; returns (ok, attempts used, last error)."""
    error = None
    for attempt in range(1, cfg.attempts + 1):
        try:
            send()
            return True, attempt, None
        except (OSError, smtplib.SMTPException, ValueError) as exc:
            error = _describe(exc)
            log.warning("delivery attempt %d/%d failed: %s", attempt, cfg.attempts, error)
            if attempt < cfg.attempts:
                time.sleep(cfg.backoff_seconds * cfg.backoff_factor ** (attempt - 1))
    return False, cfg.attempts, error


def deliver(
    pending: Mapping[str, list[Alert]],
    channels: list[Channel],
    cfg: Delivery,
    clock: Callable[[], Any],
) -> list[dict[str, Any]]:
    """Send every pending alert on its channel; one outcome per (alert, channel) to record."""
    outcomes = []
    for ch in channels:
        for alert in pending.get(ch.name, []):
            ok, attempts, error = with_retries(lambda a=alert, c=ch: c.send_alert(a), cfg)
            outcomes.append(
                {
                    "alert_id": alert.alert_id,
                    "channel": ch.name,
                    "status": "sent" if ok else "failed",
                    "attempts": attempts,
                    "error": error,
                    "at": clock(),
                }
            )
    return outcomes
