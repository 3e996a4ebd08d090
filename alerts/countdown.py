"""'N days to contract expiry': the next milestone of a negotiation, as alerts and the brief say it.

Milestones come from the warehouse view ``v_milestones`` (the watchlist's dates and those stated in
coverage published by the day in question); the next one counts when it falls on the day or at most
``countdown.within_days`` (alerts.yaml) after it. A date known only to its month or season
(``date_precision``) counts while its period is not over and reads "contract expiry in August":
stored as the 1st, a day count to it would be false. One query for every alert of a run.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import pandas as pd

from kernel.milestones import period_words

#: the milestone kinds (kernel.labels.MILESTONE_KINDS) in words
KIND_WORDS = {
    "contract_expiry": "contract expiry",
    "extension": "extended contract expiry",
    "strike_vote": "strike vote",
    "strike_start": "strike start",
    "ratification_vote": "ratification vote",
    "deadline": "deadline",
}

_NEXT_SQL = """
select q.key, m.date, m.kind, m.label, m.source, m.date_precision, m.last_date
from countdown_spec as q
inner join v_milestones as m
    on m.negotiation = q.negotiation
    and m.last_date >= cast(q.day as date)
    and m.date <= cast(q.day as date) + cast($within as integer)
    and (m.source = 'watchlist' or m.published <= cast(q.day as date))
qualify row_number() over (
    partition by q.key order by m.date, m.source = 'coverage', m.kind, m.label
) = 1
"""


def kind_words(kind: str) -> str:
    return KIND_WORDS.get(kind, kind.replace("_", " "))


def countdown_text(
    days: int,
    kind: str,
    precision: str = "day",
    date: dt.date | None = None,
    today: dt.date | None = None,
    last_date: dt.date | None = None,
) -> str:
    """'12 days to contract expiry', '1 day to strike vote', 'ratification vote today', and for a
    date known only to its month or season 'contract expiry in August'."""
    what = kind_words(kind)
    if precision != "day" and date is not None and today is not None:
        period = period_words(date, precision, today, last_date)
        if period:
            return f"{what} {period}"
    if days == 0:
        return f"{what} today"
    return f"{days} day{'s' if days != 1 else ''} to {what}"


def next_milestones(
    con: duckdb.DuckDBPyConnection, wanted: list[tuple[str, dt.date]], within_days: int
) -> dict[tuple[str, dt.date], dict[str, Any]]:
    """For each (negotiation, day), its next milestone in [day, day + within_days], if any."""
    if not wanted:
        return {}
    keys = sorted(set(wanted))
    spec = pd.DataFrame(
        {
            "key": range(len(keys)),
            "negotiation": [n for n, _ in keys],
            "day": [d.isoformat() for _, d in keys],
        }
    )
    con.register("countdown_spec", spec)
    try:
        rows = con.execute(_NEXT_SQL, {"within": within_days}).fetchall()
    finally:
        con.unregister("countdown_spec")
    out = {}
    for key, date, kind, label, source, precision, last_date in rows:
        neg, day = keys[key]
        days = max((date - day).days, 0)
        out[(neg, day)] = {
            "date": date.isoformat(),
            "kind": kind,
            "label": label,
            "source": source,
            "days": days,
            "precision": precision,
            "text": countdown_text(days, kind, precision, date, day, last_date),
        }
    return out


def attach_countdown(con: duckdb.DuckDBPyConnection, alerts: list[Any], within_days: int) -> None:
    """details['countdown'] on every alert whose negotiation has a milestone that close to the
    alert's day (absent otherwise), so the stored alert and every send say the same."""
    found = next_milestones(con, [(a.negotiation, a.detected_on) for a in alerts], within_days)
    for a in alerts:
        hit = found.get((a.negotiation, a.detected_on))
        if hit is not None:
            a.details["countdown"] = hit
