"""Detection: which negotiations turned as of a day, from the warehouse views alone.

Tone shifts and surges are one set-based query (``sql/detect.sql``): a dense per-negotiation
calendar with rolling window sums (so the statistic of every past day is what a run on that day
would have seen), the detectors, and gaps-and-islands episodes over the triggered days; an alert is
raised once per episode and its id hashes the episode's first day, which makes reruns and backfills
idempotent whatever order the days are run in. Table events are changes of state of the episode
model (``alerts/state.py`` over the corroborated events of ``sql/events.sql``), with ids hashing
the day of the change. Issue turns (``alerts/turns.py``) compare each day's issue board with the day
before's, with ids hashing the issue, its new status and the day.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from alerts.model import Alert, alert_id
from alerts.settings import Detection
from alerts.turns import issue_turn_alerts
from kernel.days import as_date

SQL_DIR = Path(__file__).resolve().parent / "sql"


def _sql(name: str) -> str:
    return (SQL_DIR / name).read_text(encoding="utf-8")


def _params(day: dt.date, since: dt.date, cfg: Detection) -> tuple[dict[str, int], dict[str, Any]]:
    t, su = cfg.tone_shift, cfg.surge
    frames = {
        "mon_base_pre": t.monitor_baseline_days,
        "tone_recent_pre": t.recent_days - 1,
        "tone_recent_days": t.recent_days,
        "tone_base_pre": t.recent_days + t.baseline_days - 1,
        "surge_recent_pre": su.recent_days - 1,
        "surge_recent_days": su.recent_days,
        "surge_base_pre": su.recent_days + su.baseline_days - 1,
    }
    span = cfg.history_days + max(
        t.recent_days + t.baseline_days, su.recent_days + su.baseline_days, t.monitor_baseline_days
    )
    params = {
        "start": since - dt.timedelta(days=span),
        "since": since,
        "day": day,
        "min_sd": float(t.min_sd),
        "t_enabled": t.enabled,
        "t_min_recent": t.min_recent_sentences,
        "t_min_baseline": t.min_baseline_sentences,
        "t_min_articles": t.min_recent_articles,
        "t_z": float(t.z_threshold),
        "t_min_delta": float(t.min_delta),
        "t_cooldown": t.cooldown_days,
        "t_recent": t.recent_days,
        "t_method": t.method,
        "m_min_day": max(t.monitor_min_day_sentences, 1),
        "m_z": float(t.monitor_z),
        "s_enabled": su.enabled,
        "s_signals": list(su.signals),
        "s_recent": float(su.recent_days),
        "s_baseline": float(su.baseline_days),
        "s_min_expected": max(float(su.min_expected), 1e-9),
        "s_min_baseline": su.min_baseline_sentences,
        "s_min_recent": su.min_recent,
        "s_z": float(su.z_threshold),
        "s_min_ratio": float(su.min_ratio),
        "s_cooldown": su.cooldown_days,
    }
    return frames, params


def triggered(
    con: duckdb.DuckDBPyConnection, day: dt.date, since: dt.date, cfg: Detection
) -> list[dict[str, Any]]:
    """One dict per episode triggered in [since, day], with the day's window figures."""
    frames, params = _params(day, since, cfg)
    sql = _sql("detect.sql")
    for name, value in frames.items():
        sql = sql.replace("{" + name + "}", str(int(value)))
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _f(value: Any, digits: int = 4) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    value = float(value)
    return round(value, digits) if math.isfinite(value) else None


