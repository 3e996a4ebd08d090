"""The crawler's config: which outlets to crawl (``crawlers/sources.yaml``) and their Scrapy settings.

The crawler owns this file and its parser; the CLI and the DAGs hand a path through and never read
it themselves. Format: README, "Configuration".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kernel.config import read_yaml, str_list
from kernel.errors import ConfigError

DEFAULT_SOURCES = Path(__file__).resolve().parent / "sources.yaml"

_SOURCE_NAME = re.compile(r"^[a-z0-9][a-z0-9_\-]*$")


@dataclass(frozen=True)
class Source:
    """One outlet to crawl; ``allowed_domains`` bounds every request, redirects included."""

    name: str
    allowed_domains: tuple[str, ...]
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    start_urls: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "allowed_domains": list(self.allowed_domains),
            "feeds": list(self.feeds),
            "sitemaps": list(self.sitemaps),
            "start_urls": list(self.start_urls),
            **self.extra,
        }


def load_sources(path: str | Path | None = None) -> list[Source]:
    """Read a sources file (format in the README); raises ConfigError naming the bad entry."""
    path = Path(path) if path else DEFAULT_SOURCES
    data = read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("sources"), list):
        raise ConfigError(f"{path}: expected a mapping with a 'sources' list")
    sources: list[Source] = []
    seen: set[str] = set()
    for i, raw in enumerate(data["sources"]):
        if not isinstance(raw, dict):
            raise ConfigError(f"{path}: sources[{i}] must be a mapping")
        name = raw.get("name")
        if not isinstance(name, str) or not _SOURCE_NAME.match(name):
            raise ConfigError(
                f"{path}: sources[{i}].name must be a short lowercase id, got {name!r}"
            )
        if name in seen:
            raise ConfigError(f"{path}: source name {name!r} appears twice")
        seen.add(name)
        known = {"name", "allowed_domains", "feeds", "sitemaps", "start_urls"}
        src = Source(
            name=name,
            allowed_domains=str_list(raw.get("allowed_domains"), f"{path}: {name}.allowed_domains"),
            feeds=str_list(raw.get("feeds"), f"{path}: {name}.feeds"),
            sitemaps=str_list(raw.get("sitemaps"), f"{path}: {name}.sitemaps"),
            start_urls=str_list(raw.get("start_urls"), f"{path}: {name}.start_urls"),
            extra={k: v for k, v in raw.items() if k not in known},
        )
        if not src.allowed_domains:
            raise ConfigError(f"{path}: {name}.allowed_domains is empty")
        if not (src.feeds or src.sitemaps or src.start_urls):
            raise ConfigError(f"{path}: {name} has no feeds, sitemaps or start_urls to crawl")
        for url in (*src.feeds, *src.sitemaps, *src.start_urls):
            if not re.match(r"^https?://", url):
                raise ConfigError(f"{path}: {name}: {url!r} is not an http(s) URL")
        sources.append(src)
    if not sources:
        raise ConfigError(f"{path}: no sources listed")
    return sources


def load_crawl_settings(path: str | Path | None = None) -> dict[str, Any]:
    """Scrapy setting overrides a sources file may carry under a top-level ``settings`` key.

    They travel with the sources because they belong to them: a local test site needs no
    politeness delay, a fragile outlet may want a lower concurrency.
    """
    path = Path(path) if path else DEFAULT_SOURCES
    data = read_yaml(path)
    settings = data.get("settings") if isinstance(data, dict) else None
    if settings is None:
        return {}
    if not isinstance(settings, dict) or not all(
        isinstance(k, str) and k.isupper() for k in settings
    ):
        raise ConfigError(f"{path}: 'settings' must map Scrapy setting NAMES to values")
    return dict(settings)
