"""The written demo corpus: one Markdown file per article with a YAML front matter.

Articles are plain files so a person can read and edit the storyline; this module turns them
into frozen records once and refuses a corpus whose metadata would mislead the demo (an unknown
negotiation id, a syndicated copy of a missing story, an outlet that does not exist).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from kernel.errors import ConfigError
from kernel.watchlist import load_watchlist

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
ARTICLES_DIR = CORPUS_DIR / "articles"
STORYLINE = CORPUS_DIR / "storyline.yaml"
STORY_KINDS = ("tone_down", "tone_up", "breakdown", "agreement", "strike_action", "resumption")
_REQUIRED = ("id", "outlet", "published", "title", "author", "slug")


@dataclass(frozen=True)
class Article:
    """One served article; ``url_variants`` are extra query strings an outlet links it under."""

    id: str
    outlet: str
    published: dt.date
    title: str
    author: str
    slug: str
    negotiation: str | None
    syndicated_from: str | None
    paragraphs: tuple[str, ...]
    url_variants: tuple[str, ...] = ()

    @property
    def published_at(self) -> dt.datetime:
        """A stable time of day (06:00-15:59 Pacific) so the UTC date equals the local date."""
        h = int(hashlib.sha1(self.id.encode()).hexdigest()[:6], 16)
        tz = dt.timezone(dt.timedelta(hours=-7))
        return dt.datetime.combine(self.published, dt.time(6 + h % 10, (h // 10) % 60), tz)

    @property
    def summary(self) -> str:
        return self.paragraphs[0] if self.paragraphs else ""


def parse_article(text: str, where: str) -> Article:
    """Split front matter from body; every error names the file so an editor can fix it."""
    if not text.startswith("---"):
        raise ConfigError(f"{where}: missing YAML front matter (first line must be ---)")
    try:
        _, head, body = text.split("---", 2)
    except ValueError:
        raise ConfigError(f"{where}: front matter is not closed with ---") from None
    try:
        meta = yaml.safe_load(head) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{where}: front matter is not valid YAML: {exc}") from None
    if not isinstance(meta, dict):
        raise ConfigError(f"{where}: front matter must be a mapping")
    missing = [k for k in _REQUIRED if not meta.get(k)]
    if missing:
        raise ConfigError(f"{where}: front matter lacks {', '.join(missing)}")
    published = meta["published"]
    if not isinstance(published, dt.date):
        try:
            published = dt.date.fromisoformat(str(published))
        except ValueError:
            raise ConfigError(f"{where}: published must be YYYY-MM-DD, got {published!r}") from None
    paragraphs = tuple(" ".join(p.split()) for p in body.strip().split("\n\n") if p.strip())
    if not paragraphs:
        raise ConfigError(f"{where}: article has no body")
    variants = meta.get("url_variants") or []
    if not isinstance(variants, list) or not all(str(v).startswith("?") for v in variants):
        raise ConfigError(f"{where}: url_variants must be a list of query strings starting with ?")
    return Article(
        id=str(meta["id"]),
        outlet=str(meta["outlet"]),
        published=published,
        title=str(meta["title"]),
        author=str(meta["author"]),
        slug=str(meta["slug"]),
        negotiation=meta.get("negotiation") or None,
        syndicated_from=meta.get("syndicated_from") or None,
        paragraphs=paragraphs,
        url_variants=tuple(str(v) for v in variants),
    )


def validate(articles: Iterable[Article], outlets: Iterable[str]) -> None:
    """Cross-file checks: unique ids and URLs, known outlets and negotiations, real wire sources."""
    articles = list(articles)
    outlets = set(outlets)
    watched = {n.id for n in load_watchlist()}
    ids: set[str] = set()
    slugs: set[tuple[str, str]] = set()
    for a in articles:
        if a.id in ids:
            raise ConfigError(f"demo corpus: article id {a.id!r} appears twice")
        ids.add(a.id)
        if (a.outlet, a.slug) in slugs:
            raise ConfigError(f"demo corpus: {a.outlet} has slug {a.slug!r} twice")
        slugs.add((a.outlet, a.slug))
        if a.outlet not in outlets:
            raise ConfigError(f"demo corpus: {a.id} names unknown outlet {a.outlet!r}")
        if a.negotiation is not None and a.negotiation not in watched:
            raise ConfigError(f"demo corpus: {a.id} names unknown negotiation {a.negotiation!r}")
    for a in articles:
        if a.syndicated_from is not None and a.syndicated_from not in ids:
            raise ConfigError(
                f"demo corpus: {a.id} is syndicated from missing {a.syndicated_from!r}"
            )


def load_corpus(folder: Path = ARTICLES_DIR) -> list[Article]:
    """All articles, newest first (the order feeds and listings use)."""
    files = sorted(Path(folder).glob("*.md"))
    if not files:
        raise ConfigError(f"demo corpus: no articles in {folder}")
    out = [parse_article(f.read_text(encoding="utf-8"), str(f)) for f in files]
    out.sort(key=lambda a: (a.published_at, a.id), reverse=True)
    return out


@lru_cache(maxsize=1)
def default_corpus() -> tuple[Article, ...]:
    """The shipped corpus, parsed once per process (the server and tests share it)."""
    return tuple(load_corpus())


def load_storyline(path: Path = STORYLINE) -> dict[str, list[dict]]:
    """Shift points per negotiation, the ground truth the alert detector is scored against."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("negotiations"), dict):
        raise ConfigError(f"{path}: expected a mapping with a 'negotiations' mapping")
    out: dict[str, list[dict]] = {}
    for nid, points in data["negotiations"].items():
        for p in points:
            if p.get("kind") not in STORY_KINDS:
                raise ConfigError(f"{path}: {nid}: kind must be one of {STORY_KINDS}, got {p}")
            if not isinstance(p.get("date"), dt.date):
                raise ConfigError(f"{path}: {nid}: date must be YYYY-MM-DD, got {p.get('date')!r}")
        out[nid] = list(points)
    return out
