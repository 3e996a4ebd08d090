"""The crawler's config: which outlets to crawl (``crawlers/sources.yaml``) and their Scrapy settings.

The crawler owns this file and its parser; the CLI and the DAGs hand a path through and never read
it themselves. Format: README, "Configuration".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from crawlers.urls import source_scope, split_entry
from kernel.config import read_yaml, str_list
from kernel.errors import ConfigError

DEFAULT_SOURCES = Path(__file__).resolve().parent / "sources.yaml"

_SOURCE_NAME = re.compile(r"^[a-z0-9][a-z0-9_\-]*$")
_URL_KEYS = ("feeds", "sitemaps", "start_urls")
_OPTIONAL_KEYS = ("article_pattern",)
KNOWN_KEYS = ("name", "allowed_domains", *_URL_KEYS, *_OPTIONAL_KEYS)
_DOMAIN = re.compile(r"^\.?[a-z0-9]([a-z0-9\-.]*[a-z0-9])?(:[0-9]+)?$")


@dataclass(frozen=True)
class Source:
    """One outlet to crawl; ``scope`` (its ``allowed_domains`` with the ports of its own URLs,
    see ``crawlers.urls.source_scope``) bounds every request, redirects included."""

    name: str
    allowed_domains: tuple[str, ...]
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    start_urls: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)
    scope: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        own = (*self.feeds, *self.sitemaps, *self.start_urls)
        object.__setattr__(self, "scope", source_scope(self.allowed_domains, own))

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
    stray = sorted(str(k) for k in data if k not in ("sources", "settings"))
    if stray:
        raise ConfigError(
            f"{path}: unknown top-level key {', '.join(map(repr, stray))} "
            "(known: sources, settings)"
        )
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
        unknown = sorted(str(k) for k in raw if k not in KNOWN_KEYS)
        if unknown:
            raise ConfigError(
                f"{path}: {name}: unknown key {', '.join(map(repr, unknown))} "
                f"(known: {', '.join(KNOWN_KEYS)})"
            )
        domains = str_list(raw.get("allowed_domains"), f"{path}: {name}.allowed_domains")
        for entry in domains:
            if not _DOMAIN.match(entry.lower()):
                raise ConfigError(
                    f"{path}: {name}.allowed_domains: {entry!r} is not a host or host:port"
                )
            try:
                split_entry(entry)
            except ValueError as exc:
                raise ConfigError(f"{path}: {name}.allowed_domains: {exc}") from None
        urls = {k: str_list(raw.get(k), f"{path}: {name}.{k}") for k in _URL_KEYS}
        for url in (u for group in urls.values() for u in group):
            if not re.match(r"^https?://", url):
                raise ConfigError(f"{path}: {name}: {url!r} is not an http(s) URL")
            try:
                port_ok = urlsplit(url).port != 0
            except ValueError:
                port_ok = False
            if not port_ok:
                raise ConfigError(f"{path}: {name}: {url!r} has a port that is not 1-65535")
        extra = {k: raw[k] for k in _OPTIONAL_KEYS if raw.get(k) is not None}
        pattern = extra.get("article_pattern")
        if pattern is not None:
            if not isinstance(pattern, str) or not pattern.strip():
                raise ConfigError(
                    f"{path}: {name}.article_pattern must be a regex string, got {pattern!r}"
                )
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ConfigError(
                    f"{path}: {name}.article_pattern is not a valid regex: {exc}"
                ) from None
        src = Source(name=name, allowed_domains=domains, extra=extra, **urls)
        if not src.allowed_domains:
            raise ConfigError(f"{path}: {name}.allowed_domains is empty")
        if not (src.feeds or src.sitemaps or src.start_urls):
            raise ConfigError(f"{path}: {name} has no feeds, sitemaps or start_urls to crawl")
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
