"""The morning brief: per negotiation, what changed since the previous day, in one short read.

For each watched negotiation with news on the day: its state and the changes of state that day
(the same episode model as the alerts), the table events reported that day with their evidence
sentences and links (marked when not corroborated), the day's tone against its 14-day baseline,
the issues whose share of coverage moved, and the dates coming up from the watchlist. A day with
nothing new is one line. Outlets whose crawl failed that day (``crawl_runs.failed_sources``) are
named first, with why: the reader knows the day's picture misses them.

The brief is built set-based from the warehouse views (three queries whatever the number of
negotiations), stored once per (day, negotiation filter) in ``briefs`` and rendered from that
stored copy, so a rerun writes and sends nothing new; deliveries are recorded per channel in
``brief_deliveries`` and a failed channel is retried by the next run. Nothing from the
environment is ever put into a brief, and any configured secret that turned up in the text would
be redacted before it leaves.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb

from alerts.countdown import countdown_text
from alerts.settings import AlertsConfig, IssueTurns, load_alerts_config
from alerts.turns import is_turn
from kernel.days import as_date
from kernel.errors import TablewatchError

log = logging.getLogger("tablewatch.alerts")

FORMATS = ("md", "html", "json")
BASELINE_DAYS = 14
ISSUE_MIN_DELTA = 0.10  # share of the day's sentences, against the baseline share
EVIDENCE_PER_EVENT = 2
SECRET_ENV = (
    "TABLEWATCH_WEBHOOK_URL",
    "TABLEWATCH_SMTP_PASSWORD",
    "TABLEWATCH_SMTP_USER",
    "TABLEWATCH_SMTP_HOST",
)
_EVENT_WORDS = {
    "tentative_agreement": "agreement reported",
    "ratified": "ratification reported",
    "suspended": "breakdown reported",
    "strike": "strike reported",
    "strike_ended": "strike end reported",
    "scheduling": "talks scheduled",
}


def brief_id(day: dt.date, negotiation: str | None) -> str:
    key = f"{day.isoformat()}|{negotiation or '*'}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


# ---------------------------------------------------------------- building


_DAY_SQL = """
select s.negotiation, s.signal, s.sentence, s.url, s.source, s.title, s.article_id,
       s.sent_index, s.tone_score
from v_sentences as s
where s.published = cast($day as date)
  and s.negotiation is not null
  and ($neg is null or s.negotiation = $neg)
order by s.negotiation, s.article_id, s.sent_index
"""

_TONE_SQL = """
select
    negotiation,
    avg(tone_score) filter (where published = cast($day as date)) as today,
    count(tone_score) filter (where published = cast($day as date)) as today_n,
    count(distinct article_id) filter (where published = cast($day as date)) as today_articles,
    avg(tone_score) filter (where published < cast($day as date)) as baseline,
    count(tone_score) filter (where published < cast($day as date)) as baseline_n
from v_sentences
where negotiation is not null
  and ($neg is null or negotiation = $neg)
  and published between cast($day as date) - $days and cast($day as date)
group by negotiation
"""

_ISSUES_SQL = """
with base as (
    select negotiation, published = cast($day as date) as is_today, issues
    from v_sentences
    where negotiation is not null
      and ($neg is null or negotiation = $neg)
      and published between cast($day as date) - $days and cast($day as date)
),
totals as (
    select negotiation,
           count(*) filter (where is_today) as n_today,
           count(*) filter (where not is_today) as n_base
    from base group by negotiation
),
mentions as (
    select negotiation, unnest(issues) as issue, is_today from base
)
select m.negotiation, m.issue,
       count(*) filter (where m.is_today) as today,
       count(*) filter (where not m.is_today) as baseline,
       t.n_today, t.n_base