def _details(row: dict[str, Any], cfg: Detection) -> dict[str, Any]:
    d: dict[str, Any] = {"episode_start": row["episode_start"].isoformat()}
    if row["kind"] == "tone_shift" and cfg.tone_shift.method == "monitor":
        c = cfg.tone_shift
        d.update(
            method="monitor",
            day_mean=_f(row["m_day"]),
            baseline_mean=_f(row["mb_mean"]),
            baseline_sd=_f(row["mb_sd"]),
            baseline_days=int(row["mb_days"]),
            previous_day_mean=_f(row["m_prev"]),
            previous_week_mean=_f(row["m_week"]),
            delta=_f(row["m_day"] - row["mb_mean"]),
            recent_mean=_f(row["m_day"]),
            recent_sentences=int(row["n"]),
            recent_articles=int(row["articles"]),
            z=_f(row["statistic"]),
            z_threshold=c.monitor_z,
            min_delta=c.min_delta,
            baseline_start=(row["day"] - dt.timedelta(days=c.monitor_baseline_days)).isoformat(),
            baseline_end=(row["day"] - dt.timedelta(days=1)).isoformat(),
        )
    elif row["kind"] == "tone_shift":
        c = cfg.tone_shift
        d.update(
            method="welch",
            recent_mean=_f(row["tr_mean"]),
            baseline_mean=_f(row["tb_mean"]),
            delta=_f(row["tr_mean"] - row["tb_mean"]),
            recent_sentences=int(row["tr_n"]),
            baseline_sentences=int(row["tb_n"]),
            recent_articles=int(row["tr_articles"]),
            baseline_articles=int(row["tb_articles"]),
            recent_sd=_f(row["tr_sd"]),
            baseline_sd=_f(row["tb_sd"]),
            z=_f(row["statistic"]),
            z_threshold=c.z_threshold,
            min_delta=c.min_delta,
            baseline_start=(
                row["day"] - dt.timedelta(days=c.recent_days + c.baseline_days - 1)
            ).isoformat(),
            baseline_end=(row["day"] - dt.timedelta(days=c.recent_days)).isoformat(),
        )
    elif row["kind"] == "surge":
        c = cfg.surge
        sig = row["direction"]
        expected = row[f"sb_{sig}"] * c.recent_days / c.baseline_days
        d.update(
            signal=sig,
            recent_count=int(row[f"sr_{sig}"]),
            baseline_count=int(row[f"sb_{sig}"]),
            expected=_f(expected),
            ratio=_f(row[f"sr_{sig}"] / expected) if expected else None,
            z=_f(row["statistic"]),
            z_threshold=c.z_threshold,
            min_ratio=c.min_ratio,
            recent_days=c.recent_days,
            baseline_days=c.baseline_days,
        )
    return d


def _evidence_spec(alert: Alert) -> dict[str, Any]:
    if alert.kind == "tone_shift":
        signal, sign = None, -1 if alert.direction == "down" else 1
    elif alert.kind == "signal_event":
        signal, sign = alert.details.get("signal"), 0
    else:
        signal, sign = alert.direction, 0
    return {
        "alert_id": alert.alert_id,
        "negotiation": alert.negotiation,
        "ev_start": alert.window_start,
        "ev_end": alert.window_end,
        "ev_signal": signal,
        "ev_sign": sign,
    }


def attach_evidence(
    con: duckdb.DuckDBPyConnection, alerts: list[Alert], specs: list[dict], k: int
) -> None:
    """One query for the evidence of all alerts (never one per alert)."""
    if not alerts or k <= 0:
        return
    spec = pd.DataFrame(specs).astype({"ev_signal": "object", "ev_sign": "int64"})
    con.register("evidence_spec", spec)
    try:
        rows = con.execute(_sql("evidence.sql"), {"k": k}).df()
    finally:
        con.unregister("evidence_spec")
    by_id: dict[str, list[dict[str, Any]]] = {}
    for rec in rows.to_dict("records"):
        published = rec["published"]
        by_id.setdefault(rec["alert_id"], []).append(
            {
                "sentence": rec["sentence"],
                "url": rec["url"],
                "source": rec["source"],
                "published": pd.Timestamp(published).date().isoformat()
                if pd.notna(published)
                else None,
                "title": rec["title"] if isinstance(rec["title"], str) else None,
                "signal": rec["signal"],
                "tone_score": _f(rec["tone_score"], 3),
            }
        )
    for a in alerts:
        a.evidence = by_id.get(a.alert_id, [])


def attach_drivers(con: duckdb.DuckDBPyConnection, alerts: list[Alert], k: int) -> None:
    """Say what moved each tone alert: the parties whose sentences weigh most, one query."""
    from alerts.state import optional_columns

    tone = [
        a for a in alerts if a.kind == "tone_shift" and a.details.get("baseline_mean") is not None
    ]
    if not tone or k <= 0:
        return
    spec = pd.DataFrame(
        {
            "alert_id": [a.alert_id for a in tone],
            "negotiation": [a.negotiation for a in tone],
            "ev_start": [a.window_start for a in tone],
            "ev_end": [a.window_end for a in tone],
            "baseline": [float(a.details["baseline_mean"]) for a in tone],
            "sign": [-1.0 if a.direction == "down" else 1.0 for a in tone],
        }
    )
    _, speaker, join = optional_columns(con)
    sql = _sql("drivers.sql").replace("{speaker}", speaker).replace("{extra_join}", join)
    con.register("driver_spec", spec)
    try:
        rows = con.execute(sql, {"k": k}).df()
    finally:
        con.unregister("driver_spec")
    by_id: dict[str, list[dict[str, Any]]] = {}
    for rec in rows.to_dict("records"):
        by_id.setdefault(rec["alert_id"], []).append(
            {
                "party": rec["party"],
                "sentences": int(rec["sentences"]),
                "weight": _f(rec["weight"], 3),
                "sentence": rec["top_sentence"],
                "url": rec["top_url"],
                "source": rec["top_source"],
                "tone_score": _f(rec["top_tone"], 3),
            }
        )
    for a in tone:
        a.details["drivers"] = by_id.get(a.alert_id, [])


