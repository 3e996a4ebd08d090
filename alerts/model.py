"""The Alert record handed from detection to storage, delivery and the CLI."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

KINDS = ("tone_shift", "signal_event", "surge", "issue_turn")


def alert_id(negotiation: str, kind: str, direction: str, episode_start: dt.date) -> str:
    """Deterministic, so a rerun or a backfill of any day of one episode lands on the same row."""
    key = f"{negotiation}|{kind}|{direction}|{episode_start.isoformat()}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


@dataclass
class Alert:
    """One alert episode as stored in table ``alerts`` (plus nothing that is not stored)."""

    alert_id: str
    negotiation: str
    kind: str
    direction: str
    window_start: dt.date
    window_end: dt.date
    detected_on: dt.date
    statistic: float | None
    details: dict[str, Any] = field(default_factory=dict)
    evidence: list[dict[str, Any]] = field(default_factory=list)

    @property
    def episode_start(self) -> dt.date:
        return dt.date.fromisoformat(self.details["episode_start"])
