from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from crawlers.extraction import extract_dir, extract_file, extract_page
from crawlers.extraction.api import _parse
from crawlers.extraction.body import extract_body
from crawlers.extraction.rules import load_rules
from kernel.errors import ConfigError, TablewatchError

from .pages import PARAGRAPHS, TITLE, article_html

META = '<meta property="article:published_time" content="2025-03-02T10:00:00Z">'


def test_extract_file_reads_plain_and_gzipped(tmp_path: Path) -> None:
    html = article_html(head=META).encode("utf-8")
    (tmp_path / "a.html").write_bytes(html)
    (tmp_path / "b.html.gz").write_bytes(gzip.compress(html))
    plain = extract_file(tmp_path / "a.html", url="https://news.example.com/a")
    zipped = extract_file(tmp_path / "b.html.gz", url="https://news.example.com/a")
    assert plain == zipped
    assert plain["body"].split("\n\n") == PARAGRAPHS


def test_extract_file_errors_are_one_line(tmp_path: Path) -> None:
    with pytest.raises(TablewatchError, match="cannot read page"):
        extract_file(tmp_path / "missing.html")
    (tmp_path / "bad.html.gz").write_bytes(b"not gzip at all")
    with pytest.raises(TablewatchError, match="not a valid gzip"):
        extract_file(tmp_path / "bad.html.gz")


def test_extract_dir_writes_benchmark_format(tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "one.html").write_text(article_html(head=META), encoding="utf-8")
    (pages / "two.html.gz").write_bytes(gzip.compress(b"<html><body></body></html>"))
    (pages / "notes.txt").write_text("not a page", encoding="utf-8")
    out = tmp_path / "out" / "bodies.json"
    assert extract_dir(pages, out) == 2
    data = json.loads(out.read_text(encoding="utf-8"))
    assert set(data) == {"one", "two"}
    assert data["one"]["articleBody"].split("\n\n") == PARAGRAPHS
    assert data["one"]["title"] == TITLE
    assert data["one"]["published"] == "2025-03-02"
    assert data["two"] == {"articleBody": "", "title": None, "published": None}
    # a rerun rewrites the same file
    first = out.read_bytes()
    assert extract_dir(pages, out) == 2
    assert out.read_bytes() == first


def test_extract_dir_rejects_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(TablewatchError, match="not a directory"):
        extract_dir(tmp_path / "nope", tmp_path / "out.json")


def test_per_source_rules_extend_the_defaults(tmp_path: Path) -> None:
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text(
        "defaults:\n  drop_patterns: ['^advertisement$']\n  tail_window: 3\n"
        "sources:\n  harbour:\n    drop_patterns: ['^from our partners.*$']\n    tail_window: 6\n"
        "    prune_xpath: ['//div[@class=\"promo\"]']\n",
        encoding="utf-8",
    )
    base = load_rules(None, rules_file)
    harbour = load_rules("harbour", rules_file)
    assert base.drop.match("Advertisement") and not base.drop.match("From our partners: a deal")
    assert harbour.drop.match("Advertisement") and harbour.drop.match("From our partners: a deal")
    assert (base.tail_window, harbour.tail_window) == (3, 6)
    assert harbour.prune_xpath == ('//div[@class="promo"]',)
    # host entries apply whatever the source, with or without www.
    assert load_rules("other", rules_file, host="www.harbour").tail_window == 6
    assert load_rules(None, rules_file, host="news.example.com") is base


def test_prune_xpath_rule_removes_markup_from_the_body(tmp_path: Path) -> None:
    card = '<span class="name-card">Dana Whitfield: latest stories about ports</span>'
    paragraphs = [PARAGRAPHS[0].replace("Negotiators", "Negotiators" + card), *PARAGRAPHS[1:]]
    html = article_html(paragraphs=paragraphs)
    with_card = extract_page(html, url="https://harbour.example/a")["body"]
    assert "latest stories" in with_card
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text(
        "defaults: {}\nsources:\n  harbour.example:\n"
        "    prune_xpath: ['//span[@class=\"name-card\"]']\n",
        encoding="utf-8",
    )
    rules = load_rules(None, rules_file, host="harbour.example")
    body = extract_body(_parse(html), "https://harbour.example/a", [], [TITLE], rules)
    assert body.split("\n\n") == PARAGRAPHS


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("defaults:\n  drop_patterns: ['([unclosed']\n", "bad regular expression"),
        ("defaults:\n  drop_patterns: 'not a list'\n", "must be a list"),
        ("defaults:\n  tail_window: many\n", "must be a number"),
        ("defaults: [1, 2]\n", "expected a mapping"),
        ("defaults: {\n", "not valid YAML"),
    ],
)
def test_bad_rules_give_a_config_error(tmp_path: Path, text: str, message: str) -> None:
    rules_file = tmp_path / "bad.yaml"
    rules_file.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_rules(None, rules_file)


def test_shipped_rules_load() -> None:
    rules = load_rules()
    assert rules.drop.match("Read more: port talks resume")
    assert not rules.drop.match("More than 2,000 dockworkers walked out on Monday.")
    assert rules.tail.match("Reporting by Dana Whitfield; editing by Luis Ortega")
