"""The demo site over real HTTP on 127.0.0.1: discovery files, articles, as_of, 304s, scale."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
import socket
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from html import unescape
from urllib.parse import urljoin

import pytest

from crawlers.sources import load_sources
from demosite import DemoSite
from kernel.errors import TablewatchError

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
ATOM = "{http://www.w3.org/2005/Atom}"


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def feed_links(url: str) -> list[str]:
    status, _, body = fetch(url)
    assert status == 200
    root = ET.fromstring(body)
    if root.tag == f"{ATOM}feed":
        return [e.find(f"{ATOM}link").get("href") for e in root.iter(f"{ATOM}entry")]
    return [i.findtext("link") for i in root.iter("item")]


def sitemap_urls(url: str) -> list[str]:
    """Every page URL reachable from a sitemap or sitemap index, as a crawler would walk it."""
    status, _, body = fetch(url)
    assert status == 200, url
    root = ET.fromstring(body)
    if root.tag == f"{SM}sitemapindex":
        out: list[str] = []
        for loc in root.iter(f"{SM}loc"):
            out += sitemap_urls(loc.text)
        return out
    return [loc.text for loc in root.iter(f"{SM}loc")]


def robots_sitemaps(base: str) -> list[str]:
    status, _, body = fetch(base + "/robots.txt")
    assert status == 200
    text = body.decode()
    assert re.search(r"^Disallow: /search$", text, re.M)
    return re.findall(r"^Sitemap: (\S+)$", text, re.M)


@pytest.fixture(scope="module")
def site():
    with DemoSite() as s:
        yield s


def test_every_corpus_article_is_discoverable_via_robots_sitemaps(site) -> None:
    assert len(site.outlets) >= 3
    found: set[str] = set()
    for outlet in site.outlets:
        maps = robots_sitemaps(outlet.base_url)
        assert maps and all(m.startswith(outlet.base_url) for m in maps)
        for m in maps:
            found.update(sitemap_urls(m))
    expected = {a.url for a in site.articles}
    assert len(expected) >= 60
    assert found == expected


def test_feeds_list_fetchable_articles_with_canonical_urls(site, tmp_path) -> None:
    seen = 0
    for src in load_sources(site.write_sources(tmp_path / "sources.yaml")):
        links = feed_links(src.feeds[0])
        assert links
        seen += len(links)
        status, headers, body = fetch(links[0])
        assert status == 200 and headers["Content-Type"].startswith("text/html")
        canonical = re.search(rb'<link rel="canonical" href="([^"]+)"', body).group(1).decode()
        assert canonical == links[0].split("?")[0]
    assert seen == len(site.articles)


def test_outlets_carry_metadata_in_different_places(site) -> None:
    by_outlet = {}
    for a in site.articles:
        by_outlet.setdefault(a.outlet, a)
    pages = {name: fetch(a.url)[2].decode() for name, a in by_outlet.items()}
    a = by_outlet["callsheet"]
    ld = json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', pages["callsheet"]).group(
            1
        )
    )
    assert ld["@type"] == "NewsArticle" and ld["datePublished"].startswith(a.published.isoformat())
    assert 'property="article:published_time"' in pages["marquee"]
    assert "ld+json" not in pages["marquee"]
    b = by_outlet["backlot"]
    assert f'datetime="{b.published.isoformat()}' in pages["backlot"]
    assert b.published.strftime("/%Y/%m/%d/") in b.url
    assert "ld+json" not in pages["backlot"] and "article:published_time" not in pages["backlot"]


def test_section_pages_paginate_to_every_negotiation_article(site, tmp_path) -> None:
    for src in load_sources(site.write_sources(tmp_path / "sources.yaml")):
        url, links = src.start_urls[0], set()
        while url:
            status, _, body = fetch(url)
            assert status == 200
            html = body.decode()
            links |= {unescape(h) for h in re.findall(r'<a[^>]+href="(http[^"]+)"', html)}
            nxt = re.search(r'<a href="([^"]+)">Older stories</a>', html)
            url = urljoin(url, unescape(nxt.group(1))) if nxt else None
        mine = {a.url for a in site.articles if a.outlet == src.name and a.negotiation}
        assert len(mine) >= 10
        assert mine <= {link.split("?")[0] for link in links}


def test_tracking_variants_serve_the_same_canonical_page(site) -> None:
    tracked = next(a for a in site.articles if a.url_variants)
    bodies = [fetch(tracked.url + v)[2] for v in ("", *tracked.url_variants)]
    assert len(set(bodies)) == 1
    base = tracked.url.split("/", 3)[:3]
    feed = feed_links("/".join(base) + "/feed/")
    assert tracked.url + tracked.url_variants[0] in feed


def test_as_of_hides_later_articles(tmp_path) -> None:
    cut = dt.date(2026, 5, 1)
    with DemoSite(as_of=cut) as s:
        later = [a for a in s.articles if a.published > cut]
        earlier = [a for a in s.articles if a.published <= cut]
        assert later and earlier
        assert fetch(later[0].url)[0] == 404
        assert fetch(earlier[0].url)[0] == 200
        listed = set()
        for o in s.outlets:
            for m in robots_sitemaps(o.base_url):
                listed.update(sitemap_urls(m))
        assert listed == {a.url for a in earlier}
        sources = load_sources(s.write_sources(tmp_path / "sources.yaml"))
        feeds = [u for src in sources for u in feed_links(src.feeds[0])]
        assert len(feeds) == len(earlier)
        s.set_as_of(None)
        assert fetch(later[0].url)[0] == 200


def test_conditional_requests_get_304(site, tmp_path) -> None:
    for src in load_sources(site.write_sources(tmp_path / "sources.yaml")):
        for url in (src.feeds[0], src.sitemaps[0]):
            status, headers, _ = fetch(url)
            assert status == 200 and headers["ETag"] and headers["Last-Modified"]
            assert fetch(url, {"If-None-Match": headers["ETag"]})[0] == 304
            assert fetch(url, {"If-Modified-Since": headers["Last-Modified"]})[0] == 304
            assert fetch(url, {"If-None-Match": '"stale"'})[0] == 200
            assert fetch(url, {"If-Modified-Since": "Mon, 06 Apr 2026 00:00:00 GMT"})[0] == 200


def test_feed_changes_etag_when_as_of_moves() -> None:
    with DemoSite(as_of=dt.date(2026, 4, 30)) as s:
        feed = s.outlets[0].base_url + "/feed/"
        etag = fetch(feed)[1]["ETag"]
        s.set_as_of(dt.date(2026, 5, 15))
        status, headers, _ = fetch(feed, {"If-None-Match": etag})
        assert status == 200 and headers["ETag"] != etag


def test_gzip_robots_404_and_private(site) -> None:
    base = site.outlets[0].base_url
    status, headers, body = fetch(base + "/feed/", {"Accept-Encoding": "gzip"})
    assert headers.get("Content-Encoding") == "gzip" and gzip.decompress(body).startswith(b"<?xml")
    assert fetch(base + "/news/no-such-story/")[0] == 404
    assert fetch(base + "/private/newsletter")[0] == 403
    status, _, body = fetch(base + "/news-sitemap.xml")
    assert status == 200 and b"<news:publication_date>" in body


def test_generated_site_serves_distinct_urls_through_paged_sitemaps() -> None:
    with DemoSite(generated=1000, sitemap_page=100) as s:
        urls: list[str] = []
        for o in s.outlets:
            for m in robots_sitemaps(o.base_url):
                urls += sitemap_urls(m)
        urls = sorted(set(urls))
        assert len(urls) == 1000 == len(s.articles)
        index = ET.fromstring(fetch(s.outlets[2].base_url + "/sitemap.xml")[2])
        assert index.tag == f"{SM}sitemapindex" and len(index) == 4  # 334 URLs, pages of 100
        pages = [fetch(u) for u in urls[::250]]
        assert all(p[0] == 200 for p in pages)
        feed = feed_links(s.outlets[1].base_url + "/feeds/all.atom")
        assert len(feed) == 100
        first = fetch(s.articles[7].url)[2]
    with DemoSite(generated=1000) as s2:
        again = fetch(s2.articles[7].url)[2]
        assert re.sub(rb"127\.0\.0\.1:\d+", b"", first) == re.sub(rb"127\.0\.0\.1:\d+", b"", again)


def test_stop_frees_ports() -> None:
    s = DemoSite().start()
    ports = [int(u.rsplit(":", 1)[1]) for u in s.base_urls]
    fetch(s.base_urls[0] + "/robots.txt")
    s.stop()
    for port in ports:
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", port))


def test_busy_port_is_a_clear_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(TablewatchError, match=f"cannot listen on 127.0.0.1:{port}"):
            DemoSite(port_base=port).start()


def test_parallel_requests_while_as_of_moves() -> None:
    from concurrent.futures import ThreadPoolExecutor

    with DemoSite(generated=300) as s:
        urls = [a.url for a in s.articles if a.published <= dt.date(2026, 1, 1)][:40]
        feeds = [src["feeds"][0] for src in s.sources()]

        def hit(i: int) -> int:
            if i % 10 == 0:
                s.set_as_of(dt.date(2026, 1, 1) if i % 20 else None)
            return fetch((urls + feeds)[i % (len(urls) + len(feeds))])[0]

        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(hit, range(200)))
    assert set(statuses) == {200}


def test_navigation_links_do_not_dead_end(site) -> None:
    for outlet in site.outlets:
        html = fetch(next(a.url for a in site.articles if a.outlet == outlet.name))[2].decode()
        hrefs = {h for h in re.findall(r'href="(/[^"]*)"', html) if not h.startswith("/static/")}
        assert len(hrefs) >= 5
        for href in hrefs:
            expected = 403 if href.startswith(("/private/", "/account/")) else 200
            assert fetch(urljoin(outlet.base_url, href))[0] == expected, href


def test_as_of_given_as_text_is_read_as_a_day_and_a_bad_one_is_refused(tmp_path) -> None:
    """``DemoSite(as_of="2026-04-08")`` serves that day's storyline, as ``set_as_of`` does."""
    counts = []
    for as_of in ("2026-04-08", dt.date(2026, 4, 8)):
        with DemoSite(as_of=as_of) as s:
            sources = load_sources(s.write_sources(tmp_path / "sources.yaml"))
            counts.append([len(feed_links(src.feeds[0])) for src in sources])
    assert sum(counts[0]) > 0
    assert counts[0] == counts[1]
    with pytest.raises(TablewatchError, match="as_of"):
        DemoSite(as_of="8 April")
