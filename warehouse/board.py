"""The issue status board: which issues of a negotiation are settled, narrowing, apart or quiet.

The rules live in one place, the table macro ``issue_status_as_of`` (``views/issue_status_as_of.sql``),
so the CLI's board, the ``v_issue_status`` view, the report and the brief all read the same
statuses. This module only asks it, on the read snapshot.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from kernel.days import as_date
from kernel.errors import TablewatchError
from kernel.labels import ISSUES
from warehouse.db import connect_read

#: every status the board can give, in the order a reader scans them
STATUSES: tuple[str, ...] = ("agreed", "narrowing", "apart", "quiet", "unmentioned")


def issue_board(
    db_path: str | Path,
    negotiation: str,
    as_of: str | dt.date | None = None,
    window_days: int | None = None,
) -> list[dict[str, Any]]:
    """One entry per taxonomy issue (taxonomy order) for ``negotiation`` as of ``as_of``.

    ``as_of`` defaults to the negotiation's latest published day; ``window_days`` to the macro's
    own default. A negotiation the warehouse has never seen gives every issue ``unmentioned``.
    """
    if window_days is not None and window_days < 1:
        raise TablewatchError(f"--window-days must be at least 1, got {window_days}")
    with connect_read(db_path) as con:
        if as_of is None:
            (latest,) = con.execute(
                "select max(published) from v_sentences where negotiation = ?", [negotiation]
            ).fetchone()
            day = latest or dt.datetime.now(dt.UTC).date()
        else:
            day = as_date(as_of, "--as-of")
        window = "" if window_days is None else ", window_days := $window"
        params: dict[str, Any] = {"day": day, "neg": negotiation}
        if window_days is not None:
            params["window"] = window_days
        cur = con.execute(
            f"""
            select issue, status, last_mentioned, progress, gap, agreement,
                evidence, evidence_url, evidence_published, evidence_signal, window_days
            from issue_status_as_of($day{window})
            where negotiation = $neg
            """,
            params,
        )
        columns = [d[0] for d in cur.description]
        rows = {r[0]: dict(zip(columns, r, strict=True)) for r in cur.fetchall()}
    return [_entry(rows.get(issue), issue, day) for issue in ISSUES]


def _entry(row: dict[str, Any] | None, issue: str, day: dt.date) -> dict[str, Any]:
    if row is None:
        row = {"issue": issue, "status": "unmentioned", "last_mentioned": None, "progress": 0}
        row.update(gap=0, agreement=0, evidence=None)
    evidence = None
    if row.get("evidence") is not None:
        evidence = {
            "sentence": row["evidence"],
            "url": row["evidence_url"],
            "published": _iso(row["evidence_published"]),
            "signal": row["evidence_signal"],
        }
    return {
        "issue": issue,
        "status": row["status"],
        "last_mentioned": _iso(row["last_mentioned"]),
        "progress": int(row["progress"]),
        "gap": int(row["gap"]),
        "agreement": int(row["agreement"]),
        "evidence": evidence,
        "as_of": day.isoformat(),
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, dt.date) else value
