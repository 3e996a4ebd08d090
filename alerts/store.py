"""Reading and writing the ``alerts`` table and the delivery tables of alerts and briefs, set-based."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import duckdb
import pandas as pd

from alerts.model import Alert

_ALERT_COLS = (
    "alert_id, negotiation, kind, direction, window_start, window_end, detected_on, "
    "statistic, details, evidence"
)


def utcnow() -> dt.datetime:
    """Naive UTC, as every TIMESTAMP column of the alert tables is documented."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _alerts_frame(alerts: list[Alert]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "alert_id": [a.alert_id for a in alerts],
            "negotiation": [a.negotiation for a in alerts],
            "kind": [a.kind for a in alerts],
            "direction": [a.direction for a in alerts],
            "window_start": [a.window_start.isoformat() for a in alerts],
            "window_end": [a.window_end.isoformat() for a in alerts],
            "detected_on": [a.detected_on.isoformat() for a in alerts],
            "statistic": pd.Series([a.statistic for a in alerts], dtype="float64"),
            "details": [json.dumps(a.details, sort_keys=True) for a in alerts],
            "evidence": [json.dumps(a.evidence, ensure_ascii=False) for a in alerts],
        }
    )


def new_alerts(con: duckdb.DuckDBPyConnection, alerts: list[Alert]) -> list[Alert]:
    """The alerts whose id is not stored yet (what a dry run would add)."""
    if not alerts:
        return []
    ids = [a.alert_id for a in alerts]
    known = {
        r[0]
        for r in con.execute(
            "select alert_id from alerts where alert_id in (select unnest($ids))", {"ids": ids}
        ).fetchall()
    }
    return [a for a in alerts if a.alert_id not in known]


def insert_alerts(con: duckdb.DuckDBPyConnection, alerts: list[Alert]) -> list[Alert]:
    """Store the alerts not stored yet, in one statement; returns those that were new."""
    fresh = new_alerts(con, alerts)
    if not fresh:
        return []
    frame = _alerts_frame(fresh)
    con.register("new_alerts_df", frame)
    try:
        con.execute(
            f"""
            insert into alerts ({_ALERT_COLS}, created_at)
            select alert_id, negotiation, kind, direction, cast(window_start as date),
                   cast(window_end as date), cast(detected_on as date), statistic,
                   cast(details as json), cast(evidence as json), $now
            from new_alerts_df
            on conflict do nothing
            """,
            {"now": utcnow()},
        )
    finally:
        con.unregister("new_alerts_df")
    return fresh


def _row_to_alert(row: tuple) -> Alert:
    (aid, neg, kind, direction, ws, we, det, stat, details, evidence) = row
    return Alert(
        aid,
        neg,
        kind,
        direction,
        ws,
        we,
        det,
        stat,
        json.loads(details) if isinstance(details, str) else (details or {}),
        json.loads(evidence) if isinstance(evidence, str) else (evidence or []),
    )


def pending(
    con: duckdb.DuckDBPyConnection, channels: list[str], oldest: dt.date
) -> dict[str, list[Alert]]:
    """Per channel, the alerts detected on/after ``oldest`` that were never sent on it."""
    out: dict[str, list[Alert]] = {}
    for channel in channels:
        rows = con.execute(
            f"""
            select {_ALERT_COLS}
            from alerts as a
            where a.detected_on >= $oldest
              and not exists (
                  select 1 from alert_deliveries as d
                  where d.alert_id = a.alert_id and d.channel = $channel and d.status = 'sent'
              )
            order by a.detected_on, a.negotiation, a.kind, a.direction
            """,
            {"oldest": oldest, "channel": channel},
        ).fetchall()
        out[channel] = [_row_to_alert(r) for r in rows]
    return out


#: the delivery table of each thing sent, by its id column (identifiers are never taken from input)
_DELIVERY_TABLES = {"alert_id": "alert_deliveries", "brief_id": "brief_deliveries"}


def record_deliveries(
    con: duckdb.DuckDBPyConnection, outcomes: list[dict[str, Any]], key: str = "alert_id"
) -> None:
    """Upsert one row per (alert, channel), or per (brief, channel) with ``key="brief_id"``, in one
    statement: attempts accumulate over runs, 'sent' is final. Each outcome carries its id under
    ``key``, and channel, status, attempts, error, at."""
    if not outcomes:
        return
    table = _DELIVERY_TABLES[key]
    frame = pd.DataFrame(
        {
            "item_id": [o[key] for o in outcomes],
            "channel": [o["channel"] for o in outcomes],
            "status": [o["status"] for o in outcomes],
            "attempts": pd.Series([o["attempts"] for o in outcomes], dtype="int64"),
            "last_error": pd.Series([o.get("error") for o in outcomes], dtype="object"),
            "attempted_at": pd.Series([o["at"] for o in outcomes], dtype="datetime64[us]"),
        }
    )
    con.register("delivery_df", frame)
    try:
        con.execute(
            f"""
            insert into {table} as d
                ({key}, channel, status, attempts, last_error, last_attempt_at, delivered_at)
            select item_id, channel, status, cast(attempts as integer), last_error,
                   attempted_at, case when status = 'sent' then attempted_at end
            from delivery_df
            on conflict ({key}, channel) do update set
                status = excluded.status,
                attempts = d.attempts + excluded.attempts,
                last_error = excluded.last_error,
                last_attempt_at = excluded.last_attempt_at,
                delivered_at = coalesce(d.delivered_at, excluded.delivered_at)
            where d.status <> 'sent'
            """
        )
    finally:
        con.unregister("delivery_df")
