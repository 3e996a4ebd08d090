"""The alerts stage: detect as of a day, store each episode once, deliver what is pending.

The network is never touched while the warehouse write lock is held: detection and storage run in
one write session, sending happens outside it, and the outcomes are recorded in a second short
session. A failed send is stored as 'failed' and picked up again by the next run; a 'sent' one is
never selected again, so nothing is lost and nothing is sent twice by us. A send whose outcome is
'unknown' (sent, no answer in time) is tried again on the next run only, with the same alert_id
as idempotency key, so a receiver that dedupes on it shows it once.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import duckdb

from alerts import store
from alerts.countdown import attach_countdown
from alerts.deliver import channels_from_env, deliver, with_retries
from alerts.detect import detect
from alerts.model import Alert
from alerts.settings import load_alerts_config
from kernel.days import as_date
from kernel.errors import TablewatchError

log = logging.getLogger("tablewatch.alerts")


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return (
        con.execute(
            "select count(*) from duckdb_tables() where table_name = $n and schema_name = 'main'",
            {"n": name},
        ).fetchone()[0]
        > 0
    )


def run_alerts(
    db_path: str | Path,
    day: str | dt.date,
    config_path: str | Path | None = None,
    dry_run: bool = False,
    since: str | dt.date | None = None,
    deliver_alerts: bool = True,
) -> list[Alert]:
    """Alerts first raised by this run for ``day`` (dry run: those it would raise, writing nothing).

    Each alert whose negotiation has a milestone within ``countdown.within_days`` of its day
    carries it (``details.countdown``: "N days to contract expiry").

    With ``since``, every day of ``[since, day]`` is evaluated in one pass (a backfill: each
    episode still yields one alert, dated on the day it was first triggered).
    ``deliver_alerts=False`` stores the alerts but sends nothing (the demo's invented storyline must
    never reach a real channel configured in the environment).

    Detection reads the published snapshot, so the usual day (nothing new, nothing pending) never
    takes the write lock; the writer opens only to store new alerts and record deliveries, and the
    anti-join against the real table there keeps ids unique whatever the snapshot said.
    """
    from warehouse.db import connect_read, connect_write

    cfg = load_alerts_config(config_path)
    try:
        day = as_date(day)
        since = as_date(since) if since is not None else None
    except ValueError:
        raise TablewatchError(f"not a date (expected YYYY-MM-DD): {day!r}") from None
    channels = channels_from_env(cfg.delivery) if deliver_alerts and not dry_run else []
    names = [c.name for c in channels]
    oldest = day - dt.timedelta(days=cfg.delivery.max_age_days)
    with connect_read(db_path) as con:
        found = detect(con, day, cfg.detection, since=since) if _has_table(con, "sentences") else []
        attach_countdown(con, found, cfg.countdown.within_days)
        stored = _has_table(con, "alerts")
        candidates = store.new_alerts(con, found) if stored else found
        todo = store.pending(con, names, oldest) if names and stored else {}
    if dry_run:
        return candidates
    fresh: list[Alert] = []
    if candidates:
        with connect_write(db_path) as con:
            fresh = store.insert_alerts(con, candidates)
            todo = store.pending(con, names, oldest) if names else {}
    log.info("alerts %s: %d new, %d to deliver", day, len(fresh), sum(map(len, todo.values())))
    if any(todo.values()):
        outcomes = deliver(todo, channels, cfg.delivery, store.utcnow)
        with connect_write(db_path) as con:
            store.record_deliveries(con, outcomes)
        failed = [o for o in outcomes if o["status"] != "sent"]
        if failed:
            log.warning(
                "%d deliveries failed or have an unknown outcome; the next run tries them "
                "again: %s",
                len(failed),
                failed[0]["error"],
            )
    return fresh


def notify_failure(message: str, config_path: str | Path | None = None) -> dict[str, str]:
    """Send a plain message on every configured channel; never raises (used in failure callbacks).

    Returns {channel: "sent" | "failed: <error>" | "unknown: <error>"}; empty when no channel is
    configured.
    """
    try:
        cfg = load_alerts_config(config_path)
        channels = channels_from_env(cfg.delivery)
    except TablewatchError as exc:
        log.error("cannot notify failure (%s): %s", exc, message)
        return {}
    result: dict[str, str] = {}
    for ch in channels:
        status, _, error = with_retries(lambda c=ch: c.send_text(message), cfg.delivery)
        result[ch.name] = "sent" if status == "sent" else f"{status}: {error}"
    return result
