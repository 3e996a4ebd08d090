"""Human wording of an alert: the CLI line, the Slack-compatible payload and the e-mail."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

from alerts.model import Alert

_EVENT_TITLES = {
    "suspended": "Talks suspended",
    "resumed": "Talks resumed",
    "on_strike": "Strike started",
    "strike_ended": "Strike ended",
    "tentative_agreement": "Tentative agreement",
    "ratified": "Agreement ratified",
    "contradicted": "Reported agreement contradicted",
}


def _num(value: Any, fmt: str = "+.2f") -> str:
    return "n/a" if value is None else format(value, fmt)


def countdown(alert: Alert) -> str:
    """'; 12 days to contract expiry' when the negotiation's next milestone is near, or ''."""
    c = alert.details.get("countdown")
    return f"; {c['text']}" if c else ""


def headline(alert: Alert) -> str:
    """One sentence saying what turned, with the figures that justify it, and how close the
    negotiation's next milestone is when it is near."""
    return _headline(alert) + countdown(alert)


def _sentences(n: Any, what: str) -> str:
    return f"{n} {what} sentence" + ("" if n == 1 else "s")


def _issue_turn(alert: Alert) -> str:
    d = alert.details
    before, after, issue = d.get("status_before"), d.get("status_after"), d.get("issue")
    if after == "agreed":
        title = "Issue agreed"
        counts = _sentences(d.get("agreement"), "agreement")
    else:
        title = "Agreed issue reopened" if before == "agreed" else "Issue apart again"
        counts = f"{d.get('gap')} gap vs {_sentences(d.get('progress'), 'progress')}"
    return (
        f"{title} for {alert.negotiation}: {issue} (was {before}, now {after}); {counts} "
        f"in {d.get('window_days')} days"
    )


def _headline(alert: Alert) -> str:
    d = alert.details
    if alert.kind == "issue_turn":
        return _issue_turn(alert)
    if alert.kind == "tone_shift":
        word = "negative" if alert.direction == "down" else "positive"
        before = (
            f"{d.get('baseline_days')} days before"
            if d.get("method") == "monitor"
            else f"{d.get('baseline_sentences')} before"
        )
        return (
            f"Tone turned {word} for {alert.negotiation}: mean {_num(d.get('recent_mean'))} over "
            f"{d.get('recent_sentences')} sentences vs {_num(d.get('baseline_mean'))} over "
            f"{before} (z={_num(alert.statistic, '+.1f')})" + moved_by(alert)
        )
    if alert.kind == "surge":
        return (
            f"Surge of {alert.direction} mentions for {alert.negotiation}: "
            f"{d.get('recent_count')} in {d.get('recent_days')} days vs "
            f"{_num(d.get('expected'), '.1f')} expected (z={_num(alert.statistic, '.1f')})"
        )
    title = _EVENT_TITLES.get(alert.direction, alert.direction)
    how = (
        "one article with a confident party statement"
        if d.get("corroboration") == "single_article"
        else f"{d.get('articles')} articles from {d.get('outlets')} outlets"
    )
    return (
        f"{title}: {alert.negotiation} is now {d.get('state_after')} (was {d.get('state_before')}); "
        f"{how} in {d.get('window_days')} days"
    )


def moved_by(alert: Alert) -> str:
    """'; moved by sag_aftra (5 sentences), amptp (2)' from the drivers, or ''."""
    drivers = alert.details.get("drivers") or []
    if not drivers:
        return ""
    parts = [f"{x['party']} ({x['sentences']} sentences)" for x in drivers]
    return "; moved most by " + ", ".join(parts)


def format_alert(alert: Alert) -> str:
    """The CLI listing line: day, negotiation, kind/direction, headline, id."""
    return (
        f"{alert.detected_on.isoformat()}  {alert.negotiation:<26} "
        f"{alert.kind}/{alert.direction:<13} {headline(alert)}  [{alert.alert_id}]"
    )