from mentions as m inner join totals as t using (negotiation)
group by m.negotiation, m.issue, t.n_today, t.n_base
order by m.negotiation, m.issue
"""


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> list[dict]:
    used = {k: v for k, v in params.items() if f"${k}" in sql}
    cur = con.execute(sql, used)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _r(x: Any, digits: int = 2) -> float | None:
    return None if x is None else round(float(x), digits)


def build_brief(
    con: duckdb.DuckDBPyConnection,
    day: str | dt.date,
    cfg: AlertsConfig,
    negotiation: str | None = None,
    watchlist: list[Any] | None = None,
) -> dict[str, Any]:
    """The brief of ``day`` as data (JSON-ready); ``nothing_new`` when no negotiation had news."""
    from alerts.detect import _party_keys
    from alerts.state import corroborated_events, fold
    from kernel.watchlist import load_watchlist

    day = as_date(day)
    watched = {n.id: n for n in (watchlist if watchlist is not None else load_watchlist())}
    params = {"day": day, "neg": negotiation, "days": BASELINE_DAYS}
    sentences = _rows(con, _DAY_SQL, params)
    tone = {r["negotiation"]: r for r in _rows(con, _TONE_SQL, params)}
    issues: dict[str, list[dict]] = {}
    for r in _rows(con, _ISSUES_SQL, params):
        issues.setdefault(r["negotiation"], []).append(r)
    milestones: dict[str, list[dict]] = {}
    within = cfg.countdown.within_days
    for r in _rows(con, _MILESTONES_SQL, {"day": day, "neg": negotiation, "days": within}):
        milestones.setdefault(r["negotiation"], []).append(r)
    statuses: dict[str, list[dict]] = {}
    for r in _rows(con, _STATUS_SQL, {"day": day, "neg": negotiation}):
        statuses.setdefault(r["negotiation"], []).append(r)
    det = cfg.detection
    start = day - dt.timedelta(days=det.history_days)
    events = corroborated_events(con, day, start, det, _party_keys())
    states, changes = fold(events, det.signal_events.window_days)
    corroborated_today = {(e["negotiation"], e["event"]) for e in events if e["day"] == day}

    stored_alerts = _alert_evidence(con, day, negotiation)
    stored_turns = _turn_alerts(con, day, negotiation)
    by_neg: dict[str, list[dict]] = {}
    for s in sentences:
        by_neg.setdefault(s["negotiation"], []).append(s)
    today_changes = [c for c in changes if c.day == day]
    turns = det.issue_turns
    moved = {neg: _status_changes(rows, turns, stored_turns) for neg, rows in statuses.items()}
    # an issue can turn on a day without coverage (its last progress left the window): news too
    turned = {neg for neg, rows in moved.items() if any(r["turn"] for r in rows)}
    names = sorted(set(by_neg) | {c.negotiation for c in today_changes} | turned)
    if negotiation:
        names = [n for n in names if n == negotiation]
    out = []
    for neg in names:
        sents = by_neg.get(neg, [])
        state = states.get(neg)
        entry: dict[str, Any] = {
            "negotiation": neg,
            "title": watched[neg].title if neg in watched else neg,
            "state": state.label if state else "talking",
            "state_since": state.since.isoformat() if state and state.since else None,
            "changes": [
                {
                    "direction": c.direction,
                    "before": c.before,
                    "after": c.after,
                    "evidence": stored_alerts.get((neg, c.direction), []),
                }
                for c in today_changes
                if c.negotiation == neg
            ],
            "articles": len({s["article_id"] for s in sents}),
            "sentences": len(sents),
            "events": _events(sents, neg, corroborated_today, det.signal_events.cues),
            "tone": _tone(tone.get(neg)),
            "issues": _issues(issues.get(neg, [])),
            "issue_status": moved.get(neg, []),
            "upcoming": _upcoming(milestones.get(neg, []), day),
        }
        out.append(entry)
    return {
        "day": day.isoformat(),
        "negotiation": negotiation,
        "nothing_new": not out,
        "negotiations": out,
        "crawl_failures": crawl_failures(con, day),
    }


def crawl_failures(con: duckdb.DuckDBPyConnection, day: dt.date) -> list[dict[str, Any]]:
    """The outlets whose crawl of ``day`` failed, with the error each part recorded."""
    if not _has_table(con, "crawl_runs"):
        return []
    cols = {
        r[0]
        for r in con.execute(
            "select column_name from duckdb_columns() where table_name = 'crawl_runs'"
        ).fetchall()
    }
    if "failed_sources" not in cols:
        return []
    row = con.execute(
        "select failed_sources, stats from crawl_runs where run_day = $day", {"day": day}
    ).fetchone()
    if row is None or not row[0]:
        return []
    stats = json.loads(row[1]) if isinstance(row[1], str) else (row[1] or {})
    errors = {p.get("source"): p.get("error") for p in stats.get("parts") or []}
    return [{"source": name, "error": errors.get(name)} for name in row[0]]


def _failures_text(brief: dict[str, Any]) -> str | None:
    failures = brief.get("crawl_failures") or []
    if not failures:
        return None
    named = "; ".join(
        f"{f['source']} ({f['error']})" if f.get("error") else f["source"] for f in failures
    )
    return f"Crawl: {_n(len(failures), 'outlet')} failed, not in this brief: {named}"


def _alert_evidence(
    con: duckdb.DuckDBPyConnection, day: dt.date, negotiation: str | None
) -> dict[tuple[str, str], list[dict]]:
    """The evidence stored with the day's state-change alerts (the corroborating articles)."""
    if not _has_table(con, "alerts"):
        return {}
    rows = con.execute(
        "select negotiation, direction, evidence from alerts "
        "where kind = 'signal_event' and detected_on = $day "
        "and ($neg is null or negotiation = $neg)",
        {"day": day, "neg": negotiation},
    ).fetchall()
    out = {}
    for neg, direction, evidence in rows:
        items = json.loads(evidence) if isinstance(evidence, str) else (evidence or [])
        out[(neg, direction)] = [
            {"sentence": e.get("sentence"), "url": e.get("url"), "source": e.get("source")}
            for e in items
        ]
    return out


