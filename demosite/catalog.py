"""What an outlet has published as of a day: listings newest first, and lookup by URL path.

Two catalogs share one interface so the server never cares where articles come from: the
written corpus (held in memory, a few dozen files) and the generated site (computed per index,
never materialised, so 20,000 articles cost no memory).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Protocol

from demosite.corpus import Article
from demosite.outlets import OutletSpec


class Catalog(Protocol):
    def listing(self, outlet: str, as_of: dt.date | None) -> Sequence[Article]:
        """Articles of ``outlet`` published on or before ``as_of``, newest first."""
        ...

    def section(self, outlet: str, as_of: dt.date | None) -> Sequence[Article]:
        """The labour-desk listing: what the outlet files under its negotiations section."""
        ...

    def find(self, outlet: str, path: str) -> Article | None:
        """The article served at ``path`` (query string already removed), or None."""
        ...

    def all(self) -> Sequence[Article]:
        """Every article of every outlet, newest first."""
        ...


class CorpusCatalog:
    """The written storyline: small enough to index every URL up front."""

    def __init__(self, articles: Sequence[Article], specs: Sequence[OutletSpec]) -> None:
        self._specs = {s.name: s for s in specs}
        self._articles = tuple(sorted(articles, key=lambda a: (a.published_at, a.id), reverse=True))
        self._by_outlet: dict[str, tuple[Article, ...]] = {
            name: tuple(a for a in self._articles if a.outlet == name) for name in self._specs
        }
        self._by_path: dict[tuple[str, str], Article] = {
            (a.outlet, self._specs[a.outlet].article_url_path(a.slug, a.published)): a
            for a in self._articles
        }

    def listing(self, outlet: str, as_of: dt.date | None) -> Sequence[Article]:
        items = self._by_outlet.get(outlet, ())
        if as_of is None:
            return items
        return tuple(a for a in items if a.published <= as_of)

    def section(self, outlet: str, as_of: dt.date | None) -> Sequence[Article]:
        return tuple(a for a in self.listing(outlet, as_of) if a.negotiation)

    def find(self, outlet: str, path: str) -> Article | None:
        return self._by_path.get((outlet, path))

    def all(self) -> Sequence[Article]:
        return self._articles


class _Stride(Sequence[Article]):
    """Articles ``start, start+step, ...`` below ``stop`` of a generated catalog, built on access."""

    def __init__(self, make: Callable[[int], Article], start: int, stop: int, step: int) -> None:
        self._make, self._start, self._step = make, start, step
        self._len = max(0, -(-(stop - start) // step))

    def __len__(self) -> int:
        return self._len

    def __getitem__(self, index: int | slice) -> Article | list[Article]:  # type: ignore[override]
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._len))]
        if index < 0:
            index += self._len
        if not 0 <= index < self._len:
            raise IndexError(index)
        return self._make(self._start + index * self._step)
