"""Loading and validating the YAML configuration: sources and the watchlist.

Config is data, not code: the defaults ship in the repo (``crawlers/sources.yaml``,
``tablewatch/config/watchlist.yaml``) and any other file can be given on the command line.
Validation happens here once, so every stage can trust the objects it gets.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tablewatch.errors import ConfigError
from tablewatch.labels import PARTIES

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent
DEFAULT_SOURCES = REPO_DIR / "crawlers" / "sources.yaml"
DEFAULT_WATCHLIST = PACKAGE_DIR / "config" / "watchlist.yaml"

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


def _read_yaml(path: Path) -> Any:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise ConfigError(
            f"{path}{where} is not valid YAML: {getattr(exc, 'problem', exc)}"
        ) from None


def _str_list(value: Any, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{what} must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def load_sources(path: str | Path | None = None) -> list[Source]:
    """Read a sources file (format in the README); raises ConfigError naming the bad entry."""
    path = Path(path) if path else DEFAULT_SOURCES
    data = _read_yaml(path)
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
            allowed_domains=_str_list(
                raw.get("allowed_domains"), f"{path}: {name}.allowed_domains"
            ),
            feeds=_str_list(raw.get("feeds"), f"{path}: {name}.feeds"),
            sitemaps=_str_list(raw.get("sitemaps"), f"{path}: {name}.sitemaps"),
            start_urls=_str_list(raw.get("start_urls"), f"{path}: {name}.start_urls"),
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
    data = _read_yaml(path)
    settings = data.get("settings") if isinstance(data, dict) else None
    if settings is None:
        return {}
    if not isinstance(settings, dict) or not all(
        isinstance(k, str) and k.isupper() for k in settings
    ):
        raise ConfigError(f"{path}: 'settings' must map Scrapy setting NAMES to values")
    return dict(settings)


def _date(value: Any, what: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(f"{what} must be a date YYYY-MM-DD, got {value!r}") from None


def load_watchlist(path: str | Path | None = None) -> list[Negotiation]:
    """Read the watchlist; raises ConfigError naming the bad entry."""
    path = Path(path) if path else DEFAULT_WATCHLIST
    data = _read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("negotiations"), list):
        raise ConfigError(f"{path}: expected a mapping with a 'negotiations' list")
    out: list[Negotiation] = []
    for i, raw in enumerate(data["negotiations"]):
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
            raise ConfigError(f"{path}: negotiations[{i}] needs an 'id'")
        nid = raw["id"]
        parties = _str_list(raw.get("parties"), f"{path}: {nid}.parties")
        bad = [p for p in parties if p not in PARTIES]
        if bad:
            raise ConfigError(f"{path}: {nid}.parties has unknown labels {bad}; allowed: {PARTIES}")
        neg = Negotiation(
            id=nid,
            title=str(raw.get("title") or nid),
            parties=parties,
            aliases=_str_list(raw.get("aliases"), f"{path}: {nid}.aliases"),
            start=_date(raw.get("start"), f"{path}: {nid}.start"),
            end=_date(raw.get("end"), f"{path}: {nid}.end"),
        )
        if neg.end < neg.start:
            raise ConfigError(f"{path}: {nid} ends before it starts")
        out.append(neg)
    return out
