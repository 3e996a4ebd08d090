"""Cleaning rules from ``crawlers/extraction_rules.yaml``: defaults plus per-source additions.

Rules are data so that a new outlet's quirks are a config change, not a code change; they are
compiled once per (file, source) and shared by every page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from kernel.errors import ConfigError

DEFAULT_RULES = Path(__file__).resolve().parents[1] / "extraction_rules.yaml"

_PATTERN_KEYS = ("lead_patterns", "drop_patterns", "tail_patterns")
_NUMBER_KEYS = {
    "max_link_ratio_item": float,
    "tail_window": int,
    "jsonld_min_gain": float,
    "jsonld_min_page_overlap": float,
    "min_body_chars": int,
    "fast_min_chars": int,
    "fast_max_navigation_share": float,
    "min_body_words": int,
}


@dataclass(frozen=True)
class Rules:
    lead: re.Pattern[str] | None
    drop: re.Pattern[str] | None
    tail: re.Pattern[str] | None
    prune_xpath: tuple[str, ...] = ()
    split_body: re.Pattern[str] | None = None
    max_link_ratio_item: float = 0.9
    tail_window: int = 4
    jsonld_min_gain: float = 1.5
    jsonld_min_page_overlap: float = 0.8
    min_body_chars: int = 250
    fast_min_chars: int = 500
    fast_max_navigation_share: float = 0.5
    min_body_words: int = 5


def _alternation(patterns: list[str], where: str) -> re.Pattern[str] | None:
    """One compiled regex per list: a single scan per paragraph instead of one per pattern."""
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ConfigError(f"{where}: bad regular expression {pattern!r}: {exc}") from None
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


def _patterns(section: dict[str, Any], key: str, where: str) -> list[str]:
    value = section.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}.{key} must be a list of regular expressions")
    return value


@lru_cache(maxsize=64)
def _raw(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise ConfigError(f"extraction rules not found: {path}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("defaults", {}), dict):
        raise ConfigError(f"{path}: expected a mapping with 'defaults' and 'sources'")
    if not isinstance(data.get("sources") or {}, dict):
        raise ConfigError(f"{path}: 'sources' must map source names to rules")
    return data


def load_rules(
    source: str | None = None, path: Path = DEFAULT_RULES, host: str | None = None
) -> Rules:
    """Rules for one page: the defaults plus the additions listed under its source name and host.

    ``host`` lets a rule follow a site's markup whichever source list it was crawled from
    (``www.`` is ignored).
    """
    data = _raw(Path(path))
    listed = data.get("sources") or {}
    keys = [source] if source else []
    if host:
        host = host.lower().removeprefix("www.")
        keys += [host, f"www.{host}"]
    return _compile(tuple(k for k in keys if k in listed), Path(path))


@lru_cache(maxsize=256)
def _compile(keys: tuple[str, ...], path: Path) -> Rules:
    """Compiled once per combination; most pages share the plain defaults (``keys == ()``)."""
    data = _raw(path)
    defaults = data.get("defaults") or {}
    extras = []
    for key in keys:
        extra = (data.get("sources") or {}).get(key) or {}
        if not isinstance(extra, dict):
            raise ConfigError(f"{path}: sources.{key} must be a mapping")
        extras.append((key, extra))
    compiled = {}
    for key in _PATTERN_KEYS:
        merged = _patterns(defaults, key, f"{path}: defaults")
        for name, extra in extras:
            merged += _patterns(extra, key, f"{path}: sources.{name}")
        compiled[key.split("_")[0]] = _alternation(merged, f"{path}: {key}")
    numbers = {}
    for key, kind in _NUMBER_KEYS.items():
        value = defaults.get(key)
        for _, extra in extras:
            value = extra.get(key, value)
        if value is not None:
            try:
                numbers[key] = kind(value)
            except (TypeError, ValueError):
                raise ConfigError(f"{path}: {key} must be a number, got {value!r}") from None
    prune = _patterns(defaults, "prune_xpath", f"{path}: defaults")
    for name, extra in extras:
        prune += _patterns(extra, "prune_xpath", f"{path}: sources.{name}")
    split = _patterns(defaults, "split_body_class_patterns", f"{path}: defaults")
    for name, extra in extras:
        split += _patterns(extra, "split_body_class_patterns", f"{path}: sources.{name}")
    return Rules(
        **compiled,
        prune_xpath=tuple(prune),
        split_body=_alternation(split, f"{path}: split_body_class_patterns"),
        **numbers,
    )
