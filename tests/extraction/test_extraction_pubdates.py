"""The publication-date finder on the benchmark's own fixture pages, and undated pages kept null.

A few dev pages of each shape (WordPress, news CMS with a JSON-LD graph, Blogger, Medium-like,
forum, wrong or missing meta, conflicting update dates, other languages, URL only, relative dates,
no date) go through ``extract_page`` exactly as the benchmark feeds them; the benchmark itself runs
end to end on both halves and writes its section.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import pubdate_accuracy
from benchmarks.pubdate_accuracy import FIXTURES, load_half
from crawlers.extraction import extract_page
from crawlers.extraction.dates import text_dates
from tests.support.cli import tw

from .pages import PARAGRAPHS, article_html

BY_SHAPE = {
    "wordpress": ["wp-classic-og", "wp-yoast-graph", "wp-postedon-only"],
    "news-jsonld": ["news-graph-evening-offset", "news-related-list-first", "news-liveblog"],
    "blogger": ["blogger-date-header", "blogger-fr"],
    "medium": ["medium-like", "medium-like-no-jsonld"],
    "forum": ["forum-phpbb", "forum-discourse-like"],
    "meta-wrong": ["meta-date-is-crawl-time", "meta-og-site-launch-date"],
    "update-conflict": ["news-updated-before-published", "jsonld-published-equals-modified"],
    "languages": ["fr-lemonde-like", "de-veroeffentlicht", "pl-opublikowano", "ja-nengappi"],
    "date-format": ["en-gb-slash-date", "en-us-slash-date"],
    "url-only": ["url-only-2", "url-only-3"],
    "relative": ["relative-hours-ago", "relative-de-vor-tagen"],
    "no-date": ["nodate-contract-expires", "nodate-copyright-only", "nodate-wiki-last-edited"],
}
DEV = {page["file"].removesuffix(".html"): page for page in load_half("dev")}


@pytest.mark.parametrize(
    "name", [name for names in BY_SHAPE.values() for name in names], ids=lambda n: n
)
def test_fixture_page_gets_its_labelled_day(name: str) -> None:
    page = DEV[name]
    got = extract_page(page["html"], url=page["url"], fetched=page.get("fetched"))
    assert got["published"] == page["published"]
    assert (got["published_source"] is None) == (page["published"] is None)


def test_relative_dates_need_the_fetch_time() -> None:
    page = DEV["relative-hours-ago"]
    assert extract_page(page["html"], url=page["url"])["published"] is None
    # "3 hours ago" read at 01:00 UTC is the day before
    early = extract_page(page["html"], url=page["url"], fetched="2026-03-15T01:00:00Z")
    assert early["published"] == "2026-03-14"
    # a word like "today" in a short line of an undated page is not a date
    kicker = article_html(paragraphs=["Today's top stories", *PARAGRAPHS])
    fetched = "2026-03-15T01:00:00Z"
    assert extract_page(kicker, url=page["url"], fetched=fetched)["published"] is None


def test_a_date_in_the_body_is_not_the_publication_date() -> None:
    paragraphs = [
        "Union leaders said members would meet again before the contract expires on June 30, 2026.",
        *PARAGRAPHS,
        "The previous agreement was signed on 1 March 2023 after a two-week strike.",
    ]
    page = extract_page(
        article_html(paragraphs=paragraphs), url="https://news.example.com/labor/port-talks"
    )
    assert page["published"] is None
    assert page["published_source"] is None


def test_a_byline_that_states_the_publication_is_read() -> None:
    paragraphs = ["Published June 2, 2026", *PARAGRAPHS, "The contract expires on June 30, 2026."]
    page = extract_page(
        article_html(paragraphs=paragraphs), url="https://news.example.com/labor/port-talks"
    )
    assert page["published"] == "2026-06-02"
    assert page["published_source"] == "text"


def test_an_update_alone_in_the_text_is_not_a_publication() -> None:
    paragraphs = ["Updated June 2, 2026", *PARAGRAPHS]
    page = extract_page(
        article_html(paragraphs=paragraphs), url="https://news.example.com/labor/port-talks"
    )
    assert page["published"] is None


def test_text_dates_in_many_languages_and_orders() -> None:
    def days(text: str, day_first: bool = True) -> list[str]:
        return [d.isoformat() for _, _, d in text_dates(text, day_first)]

    assert days("Publié le 3 mars 2024 à 14h05") == ["2024-03-03"]
    assert days("Veröffentlicht am 27. September 2023, 10:15 Uhr") == ["2023-09-27"]
    assert days("Publicado el 18 de junio de 2024") == ["2024-06-18"]
    assert days("5 декабря 2024, 10:30") == ["2024-12-05"]
    assert days("Opublikowano: 15 listopada 2023") == ["2023-11-15"]
    assert days("2024年3月11日 09:00") == ["2024-03-11"]
    assert days("Sept. 14, 2023 and the 2nd of April 2023") == ["2023-09-14", "2023-04-02"]
    assert days("04/03/2024") == ["2024-03-04"]
    assert days("03/04/2024", day_first=False) == ["2024-03-04"]
    assert days("03.04.2024", day_first=False) == ["2024-04-03"]  # dots are day first
    assert days("31/02/2024 and 13/13/2024") == []


def test_benchmark_runs_on_both_halves_and_writes_its_section(tmp_path: Path) -> None:
    labels = {h: json.loads((FIXTURES / h / "labels.json").read_text()) for h in ("dev", "heldout")}
    assert len(labels["dev"]) >= 60 and len(labels["heldout"]) >= 60
    by_half = pubdate_accuracy.evaluate(("dev", "heldout"), limit=4)
    assert [len(by_half[h]) for h in ("dev", "heldout")] == [4, 4]
    assert all(set(r["answers"]) == set(pubdate_accuracy.FINDERS) for r in by_half["heldout"])
    text = pubdate_accuracy.markdown(by_half)
    assert "| dev | " in text and "| heldout | " in text
    results = tmp_path / "RESULTS.md"
    results.write_text("# x\n\n## Publication dates\n\nold\n\n## Next\n\nkept\n", encoding="utf-8")
    pubdate_accuracy.write_section(text, results)
    written = results.read_text(encoding="utf-8")
    assert "old" not in written and "| heldout | " in written and "kept" in written


def test_cli_extract_reads_relative_dates_with_fetched() -> None:
    page = FIXTURES / "dev" / "relative-yesterday.html"
    got = json.loads(tw("extract", str(page), "--fetched", "2026-03-14T09:00:00Z").stdout)
    assert got["published"] == "2026-03-13"
    assert json.loads(tw("extract", str(page)).stdout)["published"] is None
    bad = tw("extract", str(page), "--fetched", "yesterday", check=False)
    assert bad.returncode != 0 and "--fetched" in bad.stderr


def test_a_date_in_the_headline_or_the_title_tag_is_not_a_byline() -> None:
    named = article_html(title="Council minutes, 14 February 2024")
    assert extract_page(named, url="https://news.example.com/minutes")["published"] is None
    paras = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    bare = f"<html><head><title>14.02.2024</title></head><body><div>{paras}</div></body></html>"
    assert extract_page(bare, url="https://news.example.com/minutes")["published"] is None
