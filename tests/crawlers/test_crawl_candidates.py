"""Section pages of a site whose article URLs are not all shaped like articles.

The outlet below files stories under ``/story/<slug>/``, and some slugs are one word
(``/story/aftermath/``): the URL pattern cannot tell them from ``/story/roundup/`` (a listing) or
``/about/``. The crawl must fetch those links after the likely ones, within the page budget, and
let each fetched page decide (JSON-LD, og:type, a body of its own).
"""

from __future__ import annotations

import json

import pytest

from crawlers.discovery import PageSignals, page_kind, page_signals
from crawlers.run import crawl
from tests.support.crawl import FAST, paragraphs, records
from tests.support.site import FixtureSite, article_html, jsonld, og, river_html, rss

LEAD = "Writers Guild negotiators and the studios met again on {n}."
DAY = "2023-07-21"
MOST_READ = (
    '<aside><h4>Most read</h4><ol><li><a href="/story/box-office-weekend-report-is-here/">'
    "Box office weekend report is here</a></li><li><a href="
    '"/story/festival-unveils-its-midnight-lineup/">Festival unveils its midnight lineup</a></li>'
    '<li><a href="/story/streamer-raises-prices-for-its-ad-free-tier/">Streamer raises prices '
    "for its ad-free tier</a></li></ol></aside>"
)
LIKELY = ("/story/studios-and-writers-meet-again/", "/story/talks-resume-after-long-weekend/")
# one-word slugs: declared by JSON-LD, by Open Graph, and not declared but with a real body
ONE_WORD = ("/story/aftermath/", "/story/standoff/", "/story/lockout/")
# reached only through /story/roundup/, a one-word listing
VIA_ROUNDUP = "/story/members-ratify-the-new-contract/"
NOT_ARTICLES = ("/about/", "/story/roundup/", "/section/labor/page/2/")


def _story(n: int, path: str, head: str = "") -> str:
    title = path.strip("/").rsplit("/", 1)[-1].replace("-", " ").capitalize()
    return article_html(title, paragraphs(60 + n, LEAD.format(n=title)), head_extra=head,
                        aside=MOST_READ)  # fmt: skip


def _card(path: str) -> tuple[str, str, str]:
    words = path.strip("/").rsplit("/", 1)[-1].replace("-", " ")
    summary = (
        f"The latest on {words}: negotiators for the guild and the studios traded proposals on "
        "residuals and staffing, and both sides said they would keep talking next week."
    )
    return path, f"Writers and studios: {words} as talks go on", summary


@pytest.fixture()
def site(tmp_path):
    with FixtureSite() as s:
        heads = {
            ONE_WORD[0]: jsonld("NewsArticle", "Aftermath"),
            ONE_WORD[1]: og("article"),
            LIKELY[0]: jsonld("ReportageNewsArticle", "Meet again"),
        }
        for n, path in enumerate((*LIKELY, *ONE_WORD, VIA_ROUNDUP)):
            s.page(path, _story(n, path, heads.get(path, "")))
        nav = ["/", "/about/", "/section/labor/", "/private/members/", "/feed/"]
        # page order puts one-word links first: the likely ones must still be requested first
        cards = [_card(p) for p in (ONE_WORD[0], "/story/roundup/", *LIKELY, *ONE_WORD[1:])]
        s.page("/section/labor/", river_html("Labor", cards, nav) .replace(
            "</main>", '<a href="/section/labor/page/2/">Older</a></main>'))  # fmt: skip
        older = [_card(p) for p in (LIKELY[1], ONE_WORD[2], ONE_WORD[1])]
        s.page("/section/labor/page/2/", river_html("Labor, page 2", older, nav))
        s.page(
            "/story/roundup/",
            river_html("Roundup", [_card(VIA_ROUNDUP), _card(LIKELY[0]), _card(ONE_WORD[0])], nav),
        )
        s.page(
            "/about/", "<html><body><nav><a href='/'>Home</a></nav><p>About us.</p></body></html>"
        )
        s.page("/feed/", rss([(s.base_url + LIKELY[0], None)]), "application/rss+xml")
        s.page("/", river_html("Home", [_card(p) for p in (*LIKELY, ONE_WORD[0])], nav))
        s.sources = s.write_sources(tmp_path / "sources.yaml", start_urls=["/section/labor/"])
        yield s


def _page_hits(site: FixtureSite) -> list[str]:
    """Requests for anything but robots.txt and the configured section page."""
    return [p for p in site.paths() if p not in ("/robots.txt", "/section/labor/")]


