"""One crawl of a site serving every fault we know of: the crawl finishes, good pages land,
each bad one is recorded with its reason, nothing is stored twice."""

from __future__ import annotations

import json

import pytest

from crawlers.rawstore import read_page
from crawlers.run import crawl
from tests.support.crawl import FAST, by_path, paragraphs, records
from tests.support.site import (
    FixtureSite,
    article_html,
    bomb,
    flaky,
    hang,
    news_sitemap,
    rss,
    sitemap_index,
    stream_bytes,
)

SAG = "SAG-AFTRA and the studios returned to the table on Thursday."


@pytest.fixture(scope="module")
def fault_crawl(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("faults")
    with FixtureSite() as site:
        b = site.base_url
        good = article_html(
            "Talks resume", paragraphs(1, SAG, words=400), canonical=f"{b}/news/talks-resume"
        )
        site.page("/news/talks-resume", good)
        # The same story under an AMP URL that declares the real one canonical.
        site.page(
            "/amp/talks-resume",
            article_html(
                "Talks resume", paragraphs(1, SAG, words=400), canonical=f"{b}/news/talks-resume"
            ),
        )
        # A syndicated copy: same text with a footer line (near duplicate, new URL).
        site.page(
            "/wire/talks-copy",
            article_html(
                "Talks resume", [*paragraphs(1, SAG, words=400), "Distributed by Wire Service."]
            ),
        )
        site.page(
            "/news/cooking-show",
            article_html(
                "A new cooking show", paragraphs(2, "A chef opened a new restaurant downtown.")
            ),
        )
        site.page(
            "/news/old-wga",
            article_html(
                "Writers Guild history",
                paragraphs(3, "The WGA held a meeting."),
                published="2021-01-05",
            ),
        )
        site.page("/news/retry-after", "")
        site.routes["/news/retry-after"] = flaky(
            (503, {"Retry-After": "1", "Content-Type": "text/html"}, b"busy"),
            (
                200,
                {"Content-Type": "text/html; charset=utf-8"},
                article_html("Strike day", paragraphs(4, SAG)).encode(),
            ),
        )
        site.page("/news/gone-404", "<html><body>missing</body></html>", status=404)
        site.page("/news/gone-410", "<html><body>gone</body></html>", status=410)
        site.page("/news/error-500", "<html><body>oops</body></html>", status=500)
        site.page("/news/busy-503", "busy", status=503, headers={"Retry-After": "1"})
        site.routes["/news/hang"] = hang(site)
        site.page("/news/loop-a", "", status=302, headers={"Location": "/news/loop-b"})
        site.page("/news/loop-b", "", status=302, headers={"Location": "/news/loop-a"})
        site.page(
            "/news/away",
            "",
            status=302,
            headers={"Location": f"{site.foreign_url}/news/foreign-story"},
        )
        site.page("/private/secret-story", article_html("Secret", paragraphs(5, SAG)))
        cp1252 = article_html(
            "Caf\u00e9 talks",
            paragraphs(6, "SAG-AFTRA said \u201cwe are close\u201d at the caf\u00e9."),
            charset=None,
        ).encode("cp1252")
        site.page("/news/cp1252-wrong-charset", cp1252, content_type="text/html; charset=utf-8")
        latin1 = article_html(
            "R\u00e9sum\u00e9 of talks",
            paragraphs(7, "SAG-AFTRA met at the caf\u00e9 na\u00efvely."),
            charset=None,
        ).encode("latin-1")
        site.page("/news/latin1-no-charset", latin1, content_type="text/html")
        site.routes["/news/huge"] = stream_bytes(60 * 1024 * 1024)
        trunc = article_html("Cut short", paragraphs(8, SAG))
        site.page("/news/truncated", trunc[: trunc.index("</article>") - 40] + '<p class="unfin')
        site.page("/news/empty", b"")
        old = "Mon, 01 Jan 2018 10:00:00 GMT"
        site.page(
            "/feed.xml",
            rss(
                [
                    (f"{b}/news/talks-resume?utm_source=rss&utm_medium=feed", None),
                    (f"{b}/news/talks-resume#comments", None),
                    (f"{b}/amp/talks-resume", None),
                    (f"{b}/wire/talks-copy", None),
                    (f"{b}/news/cooking-show", None),
                    (f"{b}/news/old-wga", None),
                    (f"{b}/news/retry-after", None),
                    (f"{b}/news/gone-404", None),
                    (f"{b}/news/gone-410", None),
                    (f"{b}/news/error-500", None),
                    (f"{b}/news/busy-503", None),
                    (f"{b}/news/hang", None),
                    (f"{b}/news/loop-a", None),
                    (f"{b}/news/away", None),
                    (f"{b}/private/secret-story", None),
                    (f"{b}/news/cp1252-wrong-charset", None),
                    (f"{b}/news/latin1-no-charset", None),
                    (f"{b}/news/huge", None),
                    (f"{b}/news/truncated", None),
                    (f"{b}/news/empty", None),
                    (f"{b}/news/ancient-story", old),
                    ("http://elsewhere.invalid/news/x", None),
                ]
            ),
            content_type="application/rss+xml",
        )
        # Cut off mid-item: the complete item is salvaged, the crawl notes the damage.
        site.page(
            "/broken-feed.xml",
            f"<rss><channel><item><link>{b}/news/salvaged</link></item><item><title>cut",
            "application/rss+xml",
        )
        site.page("/news/salvaged", article_html("Salvaged", paragraphs(10, SAG)))
        site.page("/not-xml-feed.xml", b"<<< this is not a feed >>>", "application/rss+xml")
        site.page(
            "/bomb-feed.xml",
            bomb('<rss version="2.0"><channel><item>', "</item></channel></rss>"),
            "application/rss+xml",
        )
        site.page(
            "/bomb-sitemap.xml",
            bomb(
                '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url>',
                "</url></urlset>",
            ),
            "application/xml",
        )
        site.page("/sitemap-index.xml", sitemap_index([f"{b}/sitemap-news.xml"]), "application/xml")
        site.page(
            "/sitemap-news.xml",
            news_sitemap(
                [
                    (f"{b}/news/sitemap-story", "2023-07-20T08:00:00Z"),
                    (f"{b}/news/ancient-sitemap-story", "2019-01-01"),
                ]
            ),
            "application/xml",
        )
        site.page(
            "/news/sitemap-story", article_html("Sitemap story", paragraphs(9, SAG), published=None)
        )
        site.page(
            "/section/labor",
            '<html><body><a href="/2023/07/section-story/">Story</a>'
            '<a href="/about">About us</a><a href="/2023/07/section-story/#comments">c</a></body></html>',
        )
        site.page("/2023/07/section-story/", article_html("Section story", paragraphs(11, SAG)))
        sources = site.write_sources(
            tmp / "sources.yaml",
            start_urls=["/section/labor"],
            feeds=["/feed.xml", "/broken-feed.xml", "/not-xml-feed.xml", "/bomb-feed.xml"],
            sitemaps=["/sitemap-index.xml", "/bomb-sitemap.xml"],
        )
        run_dir, raw_dir = tmp / "runs" / "2023-07-21", tmp / "raw"
        result = crawl(sources, run_dir, raw_dir, None, "2023-07-21", settings=FAST)
        yield {
            "result": result,
            "run_dir": run_dir,
            "raw_dir": raw_dir,
            "paths": site.paths(),
            "recs": records(run_dir),
            "base": b,
        }


def test_good_articles_land_as_relevant(fault_crawl):
    recs = by_path(fault_crawl["recs"])
    assert recs["/news/retry-after"]["negotiations"] == ["sag_aftra_tv_2023"]
    for path in (
        "/news/retry-after",
        "/news/sitemap-story",
        "/news/cp1252-wrong-charset",
        "/news/latin1-no-charset",
        "/news/truncated",
        "/news/salvaged",
        "/2023/07/section-story/",
    ):
        assert recs[path]["status"] == "relevant", (path, recs[path])
        # undated pages get the benefit of the doubt, so may match later negotiations too
        assert "sag_aftra_tv_2023" in recs[path]["negotiations"]
        assert recs[path]["body"] and recs[path]["raw_path"]
    # + one of the three copies of the talks story (whichever arrived first)
    assert fault_crawl["result"].relevant == 8
    # undated page, but the news sitemap dated it 2023-07-20: judged by that date
    story = recs["/news/sitemap-story"]
    assert (story["published"], story["negotiations"]) == (None, ["sag_aftra_tv_2023"])
    # a link that does not look like an article is tried once, after the likely ones, and a
    # page that is not an article (here a 404) leaves no record
    assert fault_crawl["paths"].count("/about") == 1 and "/about" not in recs


def test_bad_pages_are_recorded_with_reasons(fault_crawl):
    recs = by_path(fault_crawl["recs"])
    expected = {
        "/news/gone-404": "http_404",
        "/news/gone-410": "http_410",
        "/news/error-500": "http_500",
        "/news/busy-503": "http_503",
        "/news/hang": "timeout",
        "/news/loop-a": "redirect_loop",
        "/news/away": "offsite_redirect",
        "/private/secret-story": "robots",
        "/news/huge": "too_large",
        "/news/empty": "no_body",
    }
    got = {p: (recs[p]["status"], recs[p]["reason"]) for p in expected}
    assert got == {p: ("failed", r) for p, r in expected.items()}
    assert recs["/news/gone-404"]["http_status"] == 404
    assert fault_crawl["result"].failed == len(expected)


def test_irrelevant_and_out_of_window_are_skipped(fault_crawl):
    recs = by_path(fault_crawl["recs"])
    assert (recs["/news/cooking-show"]["status"], recs["/news/cooking-show"]["reason"]) == (
        "skipped",
        "not_relevant",
    )
    assert recs["/news/old-wga"]["status"] == "skipped"
    assert recs["/news/old-wga"]["negotiations"] == []


def test_one_article_under_three_urls_is_stored_once(fault_crawl):
    recs = fault_crawl["recs"]
    talks = [r for r in recs if "talks" in r["url"]]
    assert len(talks) == 3  # /news/, /amp/ and the /wire/ near-copy
    kept = [r for r in talks if r["status"] == "relevant"]
    assert len(kept) == 1
    dups = [r for r in talks if r["status"] == "duplicate"]
    assert len(dups) == 2
    assert all(d["duplicate_of"] == kept[0]["article_id"] for d in dups), [
        (r["url"], r["article_id"], r["status"], r["duplicate_of"]) for r in talks
    ]
    ids = [r["article_id"] for r in recs]
    assert len(ids) == len(set(ids)), "article ids must be unique within a run"
    # the tracking-parameter and fragment variants collapsed before any request was made
    assert sum(p.startswith("/news/talks-resume") for p in fault_crawl["paths"]) == 1


def test_listing_faults_do_not_stop_the_crawl(fault_crawl):
    stats = json.loads((fault_crawl["run_dir"] / "crawl_stats.json").read_text())
    errors = {url.rsplit("/", 1)[1]: reason for url, reason in stats["listing_errors"].items()}
    assert errors["bomb-feed.xml"] == "xml_entities"
    assert errors["bomb-sitemap.xml"] == "xml_entities"
    assert errors["not-xml-feed.xml"] == "malformed_xml"
    assert errors["broken-feed.xml"] == "malformed_xml_recovered"
    feeds = [
        json.loads(x)
        for x in (fault_crawl["run_dir"] / "feed_state.jsonl").read_text().splitlines()
    ]
    assert {f["url"].rsplit("/", 1)[1] for f in feeds} >= {
        "feed.xml",
        "sitemap-index.xml",
        "sitemap-news.xml",
        "bomb-feed.xml",
    }


def test_cp1252_page_declaring_utf8_is_repaired(fault_crawl):
    body = by_path(fault_crawl["recs"])["/news/cp1252-wrong-charset"]["body"]
    assert "\u201cwe are close\u201d at the caf\u00e9" in body


def test_latin1_page_without_charset_is_repaired(fault_crawl):
    body = by_path(fault_crawl["recs"])["/news/latin1-no-charset"]["body"]
    assert "caf\u00e9 na\u00efvely" in body


def test_listing_dates_outside_every_window_are_not_requested(fault_crawl):
    paths = fault_crawl["paths"]
    assert "/news/ancient-story" not in paths
    assert "/news/ancient-sitemap-story" not in paths
    assert not any("elsewhere" in p for p in paths)


def test_fetched_pages_are_archived_in_the_runs_warc_file(fault_crawl):
    from warcio.archiveiterator import ArchiveIterator

    root = fault_crawl["raw_dir"].parent
    rec = by_path(fault_crawl["recs"])["/news/retry-after"]
    body, content_type = read_page(root, rec["raw_path"])
    assert b"Strike day" in body and content_type == "text/html; charset=utf-8"
    (warc,) = fault_crawl["raw_dir"].glob("2023-07-21/*.warc.gz")
    assert not list(fault_crawl["raw_dir"].rglob("*.tmp"))
    assert not list(fault_crawl["run_dir"].glob("*.tmp"))
    with warc.open("rb") as fh:
        uris = [r.rec_headers.get_header("WARC-Target-URI") for r in ArchiveIterator(fh)]
    # one record per fetched page (failed downloads have no body to keep), each named once
    archived = [r for r in fault_crawl["recs"] if r["raw_path"]]
    assert len(uris) == len(archived) == len({r["raw_path"] for r in archived})
    assert sorted(uris) == sorted(r["url"] for r in archived)
