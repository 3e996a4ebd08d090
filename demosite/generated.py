"""A large, deterministic site for crawl-scaling benchmarks: article ``i`` is computed on demand.

Index 0 is the newest article; dates fall evenly over five years ending with the demo storyline,
so "newest first" is just index order and an ``as_of`` cut is one division. Text comes from an
original sentence pool (generated_text.yaml) about the watched negotiations, so the relevance
gate keeps most pages, while every twelfth page is box-office filler it should drop.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from demosite.catalog import _Stride
from demosite.corpus import Article
from demosite.outlets import OutletSpec
from kernel.watchlist import load_watchlist

TEXT_FILE = Path(__file__).resolve().parent / "generated_text.yaml"
END = dt.date(2026, 7, 31)
SPAN_DAYS = 5 * 365
FILLER_EVERY = 12
_PHASES = ("open", "progress", "gap", "breakdown", "strike", "agreement")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
_INDEX = re.compile(r"-g(\d+)/?$")


@lru_cache(maxsize=1)
def _pool() -> dict[str, Any]:
    return yaml.safe_load(TEXT_FILE.read_text(encoding="utf-8"))


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60]


class GeneratedCatalog:
    """``n`` articles spread round-robin over the outlets; nothing is stored per article."""

    def __init__(self, n: int, specs: Sequence[OutletSpec], seed: int = 2026) -> None:
        if n < 1:
            raise ValueError("generated site needs at least one article")
        self.n = n
        self.seed = seed
        self._specs = tuple(specs)
        self._outlet_index = {s.name: k for k, s in enumerate(self._specs)}
        pool = _pool()
        self._windows = [
            (w.id, w.start, w.end) for w in load_watchlist() if w.id in pool["negotiations"]
        ]

    def published(self, i: int) -> dt.date:
        return END - dt.timedelta(days=(i * SPAN_DAYS) // self.n)

    def _first_index(self, as_of: dt.date | None) -> int:
        """Smallest index published on or before ``as_of`` (dates fall as the index grows)."""
        if as_of is None:
            return 0
        d = (END - as_of).days
        return 0 if d <= 0 else -(-(d * self.n) // SPAN_DAYS)

    def listing(self, outlet: str, as_of: dt.date | None) -> Sequence[Article]:
        k = self._outlet_index.get(outlet)
        if k is None:
            return ()
        m = len(self._specs)
        i0 = self._first_index(as_of)
        start = i0 + (k - i0) % m
        return _Stride(self.article, start, self.n, m)

    def section(self, outlet: str, as_of: dt.date | None) -> Sequence[Article]:
        """Everything: filtering a lazy listing would cost a pass over it on every request."""
        return self.listing(outlet, as_of)

    def all(self) -> Sequence[Article]:
        return _Stride(self.article, 0, self.n, 1)

    def find(self, outlet: str, path: str) -> Article | None:
        match = _INDEX.search(path)
        if not match:
            return None
        i = int(match.group(1))
        if i >= self.n or self._specs[i % len(self._specs)].name != outlet:
            return None
        art = self.article(i)
        spec = self._specs[i % len(self._specs)]
        return art if spec.article_url_path(art.slug, art.published) == path else None

    def _negotiation(self, day: dt.date, rng: random.Random) -> str:
        covering = [nid for nid, lo, hi in self._windows if lo <= day <= hi]
        if covering:
            return rng.choice(covering)
        return min(
            self._windows, key=lambda w: min(abs((w[1] - day).days), abs((w[2] - day).days))
        )[0]

    def article(self, i: int) -> Article:
        """Article ``i``, identical on every call and every machine (seeded by index)."""
        pool = _pool()
        rng = random.Random(f"{self.seed}-{i}")
        day = self.published(i)
        filler = i % FILLER_EVERY == FILLER_EVERY - 1
        nid = None if filler else self._negotiation(day, rng)
        words: dict[str, Any] = dict(pool["negotiations"][nid]) if nid else {}
        issues = rng.sample(pool["issues"], 2)
        words.update(
            issue=issues[0],
            issue2=issues[1],
            weekday=rng.choice(_WEEKDAYS),
            person=rng.choice(pool["people"]),
            studio_person=rng.choice(pool["studio_people"]),
            studio=rng.choice(pool["studios"]),
            studios=rng.choice(pool["studios"]),
            pct=rng.randint(78, 98),
            days=rng.randint(3, 90),
        )
        if filler:
            phase = "filler"
            sents = rng.sample(pool["sentences"]["filler"], 5)
        else:
            phase = rng.choice(_PHASES)
            own = pool["sentences"][phase]
            picked = rng.sample(own, min(len(own), 4))
            rest = picked[1:] + rng.sample(pool["sentences"]["context"], 4)
            rng.shuffle(rest)
            sents = picked[:1] + rest
        text = [_capital(s.format(**words)) for s in sents]
        title = rng.choice(pool["headlines"][phase]).format(**words)
        title = _capital(title)
        paragraphs = tuple(" ".join(text[j : j + 3]) for j in range(0, len(text), 3))
        return Article(
            id=f"gen-{i:06d}",
            outlet=self._specs[i % len(self._specs)].name,
            published=day,
            title=title,
            author=rng.choice(pool["people"]),
            slug=f"{_slugify(title)}-g{i}",
            negotiation=nid,
            syndicated_from=None,
            paragraphs=paragraphs,
        )
