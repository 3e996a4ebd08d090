"""The fictional outlets: their URL layout, feed and sitemap flavours, read from outlets.yaml."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from kernel.errors import ConfigError

OUTLETS_FILE = Path(__file__).resolve().parent / "outlets.yaml"


@dataclass(frozen=True)
class Outlet:
    """A running outlet as a crawler sees it."""

    name: str
    base_url: str


@dataclass(frozen=True)
class OutletSpec:
    """How one outlet lays out its site; only paths, never hosts (those come from the server)."""

    name: str
    title: str
    templates: str
    article_path: str
    section_label: str
    section_path: str
    section_page_path: str
    per_page: int
    feed_kind: str
    feed_path: str
    feed_title: str
    sitemap_kind: str
    sitemap_path: str
    sitemap_page_path: str
    news_sitemap_path: str | None
    robots_disallow: tuple[str, ...]
    other_pages: tuple[str, ...]
    comments: tuple[dict[str, str], ...]

    def article_url_path(self, slug: str, day: dt.date) -> str:
        return self.article_path.format(
            slug=slug, yyyy=f"{day.year:04d}", mm=f"{day.month:02d}", dd=f"{day.day:02d}"
        )

    def section_url(self, page: int) -> str:
        return self.section_path if page <= 1 else self.section_page_path.format(page=page)

    def sitemap_page_url(self, page: int) -> str:
        return self.sitemap_page_path.format(page=page)

    @property
    def section_page_re(self) -> re.Pattern[str]:
        return _template_re(self.section_page_path)

    @property
    def sitemap_page_re(self) -> re.Pattern[str]:
        return _template_re(self.sitemap_page_path)


@lru_cache(maxsize=32)
def _template_re(template: str) -> re.Pattern[str]:
    return re.compile("^" + re.escape(template).replace(r"\{page\}", r"(\d+)") + "$")


def _spec(raw: dict[str, Any], where: str) -> OutletSpec:
    try:
        sec, feed, smap = raw["section"], raw["feed"], raw["sitemap"]
        spec = OutletSpec(
            name=raw["name"],
            title=raw["title"],
            templates=raw["templates"],
            article_path=raw["article_path"],
            section_label=sec["label"],
            section_path=sec["path"],
            section_page_path=sec["page_path"],
            per_page=int(sec["per_page"]),
            feed_kind=feed["kind"],
            feed_path=feed["path"],
            feed_title=feed["title"],
            sitemap_kind=smap["kind"],
            sitemap_path=smap["path"],
            sitemap_page_path=smap["page_path"],
            news_sitemap_path=smap.get("news_path"),
            robots_disallow=tuple(raw.get("robots_disallow") or ()),
            other_pages=tuple(raw.get("other_pages") or ()),
            comments=tuple(raw.get("comments") or ()),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(
            f"{where}: outlet entry {raw.get('name')!r} is incomplete: {exc}"
        ) from None
    if spec.feed_kind not in ("rss", "atom") or spec.sitemap_kind not in ("index", "plain"):
        raise ConfigError(f"{where}: {spec.name}: feed kind rss|atom, sitemap kind index|plain")
    if "{slug}" not in spec.article_path:
        raise ConfigError(f"{where}: {spec.name}: article_path needs {{slug}}")
    return spec


@lru_cache(maxsize=4)
def load_outlets(path: Path = OUTLETS_FILE) -> tuple[OutletSpec, ...]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("outlets"), list):
        raise ConfigError(f"{path}: expected a mapping with an 'outlets' list")
    return tuple(_spec(raw, str(path)) for raw in data["outlets"])
