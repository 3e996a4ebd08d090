from __future__ import annotations

import json

from crawlers.extraction import extract_page

from .pages import PARAGRAPHS, article_html

JSONLD = {
    "@context": "https://schema.org",
    "@type": "NewsArticle",
    "headline": "Port talks stall over automation as strike deadline nears",
    "datePublished": "2025-03-04T21:15:00-05:00",
    "dateModified": "2025-03-05T08:00:00-05:00",
    "author": [{"@type": "Person", "name": "Dana Whitfield"}],
}
OG = '<meta property="article:published_time" content="2025-03-02T10:00:00Z">'
META = '<meta name="pubdate" content="2025-03-01">'
URL_WITH_DATE = "https://news.example.com/2025/02/27/port-talks-stall"
URL_NO_DATE = "https://news.example.com/ports/port-talks-stall"


def _jsonld(obj: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(obj)}</script>'


def test_jsonld_beats_opengraph_and_meta() -> None:
    page = extract_page(article_html(head=_jsonld(JSONLD) + OG + META), url=URL_NO_DATE)
    # the publisher's local calendar day, not the UTC one
    assert page["published"] == "2025-03-04"
    assert page["published_source"] == "jsonld"
    assert page["modified"] == "2025-03-05"
    assert page["authors"] == ["Dana Whitfield"]


def test_jsonld_inside_graph_is_found() -> None:
    graph = {"@context": "https://schema.org", "@graph": [{"@type": "WebSite"}, JSONLD]}
    page = extract_page(article_html(head=_jsonld(graph)), url=URL_NO_DATE)
    assert (page["published"], page["published_source"]) == ("2025-03-04", "jsonld")


def test_opengraph_when_no_jsonld() -> None:
    page = extract_page(article_html(head=OG + META), url=URL_NO_DATE)
    assert (page["published"], page["published_source"]) == ("2025-03-02", "opengraph")


def test_meta_when_no_jsonld_or_opengraph() -> None:
    page = extract_page(article_html(head=META), url=URL_NO_DATE)
    assert (page["published"], page["published_source"]) == ("2025-03-01", "meta")


def test_url_date_when_page_has_none() -> None:
    page = extract_page(article_html(), url=URL_WITH_DATE)
    assert (page["published"], page["published_source"]) == ("2025-02-27", "url")


def test_broken_jsonld_falls_through_to_next_source() -> None:
    broken = (
        '<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": </script>'
    )
    page = extract_page(article_html(head=broken + OG), url=URL_NO_DATE)
    assert page["published_source"] == "opengraph"


def test_url_and_byline_outvote_a_cms_that_writes_the_update_into_date_published() -> None:
    stamp = "2025-03-09T10:00:00-05:00"
    cms = dict(JSONLD, datePublished=stamp, dateModified=stamp)
    byline = '<p class="meta">Published Feb. 27, 2025 | Updated March 9, 2025</p>'
    page = extract_page(article_html(head=_jsonld(cms), body_extra=byline), url=URL_WITH_DATE)
    assert page["published"] == "2025-02-27"
    assert page["published_source"] == "url"
    # without the URL's and the byline's word, the one stated day stands
    page = extract_page(article_html(head=_jsonld(cms)), url=URL_NO_DATE)
    assert page["published"] == "2025-03-09"


def test_utc_timestamp_counts_for_the_local_day_another_source_names() -> None:
    og = '<meta property="article:published_time" content="2025-03-05T03:40:00Z">'
    late_evening = ["March 4, 2025 10:40 PM EST", *PARAGRAPHS]
    page = extract_page(article_html(head=og, paragraphs=late_evening), url=URL_NO_DATE)
    assert page["published"] == "2025-03-04"
    page = extract_page(article_html(head=og), url=URL_NO_DATE)
    assert page["published"] == "2025-03-05"  # alone, the UTC day is all there is


def test_time_element_in_the_byline_when_no_meta() -> None:
    body_extra = (
        '<p class="dateline">Published <time datetime="2024-11-18">18 November 2024</time></p>'
    )
    page = extract_page(
        article_html(body_extra=body_extra), url="https://news.example.com/port-talks"
    )
    assert page["published"] == "2024-11-18"
    assert page["published_source"] in {"markup", "text"}


def test_no_date_anywhere() -> None:
    page = extract_page(article_html(), url="https://news.example.com/port-talks")
    assert page["published"] is None
    assert page["published_source"] is None


def test_other_metadata() -> None:
    head = (
        '<link rel="canonical" href="/ports/port-talks-stall">'
        '<meta name="author" content="Dana Whitfield and Luis Ortega">'
    )
    page = extract_page(article_html(head=head), url="https://news.example.com/x?utm_source=feed")
    assert page["canonical_url"] == "https://news.example.com/ports/port-talks-stall"
    assert page["language"] == "en"
    assert page["title"] == "Port talks stall over automation as strike deadline nears"
    assert page["authors"] == ["Dana Whitfield", "Luis Ortega"]


def test_date_formats_and_url_forms() -> None:
    from crawlers.extraction.dates import parse_date, url_date

    assert parse_date("Tue, 04 Mar 2025 21:15:00 GMT") == "2025-03-04"
    assert parse_date("March 4, 2025") == "2025-03-04"
    assert parse_date(1741140900) == "2025-03-05"  # epoch seconds (UTC)
    assert parse_date("1741140900000") == "2025-03-05"  # epoch milliseconds
    assert parse_date("2025-02-30") is None
    assert parse_date("1970-01-01") is None  # placeholder dates are not publication dates
    assert url_date("https://x.example/news/2025/mar/04/talks") == "2025-03-04"
    assert url_date("https://x.example/story-20250304.html") == "2025-03-04"
    assert url_date("https://x.example/p/1234567890") is None