def test_one_word_slugs_are_fetched_and_listings_are_not_stored(site, tmp_path):
    run_dir = tmp_path / "runs" / DAY
    result = crawl(site.sources, run_dir, tmp_path / "raw", None, DAY, settings=FAST)

    stored = {r["url"].removeprefix(site.base_url): r for r in records(run_dir)}
    articles = {*LIKELY, *ONE_WORD, VIA_ROUNDUP}
    assert set(stored) == articles  # every article, and no listing, menu page or home page
    assert {r["status"] for r in stored.values()} == {"relevant"}
    # + roundup, page 2, /about/, the home page and the menu's feed (not HTML: no record)
    assert result.fetched == len(articles) + 5
    hits = _page_hits(site)
    for path in (*NOT_ARTICLES, "/"):
        assert hits.count(path) == 1  # fetched once for its links, and never stored
    assert "/private/members/" not in hits  # robots.txt still rules candidates
    # links of a one-word listing were followed: the article only it links to was stored
    assert VIA_ROUNDUP in stored
    stats = json.loads((run_dir / "crawl_stats.json").read_text())["scrapy"]
    assert stats["tablewatch/candidates/unlikely_article"] == len(ONE_WORD)
    assert stats["tablewatch/candidates/unlikely_listing"] == 3  # roundup, page 2, home
    assert stats["tablewatch/candidates/unlikely_not_article"] == 1  # /about/
    assert stats["tablewatch/candidates/unlikely_failed"] == 2  # the feed, robots' refusal


def test_url_pattern_alone_missed_the_one_word_slugs(site, tmp_path):
    """With no candidate hops the crawl is the URL pattern's: what the fix adds is measurable."""
    run_dir = tmp_path / "runs" / DAY
    settings = {**FAST, "TABLEWATCH_CANDIDATE_HOPS": 0}
    crawl(site.sources, run_dir, tmp_path / "raw", None, DAY, settings=settings)

    assert {r["url"].removeprefix(site.base_url) for r in records(run_dir)} == set(LIKELY)
    assert not set(_page_hits(site)) & {*ONE_WORD, *NOT_ARTICLES}


def test_page_budget_is_spent_on_likely_links_first(site, tmp_path):
    run_dir = tmp_path / "runs" / DAY
    settings = {**FAST, "TABLEWATCH_MAX_PAGES_PER_SOURCE": 4}
    crawl(site.sources, run_dir, tmp_path / "raw", None, DAY, settings=settings)

    hits = _page_hits(site)
    assert len(hits) == 4  # the budget bounds every page the source requested
    # both likely links first, then the unlikely ones in page order: the menu's home page and
    # /about/ come before the river's one-word stories, so the budget ends there
    assert set(hits[:2]) == set(LIKELY)
    assert set(hits[2:]) == {"/", "/about/"}
    assert {r["url"].removeprefix(site.base_url) for r in records(run_dir)} == set(LIKELY)
    stats = json.loads((run_dir / "crawl_stats.json").read_text())["scrapy"]
    assert stats["tablewatch/over_page_budget"] >= len(ONE_WORD)


# -- the page decides: signals of single pages ----------------------------------------------


def _kind(html: str, body: str | None, min_chars: int = 400) -> str | None:
    return page_kind(page_signals(html), body, min_chars)


BODY = " ".join(paragraphs(7, LEAD.format(n="Monday")))


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (jsonld("NewsArticle"), ("article", "jsonld:newsarticle")),
        (jsonld("BlogPosting"), ("article", "jsonld:blogposting")),
        (jsonld(["ReportageNewsArticle", "Thing"]), ("article", "jsonld:reportagenewsarticle")),
        (og("article"), ("article", "og:type")),
        (jsonld("CollectionPage"), ("listing", "jsonld:collectionpage")),
        (
            jsonld(
                "ItemList",
                itemListElement=[
                    {"@type": "NewsArticle", "headline": "a"},
                    {"@type": "NewsArticle", "headline": "b"},
                ],
            ),
            ("listing", "jsonld:itemlist"),
        ),  # fmt: skip
        (og("website"), (None, None)),
        ("", (None, None)),
    ],
)
def test_declared_types(head, expected):
    signals = page_signals(article_html("T", ["x"], head_extra=head))
    assert (signals.declared, signals.declared_by) == expected


def test_undeclared_pages_are_judged_by_their_body():
    river = river_html("Labor", [_card(f"/story/item-number-{i}-of-the-river/") for i in range(8)])
    # extraction may take the teasers' summaries for a body: most of that text sits in cards
    summaries = " ".join(c[2] for c in (_card(f"/x/{i}/") for i in range(8)))
    assert _kind(river, summaries) == "listing"
    assert _kind(river, None) == "listing"
    article = article_html("T", paragraphs(7, LEAD.format(n="Monday")), aside=MOST_READ)
    assert page_signals(article).teaser_chars == 0  # a "most read" box holds only links
    assert _kind(article, BODY) == "article"
    assert _kind(article, BODY[:200]) is None  # too short to be an article, no listing either
    assert _kind(article, BODY, min_chars=len(BODY) + 1) is None


def test_signals_survive_the_worker_round_trip():
    signals = page_signals(river_html("Labor", [_card("/story/a-b-c-d/")]))
    assert PageSignals.from_dict(json.loads(json.dumps(signals.to_dict()))) == signals
    assert PageSignals.from_dict(None) == PageSignals()
