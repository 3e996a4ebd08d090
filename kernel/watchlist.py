"""The watchlist: which negotiations Tablewatch follows, who sits at each table, how coverage names it.

Every stage reads it (the crawler's relevance gate, the NLP's negotiation component, the report and
the demo site), so it lives in the kernel. The default ships as ``kernel/watchlist.yaml``; any other
file can be given on the command line.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from kernel.config import config_date, read_yaml, str_list
from kernel.errors import ConfigError
from kernel.labels import PARTIES

DEFAULT_WATCHLIST = Path(__file__).resolve().parent / "watchlist.yaml"


@dataclass(frozen=True)
class Negotiation:
    """A watched negotiation: who sits at the table, how coverage names it, and when it runs."""

    id: str
    title: str
    parties: tuple[str, ...]
    aliases: tuple[str, ...]
    start: dt.date
    end: dt.date

    def covers(self, day: dt.date | None) -> bool:
        """Undated coverage is given the benefit of the doubt."""
        return day is None or self.start <= day <= self.end


def load_watchlist(path: str | Path | None = None) -> list[Negotiation]:
    """Read the watchlist; raises ConfigError naming the bad entry."""
    path = Path(path) if path else DEFAULT_WATCHLIST
    data = read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("negotiations"), list):
        raise ConfigError(f"{path}: expected a mapping with a 'negotiations' list")
    out: list[Negotiation] = []
    for i, raw in enumerate(data["negotiations"]):
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
            raise ConfigError(f"{path}: negotiations[{i}] needs an 'id'")
        nid = raw["id"]
        parties = str_list(raw.get("parties"), f"{path}: {nid}.parties")
        bad = [p for p in parties if p not in PARTIES]
        if bad:
            raise ConfigError(f"{path}: {nid}.parties has unknown labels {bad}; allowed: {PARTIES}")
        neg = Negotiation(
            id=nid,
            title=str(raw.get("title") or nid),
            parties=parties,
            aliases=str_list(raw.get("aliases"), f"{path}: {nid}.aliases"),
            start=config_date(raw.get("start"), f"{path}: {nid}.start"),
            end=config_date(raw.get("end"), f"{path}: {nid}.end"),
        )
        if neg.end < neg.start:
            raise ConfigError(f"{path}: {nid} ends before it starts")
        out.append(neg)
    return out
