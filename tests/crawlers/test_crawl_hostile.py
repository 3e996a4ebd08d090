"""Hostile pages and hosts: binary bodies labelled text/html, a charset that lies, links and
redirects (robots.txt too) to another port of the same host, a section page past the link cap.

Two real servers on 127.0.0.1 on different ports: the crawl may only ever reach the first (the
source's own port); every page it fetched is recorded once, with a reason when it failed."""

from __future__ import annotations

import json
import random

import pytest

from crawlers.run import crawl
from tests.support.crawl import FAST, by_path, paragraphs, records
from tests.support.site import FixtureSite, article_html, rss

SAG = "SAG-AFTRA and the studios returned to the table on Thursday."
QUOTE = "SAG-AFTRA said \u201cwe are close\u201d at the caf\u00e9 on Thursday."


def _pdf() -> bytes:
    rng = random.Random(7)
    stream = bytes(rng.randrange(256) for _ in range(6000))
    return b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Length 6000 >>\nstream\n" + stream


@pytest.fixture(scope="module")
def hostile_crawl(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    with FixtureSite() as site, FixtureSite() as other:
        b, o = site.base_url, other.base_url
        other.page("/robots.txt", "User-agent: *\nAllow: /\n", "text/plain")
        other.page("/news/other-port-story", article_html("Elsewhere", paragraphs(20, SAG)))
        other.page("/2023/07/other-port-section/", article_html("Else", paragraphs(21, SAG)))
        # robots.txt of the source's port answers a redirect to another port
        site.page("/robots.txt", "", status=302, headers={"Location": f"{o}/robots.txt"})
        rng = random.Random(3)
        site.page("/news/random-bytes", bytes(rng.randrange(256) for _ in range(40_000)))
        site.page("/news/pdf-as-html", _pdf())
        site.page(
            "/news/utf16-with-bom",
            article_html("Wide talks", paragraphs(22, SAG), charset=None).encode("utf-16"),
            content_type="text/html",
        )
        site.page(
            "/news/utf8-sent-as-utf16",
            article_html("Caf\u00e9 talks", paragraphs(23, QUOTE), charset=None).encode("utf-8"),
            content_type="text/html; charset=utf-16",
        )
        site.page(
            "/news/to-other-port",
            "",
            status=302,
            headers={"Location": f"{o}/news/other-port-story"},
        )
        site.page(
            "/feed.xml",
            rss(
                [
                    (f"{b}/news/random-bytes", None),
                    (f"{b}/news/pdf-as-html", None),
                    (f"{b}/news/utf16-with-bom", None),
                    (f"{b}/news/utf8-sent-as-utf16", None),
                    (f"{b}/news/to-other-port", None),
                    (f"{o}/news/other-port-story", None),
                ]
            ),
            content_type="application/rss+xml",
        )
        site.page(
            "/section/labor",
            f'<html><body><a href="/2023/07/own-section/">Own</a>'
            f'<a href="{o}/2023/07/other-port-section/">Other port</a></body></html>',
        )
        site.page("/2023/07/own-section/", article_html("Own section", paragraphs(24, SAG)))
        sources = site.write_sources(
            tmp / "sources.yaml", feeds=["/feed.xml"], start_urls=["/section/labor"]
        )
        run_dir, raw_dir = tmp / "runs" / "2023-07-21", tmp / "raw"
        result = crawl(sources, run_dir, raw_dir, None, "2023-07-21", settings=FAST)
        yield {
            "result": result,
            "run_dir": run_dir,
            "recs": records(run_dir),
            "paths": site.paths(),
            "other_paths": other.paths(),
        }


def test_binary_bodies_labelled_html_fail_as_not_html(hostile_crawl):
    recs = by_path(hostile_crawl["recs"])
    for path in ("/news/random-bytes", "/news/pdf-as-html"):
        assert (recs[path]["status"], recs[path]["reason"]) == ("failed", "not_html"), path
        assert recs[path]["body"] is None and recs[path]["http_status"] == 200


def test_utf16_page_with_bom_is_text_not_binary(hostile_crawl):
    rec = by_path(hostile_crawl["recs"])["/news/utf16-with-bom"]
    assert rec["status"] == "relevant", rec
    assert SAG in rec["body"]


def test_utf8_page_declared_utf16_is_decoded_from_its_bytes(hostile_crawl):
    rec = by_path(hostile_crawl["recs"])["/news/utf8-sent-as-utf16"]
    assert rec["status"] == "relevant", rec
    assert rec["title"] == "Caf\u00e9 talks"
    assert "\u201cwe are close\u201d at the caf\u00e9" in rec["body"]


def test_nothing_reaches_another_port_of_the_same_host(hostile_crawl):
    # not the feed link, not the section link, not the redirect, not the robots.txt redirect
    assert hostile_crawl["other_paths"] == []
    recs = by_path(hostile_crawl["recs"])
    away = recs["/news/to-other-port"]
    assert (away["status"], away["reason"]) == ("failed", "offsite_redirect")
    assert "/2023/07/own-section/" in recs and recs["/2023/07/own-section/"]["status"] == "relevant"
    stats = json.loads((hostile_crawl["run_dir"] / "crawl_stats.json").read_text())
    assert stats["scrapy"]["tablewatch/offsite_redirect"] == 2  # the article and robots.txt
    assert stats["scrapy"]["tablewatch/link_offsite"] == 1  # the feed's other-port link


def test_every_fetched_page_is_recorded_once(hostile_crawl):
    recs = hostile_crawl["recs"]
    ids = [r["article_id"] for r in recs]
    assert len(ids) == len(set(ids))
    assert sorted(by_path(recs)) == sorted(
        [
            "/news/random-bytes",
            "/news/pdf-as-html",
            "/news/utf16-with-bom",
            "/news/utf8-sent-as-utf16",
            "/news/to-other-port",
            "/2023/07/own-section/",
        ]
    )
    result = hostile_crawl["result"]
    assert (result.relevant, result.failed) == (3, 3)


def test_links_past_the_cap_are_counted(tmp_path):
    with FixtureSite() as site:
        links = "".join(f'<a href="/2023/07/story-{i}/">s{i}</a>' for i in range(12))
        site.page("/section/many", f"<html><body>{links}</body></html>")
        feed = rss([(f"{site.base_url}/news/feed-{i}", None) for i in range(7)])
        site.page("/feed.xml", feed, content_type="application/rss+xml")
        sources = site.write_sources(
            tmp_path / "sources.yaml", feeds=["/feed.xml"], start_urls=["/section/many"]
        )
        run_dir = tmp_path / "runs" / "2023-07-21"
        settings = {**FAST, "TABLEWATCH_MAX_LINKS_PER_LISTING": 5}
        crawl(sources, run_dir, tmp_path / "raw", None, "2023-07-21", settings=settings)
        fetched = [p for p in site.paths() if p.startswith(("/2023/", "/news/"))]
    stats = json.loads((run_dir / "crawl_stats.json").read_text())
    assert stats["counts"]["links_dropped"] == (12 - 5) + (7 - 5)
    assert len(fetched) == 10
    # each link that was followed is one record (404 here), none twice
    recs = records(run_dir)
    assert len(recs) == 10 == len({r["article_id"] for r in recs})