def _n(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def _event_of(signal: str, text: str, cues: Any) -> str | None:
    low = text.lower()
    if signal == "agreement":
        return "ratified" if any(c in low for c in cues.ratified) else "tentative_agreement"
    if signal == "breakdown":
        return "suspended"
    if signal == "scheduling":
        return "scheduling"
    if signal == "strike_action":
        if any(c in low for c in cues.strike_ended):
            return "strike_ended"
        if any(c in low for c in cues.strike_vote):
            return None
        return "strike"
    return None


def _events(sents: list[dict], neg: str, corroborated: set, cues: Any) -> list[dict]:
    """The day's table events (the same cues as the episode model), best evidence first."""
    groups: dict[str, list[dict]] = {}
    for s in sents:
        ev = _event_of(s["signal"], s["sentence"], cues)
        if ev:
            groups.setdefault(ev, []).append(s)
    out = []
    for ev, rows in groups.items():
        seen: set[str] = set()
        evidence = []
        for s in sorted(rows, key=lambda r: -abs(r["tone_score"] or 0)):
            if s["article_id"] in seen:
                continue  # one sentence per article
            seen.add(s["article_id"])
            evidence.append({"sentence": s["sentence"], "url": s["url"], "source": s["source"]})
            if len(evidence) >= EVIDENCE_PER_EVENT:
                break
        out.append(
            {
                "event": ev,
                "label": _EVENT_WORDS.get(ev, ev),
                "articles": len({s["article_id"] for s in rows}),
                "corroborated": (neg, ev) in corroborated,
                "evidence": evidence,
            }
        )
    order = list(_EVENT_WORDS)
    return sorted(out, key=lambda e: order.index(e["event"]))


def _tone(row: dict | None) -> dict[str, Any] | None:
    if not row or not row["today_n"]:
        return None
    today, base = row["today"], row["baseline"]
    return {
        "today": _r(today),
        "sentences": int(row["today_n"]),
        "baseline": _r(base),
        "baseline_sentences": int(row["baseline_n"]),
        "baseline_days": BASELINE_DAYS,
        "delta": _r(today - base) if base is not None else None,
    }


def _issues(rows: list[dict]) -> list[dict]:
    out = []
    for r in rows:
        share_today = r["today"] / r["n_today"] if r["n_today"] else 0.0
        share_base = r["baseline"] / r["n_base"] if r["n_base"] else 0.0
        delta = share_today - share_base
        if r["today"] >= 2 and abs(delta) >= ISSUE_MIN_DELTA:
            out.append(
                {
                    "issue": r["issue"],
                    "today": int(r["today"]),
                    "share_today": _r(share_today),
                    "share_baseline": _r(share_base),
                    "delta": _r(delta),
                }
            )
    return sorted(out, key=lambda x: -abs(x["delta"]))


_MILESTONES_SQL = """
select negotiation, date, kind, arg_min(label, source = 'coverage') as label,
    bool_or(source = 'watchlist') as in_watchlist,
    date_precision, last_date
from v_milestones
where last_date >= $day and date <= $day + to_days($days)
    and ($neg is null or negotiation = $neg)
    and (source = 'watchlist' or published <= $day)
group by negotiation, date, kind, date_precision, precision_rank, last_date
order by negotiation, date, precision_rank, kind
"""


def _upcoming(milestones: list[dict], day: dt.date) -> list[dict]:
    """The negotiation's milestones of the next ``countdown.within_days`` days, as "N days to
    contract expiry" (the watchlist's and those stated in coverage published by ``day``); the
    first is the next one, the one the day's alerts name."""
    out = []
    for m in milestones:
        days = max((m["date"] - day).days, 0)
        text = countdown_text(days, m["kind"], m["date_precision"], m["date"], day, m["last_date"])
        what = f"{text}: {m['label']}"
        out.append({"date": m["date"].isoformat(), "kind": m["kind"], "days": days, "what": what})
    return out


_STATUS_SQL = """
select t.negotiation, t.issue, y.status as before, t.status as after, t.evidence
from issue_status_as_of($day) as t
join issue_status_as_of($day - 1) as y using (negotiation, issue)
where t.status <> y.status and ($neg is null or t.negotiation = $neg)
order by t.negotiation, t.issue
"""


def _status_changes(
    rows: list[dict], turns: IssueTurns, alerted: dict[tuple[str, str], str]
) -> list[dict]:
    """Issues whose board status changed since the day before (warehouse issue_status_as_of);
    ``turn`` marks the moves that are alerts of their own (alerts.yaml ``issue_turns``, the same
    rule as alerts/turns.py) and ``alert_id`` the stored alert when one was raised."""
    return [
        {
            "issue": r["issue"],
            "before": r["before"],
            "after": r["after"],
            "turn": is_turn(r["before"], r["after"], turns),
            "alert_id": alerted.get((r["negotiation"], r["issue"])),
            "evidence": r["evidence"],
        }
        for r in rows
    ]


def _turn_alerts(
    con: duckdb.DuckDBPyConnection, day: dt.date, negotiation: str | None
) -> dict[tuple[str, str], str]:
    """(negotiation, issue) -> alert_id of the issue-turn alerts stored for the day."""
    if not _has_table(con, "alerts"):
        return {}
    rows = con.execute(
        "select negotiation, details->>'issue', alert_id from alerts "
        "where kind = 'issue_turn' and detected_on = $day "
        "and ($neg is null or negotiation = $neg)",
        {"day": day, "neg": negotiation},
    ).fetchall()
    return {(neg, issue): aid for neg, issue, aid in rows}


# ---------------------------------------------------------------- rendering


def one_line(brief: dict[str, Any]) -> str:
    scope = f" for {brief['negotiation']}" if brief.get("negotiation") else ""
    return f"Tablewatch brief {brief['day']}: nothing new{scope} (no coverage, no change of state)."


def _change_text(c: dict) -> str:
    return f"{c['before']} -> {c['after']}"


def _tone_text(t: dict | None) -> str:
    if not t:
        return "no tone today"
    base = (
        f"{t['baseline']:+.2f} over the {t['baseline_days']} days before ({t['baseline_sentences']})"
        if t["baseline"] is not None
        else f"no baseline in the {t['baseline_days']} days before"
    )
    delta = f", {t['delta']:+.2f}" if t.get("delta") is not None else ""
    return f"{t['today']:+.2f} today ({t['sentences']} sentences) vs {base}{delta}"


def to_markdown(brief: dict[str, Any]) -> str:
    failures = _failures_text(brief)
    if brief["nothing_new"]:
        return one_line(brief) + "\n" + (f"{failures}\n" if failures else "")
    lines = [f"# Tablewatch morning brief, {brief['day']}", ""]
    if failures:
        lines += [f"**{failures}**", ""]
    for n in brief["negotiations"]:
        lines.append(f"## {n['title']} ({n['negotiation']})")
        lines.append("")
        changed = "; ".join(_change_text(c) for c in n["changes"])
        lines.append(
            f"- **State: {n['state']}**"
            + (f" (changed today: {changed})" if changed else " (unchanged)")
        )
        for c in n["changes"]:
            for x in c.get("evidence", []):
                lines.append(f'  - "{x["sentence"]}" [{x["source"]}]({x["url"]})')
        lines.append(
            f"- Coverage: {_n(n['articles'], 'article')}, {_n(n['sentences'], 'sentence')}"
        )
        lines.append(f"- Tone: {_tone_text(n['tone'])}")
        if n["issues"]:
            moved = ", ".join(
                f"{i['issue']} {i['share_baseline']:.0%} -> {i['share_today']:.0%}"
                for i in n["issues"]
            )
            lines.append(f"- Issues that moved: {moved}")
        for e in n["events"]:
            mark = "" if e["corroborated"] else " (not corroborated yet)"
            lines.append(f"- {e['label'].capitalize()} today: {_n(e['articles'], 'article')}{mark}")
            for x in e["evidence"]:
                lines.append(f'  - "{x["sentence"]}" [{x["source"]}]({x["url"]})')
        for c in n.get("issue_status", []):
            turn = " **(a turn)**" if c["turn"] else ""
            lines.append(f"- Issue {c['issue']}: {c['before']} -> {c['after']}{turn}")
            if c["evidence"]:
                lines.append(f'  - "{c["evidence"]}"')
        for u in n["upcoming"]:
            lines.append(f"- Coming up: {u['date']}, {u['what']}")
        lines.append("")
    return "\n".join(lines)


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:860px;margin:2em auto;
color:#1d2430;line-height:1.45;padding:0 1em}
h1{font-size:1.6em;border-bottom:3px solid #1d2430;padding-bottom:.3em}
section{border:1px solid #d6dbe3;border-radius:8px;padding:1em 1.2em;margin:1.2em 0}
h2{font-size:1.2em;margin:0 0 .5em}
.state{display:inline-block;padding:.15em .6em;border-radius:1em;background:#e8eef8;font-weight:600}
.changed{background:#ffe3b3}
.muted{color:#667085}
blockquote{margin:.4em 0 .4em 1em;padding-left:.8em;border-left:3px solid #c4ccd8}
.weak{color:#a15c00}
ul{padding-left:1.2em}
"""


def to_html(brief: dict[str, Any]) -> str:
    e = html.escape
    failures = _failures_text(brief)
    warning = f"<p class='weak'><b>{e(failures)}</b></p>" if failures else ""
    if brief["nothing_new"]:
        body = f"<p>{e(one_line(brief))}</p>{warning}"
    else:
        parts = []
        for n in brief["negotiations"]:
            changed = "; ".join(_change_text(c) for c in n["changes"])
            state_cls = "state changed" if changed else "state"
            evidence = "".join(
                f"<blockquote>&ldquo;{e(x['sentence'] or '')}&rdquo; "
                f'<a href="{e(x["url"] or "")}">{e(x["source"] or "source")}</a></blockquote>'
                for c in n["changes"]
                for x in c.get("evidence", [])
            )
            items = [
                f"<li>Coverage: {_n(n['articles'], 'article')}, "
                f"{_n(n['sentences'], 'sentence')}</li>",
                f"<li>Tone: {e(_tone_text(n['tone']))}</li>",
            ]
            if n["issues"]:
                moved = ", ".join(
                    f"{i['issue']} {i['share_baseline']:.0%} &rarr; {i['share_today']:.0%}"
                    for i in n["issues"]
                )
                items.append(f"<li>Issues that moved: {moved}</li>")
            for c in n.get("issue_status", []):
                turn = " <b>(a turn)</b>" if c["turn"] else ""
                quote = (
                    f"<blockquote>&ldquo;{e(c['evidence'])}&rdquo;</blockquote>"
                    if c["evidence"]
                    else ""
                )
                items.append(
                    f"<li>Issue {e(c['issue'])}: {e(c['before'])} &rarr; {e(c['after'])}{turn}{quote}</li>"
                )
            for u in n["upcoming"]:
                items.append(f"<li>Coming up: {e(u['date'])}, {e(u['what'])}</li>")
            events = []
            for ev in n["events"]:
                weak = (
                    "" if ev["corroborated"] else ' <span class="weak">not corroborated yet</span>'
                )
                quotes = "".join(
                    f"<blockquote>&ldquo;{e(x['sentence'])}&rdquo; "
                    f'<a href="{e(x["url"] or "")}">{e(x["source"] or "source")}</a></blockquote>'
                    for x in ev["evidence"]
                )
                events.append(
                    f"<p><b>{e(ev['label'].capitalize())} today</b>: "
                    f"{_n(ev['articles'], 'article')}{weak}</p>" + quotes
                )
            parts.append(
                f"<section><h2>{e(n['title'])} <span class='muted'>({e(n['negotiation'])})</span>"
                f"</h2><p><span class='{state_cls}'>{e(n['state'])}</span> "
                + (
                    f"changed today: {e(changed).replace('-&gt;', '&rarr;')}"
                    if changed
                    else "<span class='muted'>unchanged</span>"
                )
                + f"</p>{evidence}<ul>{''.join(items)}</ul>{''.join(events)}</section>"
            )
        body = warning + "".join(parts)
    title = f"Tablewatch morning brief, {brief['day']}"
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{e(title)}</title>"
        f"<style>{_CSS}</style></head><body><h1>{e(title)}</h1>{body}</body></html>\n"
    )


def render(brief: dict[str, Any], fmt: str) -> str:
    """The brief as Markdown, HTML or JSON, with any configured secret redacted."""
    if fmt == "md":
        return redact(to_markdown(brief))
    if fmt == "html":
        return redact(to_html(brief))
    if fmt == "json":
        return redact(json.dumps(brief, indent=2, ensure_ascii=False) + "\n")
    raise TablewatchError(f"unknown brief format {fmt!r}: use one of {', '.join(FORMATS)}")


def _mrkdwn(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_payload(brief: dict[str, Any]) -> dict[str, Any]:
    """Slack-compatible: ``text`` for the notification, one section per negotiation."""
    failures = _failures_text(brief)
    if brief["nothing_new"]:
        line = one_line(brief) + (f"\n{failures}" if failures else "")
        return {
            "text": f"[Tablewatch] {line}",
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": _mrkdwn(line)}}],
        }
    head = f"Morning brief {brief['day']}"
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": head}}
    ]
    if failures:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _mrkdwn(failures)}})
    for n in brief["negotiations"]:
        changed = "; ".join(_change_text(c) for c in n["changes"])
        lines = [
            f"*{_mrkdwn(n['title'])}*: *{n['state']}*"
            + (f" (changed today: {_mrkdwn(changed)})" if changed else ""),
            f"Tone: {_mrkdwn(_tone_text(n['tone']))}",
        ]
        for ev in n["events"]:
            weak = "" if ev["corroborated"] else " (not corroborated yet)"
            lines.append(f"{ev['label'].capitalize()} today: {_n(ev['articles'], 'article')}{weak}")
            for x in ev["evidence"][:1]:
                lines.append(
                    f"> {_mrkdwn(x['sentence'])} <{x['url']}|{_mrkdwn(x['source'] or '')}>"
                )
        for c in n.get("issue_status", []):
            turn = " *(a turn)*" if c["turn"] else ""
            lines.append(f"Issue {_mrkdwn(c['issue'])}: {c['before']} -> {c['after']}{turn}")
        for u in n["upcoming"]:
            lines.append(f"Coming up: {u['date']} {_mrkdwn(u['what'])}")
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)[:2900]}}
        )
    summary = ", ".join(f"{n['negotiation']}: {n['state']}" for n in brief["negotiations"])
    return {"text": f"[Tablewatch] {head}: {summary}", "blocks": blocks[:50]}


def redact(text: str, env: Mapping[str, str] | None = None) -> str:
    """Belt and braces: no configured secret (or the URL carrying one) ever leaves in a brief."""
    env = os.environ if env is None else env
    for name in SECRET_ENV:
        value = (env.get(name) or "").strip()
        if len(value) >= 6:
            text = text.replace(value, "[redacted]")
    return text


# ---------------------------------------------------------------- storing and sending


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from duckdb_tables() where table_name = $n and schema_name = 'main'",
            {"n": name},
        ).fetchone()[0]
    )


def _stored(con: duckdb.DuckDBPyConnection, bid: str) -> dict[str, Any] | None:
    if not _has_table(con, "briefs"):
        return None
    row = con.execute("select content from briefs where brief_id = $id", {"id": bid}).fetchone()
    if row is None:
        return None
    return json.loads(row[0]) if isinstance(row[0], str) else row[0]


def _sent(con: duckdb.DuckDBPyConnection, bid: str) -> set[str]:
    if not _has_table(con, "brief_deliveries"):
        return set()
    rows = con.execute(
        "select channel from brief_deliveries where brief_id = $id and status = 'sent'",
        {"id": bid},
    ).fetchall()
    return {r[0] for r in rows}


def _store(
    con: duckdb.DuckDBPyConnection,
    bid: str,
    day: dt.date,
    negotiation: str | None,
    brief: dict[str, Any],
) -> bool:
    """Write the brief unless a row for its id exists; True when this call wrote it."""
    if _stored(con, bid) is not None:
        return False
    con.execute(
        "insert into briefs (brief_id, day, negotiation, nothing_new, content, created_at) "
        "values ($id, $day, $neg, $nothing, cast($content as json), $now) on conflict do nothing",
        {
            "id": bid,
            "day": day,
            "neg": negotiation,
            "nothing": brief["nothing_new"],
            "content": json.dumps(brief, ensure_ascii=False),
            "now": _now(),
        },
    )
    return True


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _send(channel: Any, brief: dict[str, Any], text: str, key: str) -> None:
    """The Slack-compatible payload on a webhook (keyed by the brief's id, on which a receiver
    dedupes a resend), the Markdown text by e-mail."""
    send_json = getattr(channel, "send_json", None)
    if callable(send_json):
        payload = json.loads(redact(json.dumps(slack_payload(brief), ensure_ascii=False)))
        send_json(payload, key=key)
    else:
        channel.send_text(redact(text))


def run_brief(
    db_path: str | Path,
    day: str | dt.date,
    negotiation: str | None = None,
    config_path: str | Path | None = None,
    deliver: bool = True,
) -> dict[str, Any]:
    """Build (or reuse the stored) brief of ``day``, store it once, send it once per channel.

    Returns {brief_id, brief, markdown, sent, failed, new}. The network is never touched while
    the write lock is held; outcomes are recorded in a second short write session.
    """
    from alerts.deliver import channels_from_env, with_retries
    from alerts.store import record_deliveries, utcnow
    from warehouse.db import connect_read, connect_write

    cfg = load_alerts_config(config_path)
    try:
        day = as_date(day)
    except ValueError:
        raise TablewatchError(f"not a date (expected YYYY-MM-DD): {day!r}") from None
    bid = brief_id(day, negotiation)
    with connect_read(db_path) as con:
        stored = _stored(con, bid)
        brief = stored
        if brief is None and _has_table(con, "sentences"):
            brief = build_brief(con, day, cfg, negotiation)
        sent = _sent(con, bid)
    if brief is None:
        brief = {"day": day.isoformat(), "negotiation": negotiation, "nothing_new": True,
                 "negotiations": [], "crawl_failures": []}  # fmt: skip
    new = False
    if stored is None:
        with connect_write(db_path) as con:
            new = _store(con, bid, day, negotiation, brief)
            brief = _stored(con, bid) or brief
            sent = _sent(con, bid)
    text = redact(to_markdown(brief))
    channels = [c for c in channels_from_env(cfg.delivery) if c.name not in sent] if deliver else []
    outcomes = []
    for ch in channels:
        status, attempts, error = with_retries(
            lambda c=ch: _send(c, brief, text, bid), cfg.delivery
        )
        outcomes.append(
            {
                "channel": ch.name,
                "status": status,
                "attempts": attempts,
                "error": error,
                "at": utcnow(),
            }
        )
    if outcomes:
        with connect_write(db_path) as con:
            record_deliveries(con, [{**o, "brief_id": bid} for o in outcomes], key="brief_id")
    failed = [o["channel"] for o in outcomes if o["status"] != "sent"]
    if failed:
        log.warning("brief %s: %s failed; retried on the next run", day, ", ".join(failed))
    return {
        "brief_id": bid,
        "brief": brief,
        "markdown": text,
        "new": new,
        "sent": [o["channel"] for o in outcomes if o["status"] == "sent"],
        "failed": failed,
    }
