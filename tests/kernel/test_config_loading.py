"""Config files are validated once, with errors that name the file and the entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawlers.sources import load_sources
from kernel.errors import ConfigError
from kernel.watchlist import load_watchlist
from tablewatch.pipeline import parse_day


def test_default_configs_load() -> None:
    sources = load_sources()
    assert {"deadline", "variety", "hollywoodreporter"} <= {s.name for s in sources}
    ids = {n.id for n in load_watchlist()}
    assert {"sag_aftra_tv_2023", "wga_2023", "ila_2024", "uaw_2023", "iam_boeing_2024"} <= ids


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sources: [", "not valid YAML"),
        ("foo: 1", "'sources' list"),
        ("sources:\n  - name: a\n    allowed_domains: [a.com]\n", "no feeds"),
        (
            "sources:\n  - name: a\n    allowed_domains: [a.com]\n    feeds: [ftp://x]\n",
            "not an http",
        ),
        (
            "sources:\n  - {name: a, allowed_domains: [a.com], feeds: ['http://a.com/f']}\n"
            "  - {name: a, allowed_domains: [a.com], feeds: ['http://a.com/f']}\n",
            "appears twice",
        ),
    ],
)
def test_bad_sources_are_rejected_with_the_reason(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_sources(path)


def test_missing_sources_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_sources(tmp_path / "nope.yaml")


def test_watchlist_rejects_unknown_party_and_inverted_window(tmp_path: Path) -> None:
    path = tmp_path / "w.yaml"
    path.write_text(
        "negotiations:\n  - {id: x, parties: [pirates], start: 2024-01-01, end: 2024-02-01}\n"
    )
    with pytest.raises(ConfigError, match="unknown labels"):
        load_watchlist(path)
    path.write_text(
        "negotiations:\n  - {id: x, parties: [wga], aliases: [X], start: 2024-03-01, end: 2024-02-01}\n"
    )
    with pytest.raises(ConfigError, match="ends before it starts"):
        load_watchlist(path)


def test_parse_day() -> None:
    assert parse_day("2024-02-29") == "2024-02-29"
    with pytest.raises(Exception, match="not a date"):
        parse_day("2024-02-30")
