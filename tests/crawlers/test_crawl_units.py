"""The crawler's pure parts, without a crawl: URL identity, fingerprints, listings, the gate,
Retry-After, warehouse state, and crawl()'s up-front errors."""

from __future__ import annotations

import datetime as dt
import gzip

import duckdb
import pytest

from crawlers.discovery import ListingError, parse_listing, section_links
from crawlers.fingerprints import SimhashIndex, body_hash, hamming, simhash
from crawlers.middlewares import retry_after_seconds
from crawlers.relevance import RelevanceGate
from crawlers.run import crawl
from crawlers.sources import DEFAULT_SOURCES
from crawlers.state import load_state
from crawlers.urls import article_id, canonicalize, host_allowed, same_origin, source_scope
from kernel.errors import ConfigError, TablewatchError
from kernel.watchlist import load_watchlist
from tests.support.crawl import paragraphs, warehouse_with_articles
from tests.support.site import bomb, news_sitemap, rss, sitemap_index


def test_canonicalize_collapses_tracking_variants():
    a = canonicalize("HTTPS://Deadline.COM:443/2023/07/story/?utm_source=rss&b=2&a=1#comments")
    b = canonicalize("https://deadline.com/2023/07/story/?a=1&fbclid=XYZ&b=2&gclid=1")
    assert a == b == "https://deadline.com/2023/07/story/?a=1&b=2"
    assert canonicalize("http://example.com") == "http://example.com/"
    assert canonicalize("http://example.com:8080/x") == "http://example.com:8080/x"
    assert article_id(a) == article_id(b) and len(article_id(a)) == 16


def test_host_allowed_includes_subdomains_only():
    assert host_allowed("https://www.variety.com/x", ("variety.com",))
    assert not host_allowed("https://notvariety.com/x", ("variety.com",))
    assert not host_allowed("https://variety.com.evil.net/x", ("variety.com",))


def test_scope_is_host_and_port():
    public = source_scope(("variety.com",), ("https://variety.com/feed/",))
    assert public == ("variety.com",)
    assert host_allowed("http://www.variety.com/x", public)  # http and https, standard ports
    assert not host_allowed("https://variety.com:8443/x", public)
    local = source_scope(("127.0.0.1",), ("http://127.0.0.1:8001/feed", "http://127.0.0.1:8001/s"))
    assert local == ("127.0.0.1:8001",)
    assert host_allowed("http://127.0.0.1:8001/a", local)
    assert not host_allowed("http://127.0.0.1:8002/a", local)
    assert not host_allowed("http://127.0.0.1/a", local)
    assert not host_allowed("http://127.0.0.1:x/a", local)  # a bad port is never in scope
    named = source_scope(("127.0.0.1:9000", "a.com"), ("http://127.0.0.1:8001/feed",))
    assert named == ("127.0.0.1:9000", "a.com")
    assert not host_allowed("http://127.0.0.1:8001/a", named)
    assert not host_allowed("ftp://a.com/x", named)
    assert same_origin("https://a.com/robots.txt", "http://a.com/robots.txt")
    assert not same_origin("http://a.com:81/robots.txt", "http://a.com/robots.txt")
    assert not same_origin("http://b.com/robots.txt", "http://a.com/robots.txt")


def test_simhash_separates_copies_from_other_articles():
    text = "\n\n".join(paragraphs(1, "SAG-AFTRA met the studios.", words=400))
    copy = text + "\n\nDistributed by Wire Service."
    other = "\n\n".join(paragraphs(2, "SAG-AFTRA met the studios.", words=400))
    assert hamming(simhash(text), simhash(copy)) <= 6
    assert hamming(simhash(text), simhash(other)) > 12
    assert body_hash("A  b\nC") == body_hash("a b c")


def test_simhash_index_finds_within_distance_only():
    index = SimhashIndex(max_distance=3)
    base = 0x0123456789ABCDEF
    index.add(base, "kept")
    assert index.find(base ^ 0b111) == "kept"  # 3 bits off
    assert index.find(base ^ 0b1111) is None  # 4 bits off
    assert index.find(base ^ (1 << 63) ^ (1 << 40) ^ 1) == "kept"  # bits spread over bands


