"""The watchlist: which negotiations Tablewatch follows, who sits at each table, how coverage names it.

Every stage reads it (the crawler's relevance gate, the NLP's negotiation component, the report and
the demo site), so it lives in the kernel. The default ships as ``kernel/watchlist.yaml``; any other
file can be given on the command line (``--watchlist FILE``).

The file is validated strictly, because a mistake here fails silently downstream: an ``alias:``
typo once loaded a negotiation with no aliases, so the crawler kept nothing about it. Unknown keys,
duplicate ids, an empty list, missing aliases and impossible dates are one-line errors naming the
file and the entry.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from kernel.config import read_yaml
from kernel.errors import ConfigError
from kernel.labels import MILESTONE_KINDS, PARTIES

DEFAULT_WATCHLIST = Path(__file__).resolve().parent / "watchlist.yaml"


@dataclass(frozen=True)
class Milestone:
    """A dated step on a negotiation's timeline (a contract's expiry, a strike vote, ...)."""

    date: dt.date
    kind: str  #: one of kernel.labels.MILESTONE_KINDS
    label: str


@dataclass(frozen=True)
class Negotiation:
    """A watched negotiation: who sits at the table, how coverage names it, and when it runs."""

    id: str
    title: str
    parties: tuple[str, ...]
    aliases: tuple[str, ...]
    start: dt.date
    end: dt.date
    milestones: tuple[Milestone, ...] = ()

    def covers(self, day: dt.date | None) -> bool:
        """Undated coverage is given the benefit of the doubt."""
        return day is None or self.start <= day <= self.end


def _strings(value: Any) -> Any:
    """A lone string counts as a list of one; entries are stripped, blank ones rejected."""
    if isinstance(value, str):
        value = [value]
    if isinstance(value, list):
        out = []
        for v in value:
            if not isinstance(v, str) or not v.strip():
                raise ValueError(f"must be a list of non-empty strings, got {v!r} in it")
            out.append(v.strip())
        return out
    return value


def _calendar_day(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        raise ValueError(f"must be a date YYYY-MM-DD without a time, got {value.isoformat()}")
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"must be a date YYYY-MM-DD, got {value!r}") from None


class _Milestone(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    date: dt.date
    kind: str
    label: str

    @field_validator("date", mode="before")
    @classmethod
    def _day(cls, value: Any) -> Any:
        return _calendar_day(value)

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        if value not in MILESTONE_KINDS:
            raise ValueError(f"{value!r} is not a milestone kind; allowed: {list(MILESTONE_KINDS)}")
        return value

    @field_validator("label")
    @classmethod
    def _label(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value.strip()


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    id: str
    title: str | None = None
    parties: list[str]
    aliases: list[str]
    start: dt.date
    end: dt.date
    milestones: list[_Milestone] = []

    @field_validator("id", mode="before")
    @classmethod
    def _id(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            raise ValueError("must not be empty")
        return value.strip() if isinstance(value, str) else value

    @field_validator("parties", "aliases", mode="before")
    @classmethod
    def _lists(cls, value: Any) -> Any:
        return _strings(value)

    @field_validator("aliases")
    @classmethod
    def _some_alias(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("needs at least one alias (how coverage names the negotiation)")
        return value

    @field_validator("parties")
    @classmethod
    def _known_parties(cls, value: list[str]) -> list[str]:
        bad = [p for p in value if p not in PARTIES]
        if bad:
            raise ValueError(f"has unknown labels {bad}; allowed: {list(PARTIES)}")
        return value

    @field_validator("start", "end", mode="before")
    @classmethod
    def _days(cls, value: Any) -> Any:
        return _calendar_day(value)


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    negotiations: list[dict[str, Any]]


def _reason(exc: ValidationError) -> str:
    """Pydantic's errors as one line: ``field: message; field: message``."""
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key (a typo?)"
        elif err["type"] == "missing":
            msg = "is required"
        parts.append(f"{where}: {msg}" if where else msg)
    return "; ".join(parts)


def load_watchlist(path: str | Path | None = None) -> list[Negotiation]:
    """Read and validate the watchlist; raises a one-line ConfigError naming the file and entry."""
    path = Path(path) if path else DEFAULT_WATCHLIST
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping with a 'negotiations' list")
    try:
        entries = _File.model_validate(data).negotiations
    except ValidationError as exc:
        raise ConfigError(f"{path}: {_reason(exc)}") from None
    if not entries:
        raise ConfigError(f"{path}: the 'negotiations' list is empty: nothing would be watched")
    out: list[Negotiation] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(entries):
        raw_id = raw.get("id")
        name = f"negotiations[{i}]" + (f" ({raw_id})" if isinstance(raw_id, str) else "")
        try:
            entry = _Entry.model_validate(raw)
        except ValidationError as exc:
            raise ConfigError(f"{path}: {name}: {_reason(exc)}") from None
        if entry.id in seen:
            raise ConfigError(
                f"{path}: {name}: duplicate id {entry.id!r} (first at negotiations[{seen[entry.id]}])"
            )
        seen[entry.id] = i
        if entry.end < entry.start:
            raise ConfigError(
                f"{path}: {name}: ends before it starts ({entry.end} < {entry.start})"
            )
        out.append(
            Negotiation(
                id=entry.id,
                title=entry.title or entry.id,
                parties=tuple(entry.parties),
                aliases=tuple(entry.aliases),
                start=entry.start,
                end=entry.end,
                milestones=tuple(
                    Milestone(m.date, m.kind, m.label)
                    for m in sorted(entry.milestones, key=lambda m: (m.date, m.kind))
                ),
            )
        )
    return out