def _party_keys() -> list[str]:
    """'negotiation|party' for every party at each watched table (a party statement's speaker)."""
    from kernel.watchlist import load_watchlist

    return [f"{n.id}|{p}" for n in load_watchlist() for p in n.parties]


_SIGNAL_OF = {
    "ratified": "agreement",
    "tentative_agreement": "agreement",
    "suspended": "breakdown",
    "on_strike": "strike_action",
    "strike_ended": "strike_action",
    "resumed": "scheduling",
    "contradicted": None,
}


def state_alerts(
    con: duckdb.DuckDBPyConnection, day: dt.date, since: dt.date, cfg: Detection
) -> list[Alert]:
    """One alert per change of a negotiation's state on a day in [since - window_days, day].

    The fold runs over the whole history (``history_days``) so the state a change starts from is
    the one the daily runs would have had; only the changes inside the range become alerts.
    """
    from alerts.state import corroborated_events, fold

    ev = cfg.signal_events
    if not ev.enabled:
        return []
    start = since - dt.timedelta(days=cfg.history_days)
    _, changes = fold(corroborated_events(con, day, start, cfg, _party_keys()), ev.window_days)
    # a change dated a few days back can first become visible today (an article published then
    # was loaded late); the store's anti-join keeps the ones already raised from coming back
    lo = since - dt.timedelta(days=ev.window_days)
    out = []
    for c in changes:
        if not lo <= c.day <= day:
            continue
        e = c.event
        out.append(
            Alert(
                alert_id=alert_id(c.negotiation, "signal_event", c.direction, c.day),
                negotiation=c.negotiation,
                kind="signal_event",
                direction=c.direction,
                window_start=c.day - dt.timedelta(days=ev.window_days - 1),
                window_end=c.day,
                detected_on=c.day,
                statistic=float(e["articles"]),
                details={
                    "episode_start": c.day.isoformat(),
                    "event": e["event"],
                    "signal": _SIGNAL_OF[c.direction]
                    or {"strike": "strike_action", "suspended": "breakdown"}.get(e["event"]),
                    "state_before": c.before,
                    "state_after": c.after,
                    "articles": int(e["articles"]),
                    "outlets": int(e["outlets"]),
                    "sentences": int(e["sentences"]),
                    "corroboration": e["via"],
                    "window_days": ev.window_days,
                },
            )
        )
    return out


def detect(
    con: duckdb.DuckDBPyConnection,
    day: str | dt.date,
    cfg: Detection,
    since: str | dt.date | None = None,
) -> list[Alert]:
    """Alerts whose episode was triggered on a day in [since, day] (default: ``day`` only).

    Each episode yields one alert, dated on its first triggered day inside the range; days
    before ``since`` only serve to tell where an ongoing episode began.
    """
    day = as_date(day)
    since = as_date(since) if since is not None else day
    alerts: list[Alert] = []
    for row in triggered(con, day, since, cfg):
        recent = int(row["recent_days"])
        a = Alert(
            alert_id=alert_id(
                row["negotiation"], row["kind"], row["direction"], row["episode_start"]
            ),
            negotiation=row["negotiation"],
            kind=row["kind"],
            direction=row["direction"],
            window_start=row["day"] - dt.timedelta(days=recent - 1),
            window_end=row["day"],
            detected_on=row["day"],
            statistic=_f(row["statistic"]),
            details=_details(row, cfg),
        )
        alerts.append(a)
    attach_drivers(con, alerts, cfg.tone_shift.drivers)
    alerts += state_alerts(con, day, since, cfg)
    attach_evidence(con, alerts, [_evidence_spec(a) for a in alerts], cfg.evidence_sentences)
    # an issue turn carries the one sentence that decided the board, found with it
    return alerts + issue_turn_alerts(con, day, since, cfg)