def test_rss_atom_and_news_sitemap_entries():
    feed = parse_listing(
        rss([("/a", "Fri, 14 Jul 2023 10:00:00 GMT"), ("http://x.org/b", None)]),
        "http://x.org/feed",
    )
    assert feed.kind == "feed"
    assert [(e.url, e.published) for e in feed.entries] == [
        ("http://x.org/a", dt.date(2023, 7, 14)),
        ("http://x.org/b", None),
    ]
    atom = parse_listing(
        b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>t</title>'
        b'<link rel="alternate" href="http://x.org/c"/><link rel="edit" href="http://x.org/e"/>'
        b"<published>2024-09-13T00:00:00Z</published></entry></feed>",
        "http://x.org/",
    )
    assert [(e.url, e.published) for e in atom.entries] == [
        ("http://x.org/c", dt.date(2024, 9, 13))
    ]
    news = parse_listing(
        news_sitemap([("http://x.org/d", "2023-07-20T08:00:00+00:00")]), "http://x.org/"
    )
    assert news.kind == "sitemap"
    assert (news.entries[0].url, news.entries[0].published) == (
        "http://x.org/d",
        dt.date(2023, 7, 20),
    )
    index = parse_listing(
        gzip.compress(sitemap_index(["http://x.org/s1.xml"])), "http://x.org/", 10**6
    )
    assert index.kind == "sitemapindex" and [c.url for c in index.children] == [
        "http://x.org/s1.xml"
    ]


def test_entity_bombs_are_refused_without_expansion():
    for body in (
        bomb("<rss><channel><item>", "</item></channel></rss>"),
        bomb(
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url>', "</url></urlset>"
        ),
    ):
        with pytest.raises(ListingError) as err:
            parse_listing(body, "http://x.org/")
        assert err.value.reason == "xml_entities"


def test_gzip_bomb_stops_at_the_size_cap():
    with pytest.raises(ListingError) as err:
        parse_listing(
            gzip.compress(b"<urlset>" + b" " * 5_000_000 + b"</urlset>"), "http://x.org/", 100_000
        )
    assert err.value.reason == "too_large"


def test_non_listing_xml_and_garbage_are_errors():
    for body, reason in (
        (b"<html><body>hi</body></html>", "not_a_listing"),
        (b"", "empty_listing"),
        (b"\x00\x01 not xml", "malformed_xml"),
    ):
        with pytest.raises(ListingError) as err:
            parse_listing(body, "http://x.org/")
        assert err.value.reason == reason


def test_section_links_keep_same_site_article_paths():
    import re

    html = (
        '<a href="/2023/07/talks-resume/">x</a><a href="/about">a</a>'
        '<a href="https://other.org/2023/07/x/">o</a><a href="/news/union-and-studios-meet-again#c">y</a>'
    )
    rx = re.compile(r"/\d{4}/\d{2}/|/[a-z0-9]+(?:-[a-z0-9]+){3,}/?$")
    assert section_links(html, "https://site.com/labor/", ("site.com",), rx) == [
        "https://site.com/2023/07/talks-resume/",
        "https://site.com/news/union-and-studios-meet-again",
    ]


def test_relevance_gate_matches_aliases_on_word_boundaries_inside_windows():
    gate = RelevanceGate(load_watchlist())
    assert gate.match("The UAW walked out at Stellantis.", "2023-09-15") == ["uaw_2023"]
    assert gate.match("The UAW walked out.", "2021-09-15") == []
    assert gate.match("A squawk about nothing.", None) == []
    assert gate.match("the actors\u2019 strike went on", "2023-08-01") == ["sag_aftra_tv_2023"]
    assert "sag_aftra_tv_2023" in gate.match("sag-aftra spoke", None)  # undated: benefit of doubt


def test_retry_after_accepts_seconds_and_http_dates():
    assert retry_after_seconds(b"7") == 7.0
    now = dt.datetime(2024, 1, 1, 12, 0, 0, tzinfo=dt.UTC).timestamp()
    assert retry_after_seconds("Mon, 01 Jan 2024 12:00:30 GMT", now=now) == 30.0
    assert retry_after_seconds("soon") is None


