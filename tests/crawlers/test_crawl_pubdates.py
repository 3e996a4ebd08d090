"""Publication dates as the crawl stores them: an undated article keeps ``published`` null even
when its body mentions dates; a byline that states the publication, or "2 hours ago" read against
the fetch time, gives the day. One real crawl of a local site (issue 20)."""

from __future__ import annotations

import datetime as dt

import pytest

from crawlers.run import crawl
from tests.support.crawl import FAST, by_path, paragraphs, records
from tests.support.site import FixtureSite, article_html, rss

LEAD = "SAG-AFTRA and the studios met again on Thursday."
EXPIRES = "The union said the contract expires on June 30, 2026, and talks resume on 14 July."


def _with_byline(title: str, byline: str, body: list[str]) -> str:
    page = article_html(title, body, published=None)
    return page.replace("</h1>", f'</h1><p class="byline">By Rosa Vance &middot; {byline}</p>')


@pytest.fixture(scope="module")
def dated_crawl(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pubdates")
    with FixtureSite() as site:
        b = site.base_url
        site.page(
            "/news/undated-talks",
            article_html("Talks drag on", [EXPIRES, *paragraphs(31, LEAD)], published=None),
        )
        site.page(
            "/news/bylined-talks",
            _with_byline(
                "Talks resume", "Published June 2, 2026", [EXPIRES, *paragraphs(32, LEAD)]
            ),
        )
        site.page(
            "/news/fresh-talks",
            _with_byline("Talks tonight", "2 hours ago", paragraphs(33, LEAD)),
        )
        site.page(
            "/feed.xml",
            rss(
                [(f"{b}/news/{p}", None) for p in ("undated-talks", "bylined-talks", "fresh-talks")]
            ),
            content_type="application/rss+xml",
        )
        sources = site.write_sources(tmp / "sources.yaml", feeds=["/feed.xml"])
        run_dir = tmp / "runs" / "2026-06-03"
        crawl(sources, run_dir, tmp / "raw", None, "2026-06-03", settings=FAST)
        yield by_path(records(run_dir))


def test_undated_article_keeps_published_null_despite_dates_in_its_body(dated_crawl):
    rec = dated_crawl["/news/undated-talks"]
    assert rec["status"] == "relevant"
    assert "June 30, 2026" in rec["body"]
    assert rec["published"] is None and rec["published_source"] is None


def test_byline_that_states_the_publication_gives_the_day(dated_crawl):
    rec = dated_crawl["/news/bylined-talks"]
    assert (rec["published"], rec["published_source"]) == ("2026-06-02", "text")


def test_relative_byline_is_read_against_the_fetch_time(dated_crawl):
    rec = dated_crawl["/news/fresh-talks"]
    fetched = dt.datetime.fromisoformat(rec["fetched_at"].replace("Z", "+00:00"))
    assert rec["published"] == (fetched - dt.timedelta(hours=2)).date().isoformat()
