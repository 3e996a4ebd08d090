"""A rerun of the same day answers its page requests from the day's raw archive.

The server's request log is the witness: on the rerun, article pages (including one reached
through a redirect and one-word-slug candidates of a section page) are not requested again, every
listing is, and the day's articles file comes out the same. A new article listed between the two
runs is fetched; another day fetches again.
"""

from __future__ import annotations

import json

import pytest

from crawlers.run import crawl
from tests.support.crawl import FAST, paragraphs, records
from tests.support.site import FixtureSite, article_html, og, river_html, rss

LEAD = "Writers Guild negotiators met the studios again on {n}."
DAY, NEXT_DAY = "2023-07-21", "2023-07-22"
LISTINGS = ("/feed.xml", "/section/labor/")
FEED_ARTICLES = ("/news/story-0", "/news/story-1", "/news/old-address")
SECTION_ARTICLES = ("/story/writers-and-studios-resume-talks/", "/story/aftermath/")
ARTICLES = (*FEED_ARTICLES, *SECTION_ARTICLES)


def _page(n: int, extra: str = "") -> str:
    return article_html(f"Story {n}", paragraphs(30 + n, LEAD.format(n=n)), head_extra=extra)


def _card(path: str) -> tuple[str, str, str]:
    return path, f"Writers and studios talk again: {path}", "Both sides met for a full day. " * 3


def _feed(site: FixtureSite, paths: tuple[str, ...]) -> None:
    site.page("/feed.xml", rss([(site.base_url + p, None) for p in paths]), "application/rss+xml")


@pytest.fixture()
def site(tmp_path):
    with FixtureSite() as s:
        for n, path in enumerate(("/news/story-0", "/news/story-1", "/news/new-address")):
            s.page(path, _page(n))
        # a moved article: the archive must find it by the URL the feed lists
        s.page("/news/old-address", "", status=301, headers={"Location": "/news/new-address"})
        s.page(SECTION_ARTICLES[0], _page(5))
        s.page(SECTION_ARTICLES[1], _page(6, og("article")))  # a one-word slug
        _feed(s, FEED_ARTICLES)
        s.page("/section/labor/", river_html("Labor", [_card(p) for p in SECTION_ARTICLES]))
        s.sources = s.write_sources(
            tmp_path / "sources.yaml", feeds=["/feed.xml"], start_urls=["/section/labor/"]
        )
        yield s


def _hits(site: FixtureSite) -> list[str]:
    return [p for p in site.paths() if p != "/robots.txt"]


def _sorted(run_dir) -> list[dict]:
    return sorted(records(run_dir), key=lambda r: r["article_id"])


def _stats(run_dir) -> dict:
    return json.loads((run_dir / "crawl_stats.json").read_text())["scrapy"]


def test_same_day_rerun_reuses_archived_pages_and_refreshes_listings(site, tmp_path):
    run_dir, raw = tmp_path / "runs" / DAY, tmp_path / "raw"
    first = crawl(site.sources, run_dir, raw, None, DAY, settings=FAST)
    assert first.relevant == len(ARTICLES)
    assert set(_hits(site)) == {*LISTINGS, *ARTICLES, "/news/new-address"}
    before = _sorted(run_dir)
    site.hits.clear()

    second = crawl(site.sources, run_dir, raw, None, DAY, settings=FAST)

    hits = _hits(site)
    assert sorted(hits) == sorted(LISTINGS)  # every listing again, not one article page
    assert _sorted(run_dir) == before  # the same records, fetch times and raw paths included
    assert _stats(run_dir)["tablewatch/archive_reused"] == len(ARTICLES)
    assert second.requests < first.requests
    assert len(list((raw / DAY).glob("*.warc.gz"))) == 1  # nothing archived twice

    # the listings were really read: an article listed since then is fetched, and only it
    site.page("/news/story-new", _page(9))
    _feed(site, (*FEED_ARTICLES, "/news/story-new"))
    site.hits.clear()
    crawl(site.sources, run_dir, raw, None, DAY, settings=FAST)
    assert sorted(_hits(site)) == sorted((*LISTINGS, "/news/story-new"))
    after = _sorted(run_dir)
    assert [r for r in after if r["url"].endswith("/news/story-new")][0]["status"] == "relevant"
    assert [r for r in after if not r["url"].endswith("/news/story-new")] == before


def test_another_day_fetches_again(site, tmp_path):
    raw = tmp_path / "raw"
    crawl(site.sources, tmp_path / "runs" / DAY, raw, None, DAY, settings=FAST)
    site.hits.clear()

    crawl(site.sources, tmp_path / "runs" / NEXT_DAY, raw, None, NEXT_DAY, settings=FAST)

    # no warehouse says they are stored, and another day's archive is not this day's
    assert set(ARTICLES) <= set(_hits(site))
    assert "tablewatch/archive_reused" not in _stats(tmp_path / "runs" / NEXT_DAY)


def test_reuse_can_be_switched_off(site, tmp_path):
    run_dir, raw = tmp_path / "runs" / DAY, tmp_path / "raw"
    crawl(site.sources, run_dir, raw, None, DAY, settings=FAST)
    site.hits.clear()

    settings = {**FAST, "TABLEWATCH_REUSE_DAY_ARCHIVE": False}
    crawl(site.sources, run_dir, raw, None, DAY, settings=settings)

    assert set(ARTICLES) <= set(_hits(site))
    assert len(list((raw / DAY).glob("*.warc.gz"))) == 2
