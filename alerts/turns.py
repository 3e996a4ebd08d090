"""Issue turns: an issue of the board moving to ``agreed``, or coming apart, is an alert of its own.

The board is the warehouse macro ``issue_status_as_of`` (the same statuses as ``tablewatch board``,
the report and the brief); ``sql/issue_turns.sql`` computes the board of every day of the range and
of the day before it in one query and keeps the configured turns (alerts.yaml,
``detection.issue_turns``). Which moves are turns:

- anything -> ``agreed``: an agreement reported that names the issue, or the deal's terms naming
  it, published that day (the board's evidence; an issue agreed again on old evidence, because a
  gap left the window, raises nothing);
- ``narrowing`` -> ``apart``: the sides were closing in on it and the gap is back;
- ``agreed`` -> ``apart``: a reversal, a settled issue in dispute again. It alerts too: the last
  word people had on that issue was "agreed", and it no longer holds (the episode model takes a
  contradicted agreement back with an alert of its own for the same reason).

``apart`` -> ``narrowing`` (good news on an issue still open) and moves to or from ``quiet`` are
listed in the brief but raise no alert. An alert's id hashes (negotiation, issue, new status, day),
so a rerun or a backfill of the day lands on the stored row and sends nothing new; the quiet period
(``cooldown_days``) keeps an issue flapping across a tie from alerting every day.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb

from alerts.model import Alert, alert_id
from alerts.settings import Detection, IssueTurns

SQL = Path(__file__).resolve().parent / "sql" / "issue_turns.sql"
KIND = "issue_turn"


def is_turn(before: str, after: str, cfg: IssueTurns) -> bool:
    """Whether a board move from ``before`` to ``after`` is one of the configured turns (the
    brief marks the same moves as the alerts raise)."""
    if before == after:
        return False
    return any(
        f"{before}->{after}" == t or f"*->{after}" == t or f"{before}->*" == t for t in cfg.turns
    )


def turn_id(negotiation: str, issue: str, after: str, day: dt.date) -> str:
    """One id per (negotiation, issue, new status, day): the issue is part of the key, so two
    issues agreed on one day are two alerts."""
    return alert_id(negotiation, KIND, f"{issue}|{after}", day)


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, dt.date) else value


def issue_turn_alerts(
    con: duckdb.DuckDBPyConnection, day: dt.date, since: dt.date, cfg: Detection
) -> list[Alert]:
    """One alert per issue turn on a day in [since, day] (board of the day vs the day before)."""
    turns = cfg.issue_turns
    if not turns.enabled or not turns.turns:
        return []
    cur = con.execute(
        SQL.read_text(encoding="utf-8"),
        {
            "since": since,
            "day": day,
            "cooldown": turns.cooldown_days,
            "turns": list(turns.turns),
            "evidence_that_day": turns.agreed_needs_same_day_evidence,
        },
    )
    names = [d[0] for d in cur.description]
    out = []
    for rec in (dict(zip(names, r, strict=True)) for r in cur.fetchall()):
        turn_day, window = rec["day"], int(rec["window_days"])
        evidence = []
        if rec["evidence"] is not None:
            evidence.append(
                {
                    "sentence": rec["evidence"],
                    "url": rec["evidence_url"],
                    "source": rec["evidence_source"],
                    "published": _iso(rec["evidence_published"]),
                    "title": rec["evidence_title"],
                    "signal": rec["evidence_signal"],
                    "tone_score": None,
                }
            )
        out.append(
            Alert(
                alert_id=turn_id(rec["negotiation"], rec["issue"], rec["after"], turn_day),
                negotiation=rec["negotiation"],
                kind=KIND,
                direction=rec["after"],
                window_start=turn_day - dt.timedelta(days=window - 1),
                window_end=turn_day,
                detected_on=turn_day,
                statistic=None,
                details={
                    "episode_start": turn_day.isoformat(),
                    "issue": rec["issue"],
                    "status_before": rec["before"],
                    "status_after": rec["after"],
                    "reversal": rec["before"] == "agreed",
                    "progress": int(rec["progress"]),
                    "gap": int(rec["gap"]),
                    "agreement": int(rec["agreement"]),
                    "progress_before": int(rec["before_progress"]),
                    "gap_before": int(rec["before_gap"]),
                    "agreement_before": int(rec["before_agreement"]),
                    "window_days": window,
                    "cooldown_days": turns.cooldown_days,
                },
                evidence=evidence,
            )
        )
    return out
