"""Reruns: a warehouse that already holds the articles means no article page is requested, feeds
are fetched conditionally (304), and a rerun of the same day reproduces that day's files."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from crawlers.rawstore import read_page
from crawlers.run import crawl
from tests.support.crawl import FAST, paragraphs, records
from tests.support.site import (
    FixtureSite,
    article_html,
    conditional,
    news_sitemap,
    rss,
)

LEAD = "Writers Guild negotiators met the studios again on {n}."


def _warehouse(db: Path, run_dir: Path) -> None:
    """A warehouse as the load stage leaves it: articles without body, and feed_state."""
    con = duckdb.connect(str(db))
    con.execute(
        "create table articles as select * exclude (body) from read_json_auto(?)",
        [str(run_dir / "articles.jsonl")],
    )
    con.execute(
        "create table feed_state as select url, etag, last_modified, status, "
        "cast(fetched_at as timestamp) as fetched_at from read_json_auto(?)",
        [str(run_dir / "feed_state.jsonl")],
    )
    con.close()


@pytest.fixture()
def site(tmp_path):
    with FixtureSite() as s:
        b = s.base_url
        for n in range(3):
            s.page(
                f"/news/story-{n}", article_html(f"Story {n}", paragraphs(20 + n, LEAD.format(n=n)))
            )
        s.routes["/feed.xml"] = conditional(
            rss([(f"{b}/news/story-{n}", None) for n in range(2)]), '"f1"'
        )
        s.routes["/news-sitemap.xml"] = conditional(
            news_sitemap([(f"{b}/news/story-2", "2023-07-20")]), '"s1"', "application/xml"
        )
        s.sources = s.write_sources(
            tmp_path / "sources.yaml", feeds=["/feed.xml"], sitemaps=["/news-sitemap.xml"]
        )
        yield s


def test_rerun_with_warehouse_requests_no_article_pages(site, tmp_path):
    raw = tmp_path / "raw"
    first = crawl(
        site.sources, tmp_path / "runs/2023-07-21", raw, None, "2023-07-21", settings=FAST
    )
    assert first.relevant == 3
    db = tmp_path / "tablewatch.duckdb"
    _warehouse(db, tmp_path / "runs/2023-07-21")
    site.hits.clear()

    second = crawl(site.sources, tmp_path / "runs/2023-07-22", raw, db, "2023-07-22", settings=FAST)

    assert not [p for p in site.paths() if p.startswith("/news/story")]
    listing_hits = {p: h for p, h in site.hits if p in ("/feed.xml", "/news-sitemap.xml")}
    assert listing_hits["/feed.xml"]["if-none-match"] == '"f1"'
    assert listing_hits["/news-sitemap.xml"]["if-none-match"] == '"s1"'
    assert "if-modified-since" in listing_hits["/feed.xml"]
    feeds = [
        json.loads(x)
        for x in (tmp_path / "runs/2023-07-22/feed_state.jsonl").read_text().splitlines()
    ]
    assert {f["status"] for f in feeds} == {304}
    assert {f["etag"] for f in feeds} == {'"f1"', '"s1"'}  # validators carried to the next run
    assert records(tmp_path / "runs/2023-07-22") == []
    assert (second.fetched, second.relevant) == (0, 0)
    assert second.requests < first.requests


def test_snapshot_is_preferred_and_new_articles_are_still_fetched(site, tmp_path):
    raw = tmp_path / "raw"
    crawl(site.sources, tmp_path / "runs/2023-07-21", raw, None, "2023-07-21", settings=FAST)
    db = tmp_path / "tablewatch.duckdb"
    duckdb.connect(str(db)).close()  # the main file exists but has no tables yet
    _warehouse(tmp_path / "tablewatch.snapshot.duckdb", tmp_path / "runs/2023-07-21")
    b = site.base_url
    site.page("/news/story-new", article_html("New", paragraphs(40, LEAD.format(n="Friday"))))
    site.routes["/feed.xml"] = conditional(
        rss([(f"{b}/news/story-0", None), (f"{b}/news/story-new", None)]), '"f2"'
    )
    site.hits.clear()

    result = crawl(site.sources, tmp_path / "runs/2023-07-22", raw, db, "2023-07-22", settings=FAST)

    assert [p for p in site.paths() if p.startswith("/news/")] == ["/news/story-new"]
    assert result.relevant == 1


def test_rerun_of_the_same_day_reproduces_its_files(site, tmp_path):
    run_dir, raw = tmp_path / "runs/2023-07-21", tmp_path / "raw"
    crawl(site.sources, run_dir, raw, None, "2023-07-21", settings=FAST)
    before = {r["article_id"]: (r["status"], r["body_hash"]) for r in records(run_dir)}
    db = tmp_path / "tablewatch.duckdb"
    _warehouse(db, run_dir)  # the day was loaded; rerunning it must not come back empty
    (run_dir / "articles.jsonl.tmp").write_text("half a line from a killed crawl")
    (raw / "2023-07-21" / "tablewatch-2023-07-21-killed.warc.gz.tmp").write_bytes(b"half a record")

    crawl(site.sources, run_dir, raw, db, "2023-07-21", settings=FAST)

    after = {r["article_id"]: (r["status"], r["body_hash"]) for r in records(run_dir)}
    assert after == before and len(after) == 3
    assert not list(run_dir.glob("*.tmp"))
    # the rerun reused the pages the day had archived: it archived nothing new (an empty run
    # publishes no file), and every record names a readable page
    assert len(list(raw.glob("2023-07-21/*.warc.gz"))) == 1 and not list(raw.rglob("*.tmp"))
    for rec in records(run_dir):
        assert read_page(tmp_path, rec["raw_path"])[0].startswith(b"<")