def test_state_treats_missing_file_and_tables_as_empty(tmp_path):
    assert load_state(tmp_path / "none.duckdb", "2024-01-01").urls == {}
    db = tmp_path / "tw.duckdb"
    duckdb.connect(str(db)).close()
    state = load_state(db, "2024-01-01")
    assert (state.urls, state.feeds) == ({}, {})


def test_state_reads_seen_articles_but_retries_failed_ones(tmp_path):
    db = tmp_path / "tw.duckdb"
    con = warehouse_with_articles(
        db,
        """
        ('a1', 'http://x/1?utm_source=y', 'http://x/1', 'relevant', null, 'h1', '00000000000000ff', '2024-01-01'),
        ('a2', 'http://x/2', 'http://x/2', 'failed', null, null, null, '2024-01-01'),
        ('a3', 'http://x/3', 'http://x/3', 'duplicate', 'a1', 'h1', '00000000000000ff', '2024-01-01'),
        ('a4', 'http://x/4', 'http://x/4', 'relevant', null, 'h4', null, '2024-01-02')""",
    )
    con.execute(
        "insert into feed_state (url, etag, last_modified, status, fetched_at)"
        " values ('http://x/feed', '\"e\"', null, 200, now())"
    )
    con.close()
    state = load_state(db, "2024-01-02")
    assert state.urls == {"http://x/1?utm_source=y": "a1", "http://x/1": "a1", "http://x/3": "a1"}
    assert state.body_hashes == {"h1": "a1"}
    assert state.simhashes.find(0xFF) == "a1"
    assert state.feeds == {}  # 2024-01-02 was already loaded: its rerun fetches listings again
    assert load_state(db, "2024-01-03").feeds == {"http://x/feed": ('"e"', None)}


def test_crawl_rejects_bad_config_before_starting(tmp_path):
    bad = tmp_path / "sources.yaml"
    bad.write_text("sources: [{name: x, allowed_domains: [x.org], feeds: [ftp://x.org/f]}]")
    with pytest.raises(ConfigError, match="not an http"):
        crawl(bad, tmp_path / "run", tmp_path / "raw", None, "2024-01-01")
    with pytest.raises(TablewatchError, match="YYYY-MM-DD"):
        crawl(DEFAULT_SOURCES, tmp_path / "run", tmp_path / "raw", None, "yesterday")


def test_crawl_reports_a_child_failure_in_one_line(tmp_path):
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "sources: [{name: x, allowed_domains: [127.0.0.1], feeds: ['http://127.0.0.1:9/f']}]"
    )
    db = tmp_path / "tw.duckdb"
    db.write_text("this is not a duckdb file")
    with pytest.raises(TablewatchError, match="cannot open warehouse") as err:
        crawl(sources, tmp_path / "run", tmp_path / "raw", db, "2024-01-01")
    assert "\n" not in str(err.value)


def test_a_second_crawl_of_the_same_day_is_refused_while_one_runs(tmp_path):
    import fcntl

    run_dir = tmp_path / "runs" / "2024-01-01"
    run_dir.mkdir(parents=True)
    with open(run_dir / ".crawl.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(TablewatchError, match="another crawl of 2024-01-01 is running"):
            crawl(DEFAULT_SOURCES, run_dir, tmp_path / "raw", None, "2024-01-01")
    assert not (run_dir / "crawl.log").exists()  # refused before any child started


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-16-be"])
def test_entity_declarations_are_refused_in_any_encoding(encoding: str) -> None:
    """The parse itself refuses entities (a byte search for <!ENTITY misses a UTF-16 bomb)."""
    from crawlers.discovery import ListingError, parse_xml

    text = bomb('<rss version="2.0"><channel><item>', "</item></channel></rss>").decode()
    text = text.replace('<?xml version="1.0"?>', f'<?xml version="1.0" encoding="{encoding}"?>')
    body = text.encode(encoding if encoding != "utf-16" else "utf-16")
    with pytest.raises(ListingError) as info:
        parse_xml(body)
    assert info.value.reason == "xml_entities"
