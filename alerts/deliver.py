"""Delivery channels: a Slack-compatible webhook and e-mail, configured from the environment.

Endpoints and credentials are read from environment variables only (never from files in the
repo). Each send is retried with exponential backoff within a run; what still fails is reported to
the caller, which records it so the next run tries again.

Every send has one outcome: ``sent``, ``failed`` (the receiver certainly did not take it: retried
now and on the next run) or ``unknown`` (the request went out but no answer came within
``timeout_seconds``, or the answer was not HTTP: the receiver may have it, so it is not repeated in
this run; the next run sends it again with the same ``Idempotency-Key: <alert_id>`` header, on
which receivers dedupe). ``timeout_seconds`` bounds the whole exchange, connect to last byte.

The SMTP password never crosses the network in the clear: AUTH only after STARTTLS (or on
implicit TLS, port 465); ``TABLEWATCH_SMTP_INSECURE=1`` allows plain AUTH for a local relay. A
send without credentials may go plain (a local relay that offers no TLS).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import logging
import os
import smtplib
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from alerts.format import email_message, plain_email, plain_payload, slack_payload
from alerts.model import Alert
from alerts.settings import Delivery
from kernel.errors import ConfigError

log = logging.getLogger("tablewatch.alerts")

ENV_WEBHOOK = "TABLEWATCH_WEBHOOK_URL"
ENV_SMTP = {
    k: f"TABLEWATCH_SMTP_{k.upper()}" for k in ("host", "port", "user", "password", "from", "to")
}
ENV_SMTP_INSECURE = "TABLEWATCH_SMTP_INSECURE"

SENT, FAILED, UNKNOWN = "sent", "failed", "unknown"


class DeliveryError(Exception):
    """The receiver did not take the message (refused, unreachable, an HTTP error status)."""


class OutcomeUnknown(Exception):
    """The request went out but no usable answer came back: the receiver may have it."""


class InsecureTransport(smtplib.SMTPException):
    """The SMTP server offers no TLS and credentials would travel in the clear."""


class Channel(Protocol):
    name: str

    def send_alert(self, alert: Alert) -> None: ...

    def send_text(self, message: str) -> None: ...


def _run(coro: Any) -> Any:
    """``asyncio.run`` that also works when the caller already runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


@dataclass
class WebhookChannel:
    """POSTs JSON to an incoming-webhook URL (Slack, Mattermost, Rocket.Chat, or any receiver)."""

    url: str = field(repr=False)  # a Slack webhook URL is a token: never in a repr or a log
    timeout: float
    name: str = "webhook"

    async def _exchange(self, body: bytes, headers: dict[str, str]) -> int:
        sent = False

        async def trace(event: str, info: dict[str, Any]) -> None:
            nonlocal sent
            if event.endswith("send_request_body.complete"):
                sent = True

        async with httpx.AsyncClient(timeout=self.timeout, follow_redirects=False) as client:
            try:
                async with asyncio.timeout(self.timeout):
                    resp = await client.post(
                        self.url, content=body, headers=headers, extensions={"trace": trace}
                    )
            except TimeoutError:
                if sent:
                    raise OutcomeUnknown(
                        f"no answer within {self.timeout:g}s after the request was sent"
                    ) from None
                raise DeliveryError(f"timed out after {self.timeout:g}s before sending") from None
            except httpx.HTTPError as exc:
                what = f"{type(exc).__name__}: {exc}".replace(self.url, "<webhook>")
                if sent:
                    raise OutcomeUnknown(f"request sent, then {what}"[:500]) from None
                raise DeliveryError(what[:500]) from None
        return resp.status_code

    def _post(self, payload: dict[str, Any], key: str | None = None) -> None:
        headers = {"Content-Type": "application/json", "User-Agent": "tablewatch-alerts"}
        if key:
            headers["Idempotency-Key"] = key
        body = json.dumps(payload).encode("utf-8")
        status = _run(self._exchange(body, headers))
        if status >= 300:
            raise DeliveryError(f"HTTP {status}")

    def send_alert(self, alert: Alert) -> None:
        self._post(slack_payload(alert), key=alert.alert_id)

    def send_json(self, payload: dict[str, Any], key: str | None = None) -> None:
        """Any JSON body (the brief's Slack blocks), with the same deadline and outcomes."""
        self._post(payload, key=key)

    def send_text(self, message: str) -> None:
        self._post(plain_payload(message))


@dataclass
class EmailChannel:
    """SMTP with STARTTLS whenever the server offers it (implicit TLS on port 465); AUTH never
    in the clear unless ``insecure`` (``TABLEWATCH_SMTP_INSECURE=1``, a local relay)."""

    host: str
    port: int
    sender: str
    recipients: tuple[str, ...]
    user: str | None
    password: str | None = field(repr=False)
    timeout: float
    prefix: str
    insecure: bool = False
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
            elif self.port != 465 and self.user and not self.insecure:
                raise InsecureTransport(
                    f"{self.host}:{self.port} offers no STARTTLS: the password is not sent in "
                    f"the clear (use port 465, or {ENV_SMTP_INSECURE}=1 for a local relay)"
                )
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
        try:  # the URL is a secret (a Slack token): never echoed in an error
            host, _ = urlsplit(url).hostname, urlsplit(url).port
        except ValueError:
            raise ConfigError(f"{ENV_WEBHOOK} has a port that is not a number") from None
        if not host:
            raise ConfigError(f"{ENV_WEBHOOK} has no host")
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
                insecure=(env.get(ENV_SMTP_INSECURE) or "").strip() == "1",
            )
        )
    return out


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]


def with_retries(send: Callable[[], None], cfg: Delivery) -> tuple[str, int, str | None]:
    """Try ``send`` up to ``cfg.attempts`` times; returns (outcome, attempts used, last error).

    An unknown outcome stops the retries at once (the receiver may have the message), and so does
    an unexpected error: one broken send must not keep the other alerts of the run from going out.
    """
    error = None
    for attempt in range(1, cfg.attempts + 1):
        try:
            send()
            return SENT, attempt, None
        except OutcomeUnknown as exc:
            log.warning("delivery outcome unknown, not repeated in this run: %s", exc)
            return UNKNOWN, attempt, f"outcome unknown: {exc}"[:500]
        except (OSError, smtplib.SMTPException, ValueError, DeliveryError) as exc:
            error = _describe(exc)
            log.warning("delivery attempt %d/%d failed: %s", attempt, cfg.attempts, error)
            if attempt < cfg.attempts:
                time.sleep(cfg.backoff_seconds * cfg.backoff_factor ** (attempt - 1))
        except Exception as exc:  # noqa: BLE001 - recorded as failed, retried on the next run
            log.exception("delivery failed unexpectedly")
            return FAILED, attempt, _describe(exc)
    return FAILED, cfg.attempts, error


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
            status, attempts, error = with_retries(lambda a=alert, c=ch: c.send_alert(a), cfg)
            outcomes.append(
                {
                    "alert_id": alert.alert_id,
                    "channel": ch.name,
                    "status": status,
                    "attempts": attempts,
                    "error": error,
                    "at": clock(),
                }
            )
    return outcomes
