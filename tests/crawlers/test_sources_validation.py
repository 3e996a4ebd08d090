"""A sources file with a typo or a bad value is refused before any crawl starts, in one line.

Before, an unknown key (``feed:``) was ignored, a broken ``article_pattern`` made the crawl exit 0
with 0 articles (the error only in crawl.log) and a non-UTF-8 file gave a traceback.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crawlers.run import crawl
from crawlers.sources import load_sources
from kernel.errors import ConfigError
from tests.support.cli import tw

GOOD = "{name: a, allowed_domains: [a.com], feeds: ['http://a.com/f']"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("{name: a, allowed_domains: [a.com], feed: ['http://a.com/f']}", r"unknown key 'feed'"),
        (GOOD + ", article_pattern: '([a-z'}", r"article_pattern is not a valid regex"),
        (GOOD + ", article_pattern: 42}", r"article_pattern must be a regex string"),
        (GOOD + ", article_pattern: [a, b]}", r"article_pattern must be a regex string"),
        ("{name: a, allowed_domains: ['http://a.com/'], feeds: ['http://a.com/f']}", "host:port"),
        ("{name: a, allowed_domains: ['a.com:99999'], feeds: ['http://a.com/f']}", "1-65535"),
        ("{name: a, allowed_domains: [a.com], feeds: ['http://a.com:x/f']}", "port"),
    ],
)
def test_bad_source_entries_are_refused_before_the_crawl(tmp_path: Path, entry: str, message):
    path = tmp_path / "sources.yaml"
    path.write_text(f"sources:\n  - {entry}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as err:
        crawl(path, tmp_path / "run", tmp_path / "raw", None, "2024-01-01")
    assert "\n" not in str(err.value) and str(path) in str(err.value)
    assert not (tmp_path / "run" / "crawl.log").exists()  # no child was started


def test_unknown_top_level_key_is_refused(tmp_path: Path):
    path = tmp_path / "sources.yaml"
    path.write_text(f"sources:\n  - {GOOD}}}\nsetings: {{DOWNLOAD_DELAY: 0}}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown top-level key 'setings'"):
        load_sources(path)


def test_known_optional_keys_and_ports_are_kept(tmp_path: Path):
    path = tmp_path / "sources.yaml"
    path.write_text(
        "sources:\n  - {name: a, allowed_domains: [a.com, 'b.com:8443'], "
        "start_urls: ['http://a.com:8080/s'], article_pattern: '/20[0-9]{2}/'}\n",
        encoding="utf-8",
    )
    [src] = load_sources(path)
    assert src.extra == {"article_pattern": "/20[0-9]{2}/"}
    assert src.scope == ("a.com:8080", "b.com:8443")  # a.com only on its own URLs' port
    assert src.to_dict()["article_pattern"] == "/20[0-9]{2}/" and "scope" not in src.to_dict()


def test_non_utf8_sources_file_is_a_one_line_cli_error(tmp_path: Path):
    path = tmp_path / "sources.yaml"
    path.write_bytes(f"# caf\u00e9\nsources:\n  - {GOOD}}}\n".encode("latin-1"))
    proc = tw(
        "crawl",
        "--db",
        str(tmp_path / "tw.duckdb"),
        "--date",
        "2024-01-01",
        "--sources",
        str(path),
        check=False,
        timeout=120,
    )
    assert proc.returncode == 1
    assert "not UTF-8" in proc.stderr + proc.stdout
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "runs").exists() or not list((tmp_path / "runs").rglob("*.jsonl"))