def _mrkdwn(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def evidence_lines(alert: Alert) -> list[str]:
    return [
        f'{e.get("published") or "?"} {e.get("source") or "?"}: "{e.get("sentence")}" {e.get("url")}'
        for e in alert.evidence
    ]


def slack_payload(alert: Alert) -> dict[str, Any]:
    """Slack-compatible: ``text`` is the notification fallback, ``blocks`` the rich layout."""
    head = headline(alert)
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": head[:150]}},
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": f"*Negotiation*\n{_mrkdwn(alert.negotiation)}"},
                {"type": "mrkdwn", "text": f"*Kind*\n{alert.kind} / {alert.direction}"},
                {"type": "mrkdwn", "text": f"*Window*\n{alert.window_start} to {alert.window_end}"},
                {"type": "mrkdwn", "text": f"*Statistic*\n{_num(alert.statistic, '.2f')}"},
            ],
        },
    ]
    c = alert.details.get("countdown")
    if c:
        text = f"*Next milestone*\n{c['text']} ({c['date']}: {_mrkdwn(str(c['label']))})"
        blocks[1]["fields"].append({"type": "mrkdwn", "text": text})
    if alert.details.get("drivers"):
        moved = "\n".join(
            f"*{_mrkdwn(x['party'])}*: {x['sentences']} sentences, weight {x['weight']}"
            for x in alert.details["drivers"]
        )
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*Moved by*\n{moved}"}}
        )
    for e in alert.evidence:
        link = f"<{e.get('url')}|{_mrkdwn(e.get('source') or 'source')}>" if e.get("url") else ""
        blocks.append(
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": f"> {_mrkdwn(str(e.get('sentence')))}\n{e.get('published')} {link}",
                },
            }
        )
    blocks.append(
        {"type": "context", "elements": [{"type": "mrkdwn", "text": f"alert {alert.alert_id}"}]}
    )
    return {"text": f"[Tablewatch] {head}", "blocks": blocks}


def plain_payload(message: str) -> dict[str, Any]:
    return {
        "text": f"[Tablewatch] {message}",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": _mrkdwn(message)}}],
    }


def email_message(alert: Alert, prefix: str) -> EmailMessage:
    msg = EmailMessage()
    what = f"{alert.kind} {alert.direction}"
    if alert.kind == "issue_turn":
        what = f"issue_turn {alert.details.get('issue')} {alert.direction}"
    msg["Subject"] = f"{prefix} {alert.negotiation}: {what}".strip()
    body = [
        headline(alert),
        "",
        f"Negotiation: {alert.negotiation}",
        f"Kind: {alert.kind} / {alert.direction}",
        f"Window: {alert.window_start} to {alert.window_end} (detected {alert.detected_on})",
        f"Statistic: {_num(alert.statistic, '.2f')}",
        *(
            [f"Next milestone: {c['text']} ({c['date']}: {c['label']})"]
            if (c := alert.details.get("countdown"))
            else []
        ),
        "",
        "Evidence:",
        *(f"- {line}" for line in evidence_lines(alert)),
        *(
            ["", "What moved it (per party, heaviest sentence):"]
            + [
                f"- {x['party']}: {x['sentences']} sentences, weight {x['weight']}: "
                f'"{x["sentence"]}" {x["url"]}'
                for x in alert.details.get("drivers") or []
            ]
        ),
        "",
        "Figures: "
        + ", ".join(
            f"{k}={v}"
            for k, v in sorted(alert.details.items())
            if k not in ("drivers", "countdown")
        ),
        f"Alert id: {alert.alert_id}",
    ]
    msg.set_content("\n".join(body) + "\n")
    return msg


def plain_email(message: str, prefix: str) -> EmailMessage:
    msg = EmailMessage()
    first = message.strip().splitlines()[0] if message.strip() else "notification"
    msg["Subject"] = f"{prefix} {first[:120]}".strip()
    msg.set_content(message + "\n")
    return msg
