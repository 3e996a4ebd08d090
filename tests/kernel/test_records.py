"""One schema per cross-stage file: writer and reader share it, and the docs show it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kernel.errors import TablewatchError
from kernel.records import CrawlCounts, CrawlStats, SourceScope, markdown

DOCS = Path(__file__).resolve().parents[2] / "docs" / "interfaces.md"


def _stats() -> CrawlStats:
    counts = CrawlCounts(3, 1, 1, 1, 0, 3, 9, 2, 0, 0, 1.25)
    return CrawlStats(
        "2026-05-01",
        "2026-05-01T06:00:00+00:00",
        "2026-05-01T06:01:00+00:00",
        "/x/sources.yaml",
        [SourceScope("wire", ["wire.example:8080"])],
        counts,
        {"https://wire.example/feed": "HTTP 500"},
    )


def test_crawl_stats_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "crawl_stats.json"
    _stats().write(path)
    back = CrawlStats.read(path)
    assert back == _stats()
    assert isinstance(back.counts, CrawlCounts) and isinstance(back.sources[0], SourceScope)


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda d: d.pop("counts"), r"missing keys \['counts'\]"),
        (lambda d: d.update(start_time="x"), r"unknown keys \['start_time'\]"),
        (lambda d: d["counts"].pop("elapsed_s"), r"counts: not a CrawlCounts"),
        (lambda d: d.update(sources={}), r"sources: expected a list"),
    ],
)
def test_crawl_stats_of_another_shape_is_an_error(edit, message: str) -> None:
    data = _stats().to_dict()
    edit(data)
    with pytest.raises(TablewatchError, match=message):
        CrawlStats.from_dict(data, "crawl_stats.json")


def test_interfaces_page_shows_the_generated_schemas() -> None:
    text = DOCS.read_text(encoding="utf-8")
    block = re.search(
        r"<!-- generated: python -m kernel.records -->\n(.*?)<!-- end generated -->", text, re.S
    )
    assert block, "docs/interfaces.md lost its generated section"
    assert block.group(1) == markdown(), (
        "docs/interfaces.md is stale: paste python -m kernel.records"
    )


def test_loader_reads_exactly_the_record_fields() -> None:
    """The warehouse stages the same keys the crawl and annotate write, no more, no fewer."""
    from kernel.records import ARTICLE_FIELDS, SENTENCE_FIELDS, SENTENCE_OPTIONAL_FIELDS
    from warehouse.staging import ARTICLE_COLUMNS, SENTENCE_COLUMNS

    assert tuple(ARTICLE_COLUMNS) == ARTICLE_FIELDS
    assert set(SENTENCE_FIELDS) <= set(SENTENCE_COLUMNS)
    assert set(SENTENCE_COLUMNS) <= set(SENTENCE_FIELDS) | set(SENTENCE_OPTIONAL_FIELDS)


def test_articles_table_holds_every_record_field_but_the_body(tmp_path: Path) -> None:
    """The migration is the third writer of the record's shape: body lives in article_bodies."""
    from kernel.records import ARTICLE_FIELDS
    from warehouse.db import connect_write

    with connect_write(tmp_path / "t.duckdb") as con:
        cols = [r[0] for r in con.execute("describe articles").fetchall()]
    assert set(cols) == set(ARTICLE_FIELDS) - {"body"}


def test_crawler_items_write_the_record_fields() -> None:
    from crawlers.items import ArticleItem
    from kernel.records import ARTICLE_FIELDS

    item = ArticleItem("a", "u", "c", "s", "2026-01-01T00:00:00Z", "2026-01-01")
    assert tuple(item.record()) == ARTICLE_FIELDS
