"""The relevance gate: only coverage of a watched negotiation, in its window, is worth annotating."""

from __future__ import annotations

import datetime as dt
import re

from kernel.watchlist import Negotiation

_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2010": "-", "\u2011": "-"})


class RelevanceGate:
    """Aliases match case-insensitively on word boundaries, so "UAW" does not fire inside "squaw"."""

    def __init__(self, negotiations: list[Negotiation]) -> None:
        self._rules: list[tuple[Negotiation, re.Pattern[str]]] = []
        for neg in negotiations:
            names = sorted({a.translate(_QUOTES) for a in neg.aliases}, key=len, reverse=True)
            if names:
                alt = "|".join(re.escape(n) for n in names)
                self._rules.append((neg, re.compile(rf"(?<!\w)(?:{alt})(?!\w)", re.IGNORECASE)))

    def mentioned(self, text: str) -> list[str]:
        """Ids of negotiations whose aliases appear, regardless of date."""
        text = text.translate(_QUOTES)
        return [neg.id for neg, rx in self._rules if rx.search(text)]

    def match(self, text: str, published: str | None) -> list[str]:
        """Ids of negotiations mentioned and covering the published date (undated: benefit of doubt)."""
        day = _parse_day(published)
        text = text.translate(_QUOTES)
        return [neg.id for neg, rx in self._rules if neg.covers(day) and rx.search(text)]


def _parse_day(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None
