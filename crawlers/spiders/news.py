"""The one spider: routes listings (feeds, sitemaps, section pages) to article pages.

Discovery lives in ``crawlers.discovery`` and extraction in ``crawlers.extraction``; this module
only decides what to request and turns every outcome, success or failure, into an item.

A link of a section page is a *candidate*: the URL says whether it looks like an article, the
fetched page decides (``crawlers.discovery.page_kind``). Likely links are requested at once;
unlikely ones (a one-word slug) wait until the spider is idle, so they only spend what is left of
the source's page budget, and are requested in page order. A candidate that turns out to be a
listing gives its links and no record; an unlikely one that is not an article is dropped, counted.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from twisted.python.failure import Failure

from crawlers.discovery import ListingError, PageSignals, page_kind, page_links, parse_listing
from crawlers.extraction.encoding import decode_html, looks_binary
from crawlers.extraction_workers import ExtractionFailed, ExtractionWorkers
from crawlers.failures import failure_reason
from crawlers.items import ArticleItem, FeedStateItem
from crawlers.middlewares import ARCHIVED, REUSABLE
from crawlers.sources import Source, load_sources
from crawlers.state import load_state
from crawlers.urls import article_id, canonicalize, host_allowed
from kernel.errors import ConfigError, TablewatchError
from kernel.watchlist import load_watchlist

log = logging.getLogger(__name__)
_HTML_TYPES = ("text/html", "application/xhtml", "text/plain", "application/xml", "text/xml")


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


class NewsSpider(scrapy.Spider):
    """Crawl every source for one logical day.

    ``tablewatch crawl`` (``crawlers.run``) sets every ``TABLEWATCH_*`` path. Run by Scrapy itself
    (``scrapy crawl news [-a date=YYYY-MM-DD] [-s TABLEWATCH_SOURCES=...]`` from the project
    root), it gets the same defaults as the CLI: the warehouse data/tablewatch.duckdb, today's UTC
    day, crawlers/sources.yaml, and that warehouse's run folder and raw archive.
    """

    name = "news"

    @staticmethod
    def _standalone_defaults(settings: Any, date: str | None) -> None:
        """Fill what ``crawlers.run`` would have set, at spider priority (``-s`` still wins)."""
        from kernel.days import parse_day
        from kernel.paths import DEFAULT_DB, layout

        if date is not None:
            settings.set("TABLEWATCH_DAY", parse_day(date, "-a date"), priority="spider")
        if settings.get("TABLEWATCH_RUN_DIR"):
            return  # crawlers.run set the paths: nothing is implicit there
        day = parse_day(settings.get("TABLEWATCH_DAY") or None)
        lay = layout(Path(settings.get("TABLEWATCH_DB") or DEFAULT_DB))
        for name, value in (
            ("TABLEWATCH_DAY", day),
            ("TABLEWATCH_DB", str(lay.db)),
            ("TABLEWATCH_RUN_DIR", str(lay.run(day).path)),
            ("TABLEWATCH_RAW_DIR", str(lay.raw_dir)),
        ):
            if not settings.get(name):
                settings.set(name, value, priority="spider")

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> NewsSpider:
        standalone = not crawler.settings.get("TABLEWATCH_RUN_DIR")
        try:
            cls._standalone_defaults(crawler.settings, kwargs.pop("date", None))
            return cls._build(crawler, *args, **kwargs)
        except TablewatchError as exc:
            if not standalone:
                raise  # crawlers.run reports it as one line
            # `scrapy crawl` would print the traceback of an async task: one line instead
            raise SystemExit(f"scrapy crawl news: error: {exc}") from None

    @classmethod
    def _build(cls, crawler: Any, *args: Any, **kwargs: Any) -> NewsSpider:
        spider: NewsSpider = super().from_crawler(crawler, *args, **kwargs)
        s = crawler.settings
        spider.day = s["TABLEWATCH_DAY"]
        spider.sources = load_sources(s.get("TABLEWATCH_SOURCES") or None)
        db = s.get("TABLEWATCH_DB")
        spider.state = load_state(
            Path(db) if db else None, spider.day, s.getint("TABLEWATCH_SIMHASH_MAX_DISTANCE", 6)
        )
        spider.windows = spider._windows(s.get("TABLEWATCH_WATCHLIST") or None, s)
        spider.prefilter = s.getbool("TABLEWATCH_PREFILTER_BY_WINDOW", True)
        spider.max_links = s.getint("TABLEWATCH_MAX_LINKS_PER_LISTING", 50_000)
        spider.max_depth = s.getint("TABLEWATCH_MAX_SITEMAP_DEPTH", 2)
        spider.listing_max_size = s.getint("TABLEWATCH_LISTING_MAXSIZE", 50 * 1024 * 1024)
        spider.default_pattern = re.compile(s["TABLEWATCH_ARTICLE_URL_PATTERN"])
        spider.scheduled: set[str] = set()
        spider.budget = s.getint("TABLEWATCH_MAX_PAGES_PER_SOURCE", 10_000)
        spider.max_hops = s.getint("TABLEWATCH_CANDIDATE_HOPS", 1)
        spider.article_min_chars = s.getint("TABLEWATCH_ARTICLE_MIN_BODY_CHARS", 400)
        if spider.budget < 0 or spider.max_hops < 0:
            raise ConfigError(
                "TABLEWATCH_MAX_PAGES_PER_SOURCE and TABLEWATCH_CANDIDATE_HOPS must be >= 0,"
                f" got {spider.budget} and {spider.max_hops}"
            )
        # pages requested per source (the budget) and unlikely candidates waiting for idle time
        spider.requested: dict[str, int] = {}
        spider.waiting: dict[str, list[tuple[int, tuple[int, ...], str]]] = {}
        spider.extractor = spider._extractor(s)
        crawler.signals.connect(spider.extractor.close, signal=signals.spider_closed)
        crawler.signals.connect(spider._release_candidates, signal=signals.spider_idle)
        return spider

    def _extractor(self, settings: Any) -> ExtractionWorkers:
        workers = settings.getint("TABLEWATCH_EXTRACT_WORKERS", 1)
        timeout_s = settings.getfloat("TABLEWATCH_EXTRACT_TIMEOUT", 60.0)
        if workers < 0:
            raise ConfigError(f"TABLEWATCH_EXTRACT_WORKERS must be >= 0, got {workers}")
        if timeout_s <= 0:
            raise ConfigError(f"TABLEWATCH_EXTRACT_TIMEOUT must be > 0 seconds, got {timeout_s}")
        return ExtractionWorkers(
            workers,
            timeout_s,
            on_event=lambda name: self.crawler.stats.inc_value(f"tablewatch/extract_{name}"),
        )

    @staticmethod
    def _windows(watchlist: str | None, settings: Any) -> list[tuple[dt.date, dt.date]]:
        slack = dt.timedelta(days=settings.getint("TABLEWATCH_WINDOW_SLACK_DAYS", 3))
        return [(n.start - slack, n.end + slack) for n in load_watchlist(watchlist)]

    def _meta(self, source: Source, **extra: Any) -> dict[str, Any]:
        # The source's scope (host and port), checked again on every redirect by the middleware.
        return {"source": source.name, "allowed_domains": source.scope, **extra}

    async def start(self) -> AsyncIterator[Any]:
        for source in self.sources:
            # a configured section page is a listing, never a candidate of another one
            self.scheduled.update(canonicalize(u) for u in source.start_urls)
        for source in self.sources:
            for url in (*source.feeds, *source.sitemaps):
                yield self._listing_request(url, source, depth=0)
            for i, url in enumerate(source.start_urls):
                yield scrapy.Request(
                    url,
                    callback=self.parse_section,
                    errback=self.listing_failed,
                    dont_filter=True,
                    meta=self._meta(source, listing_url=url, hops=0, order=(i,)),
                )

    # -- listings --------------------------------------------------------------------------
    def _listing_request(self, url: str, source: Source, depth: int) -> scrapy.Request:
        headers = {}
        etag, last_modified = self.state.feeds.get(url, (None, None))
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return scrapy.Request(
            url,
            headers=headers,
            callback=self.parse_listing,
            errback=self.listing_failed,
            dont_filter=True,
            meta=self._meta(
                source,
                listing_url=url,
                depth=depth,
                handle_httpstatus_list=[304],
                download_maxsize=self.listing_max_size,
            ),
        )

    def _source(self, response_or_request: Any) -> Source:
        name = response_or_request.meta["source"]
        return next(s for s in self.sources if s.name == name)

    def parse_listing(self, response: Response) -> Iterator[Any]:
        url = response.meta["listing_url"]
        source = self._source(response)
        if response.status == 304:
            etag, last_modified = self.state.feeds.get(url, (None, None))
            self.crawler.stats.inc_value("tablewatch/listing_not_modified")
            yield FeedStateItem(url, etag, last_modified, 304, _now())
            return
        try:
            listing = parse_listing(response.body, response.url, self.listing_max_size)
        except ListingError as exc:
            log.warning("unusable listing %s: %s", url, exc)
            yield FeedStateItem(url, None, None, response.status, _now(), error=exc.reason)
            return
        error = "malformed_xml_recovered" if listing.recovered else None
        yield FeedStateItem(
            url,
            _header(response, "ETag"),
            _header(response, "Last-Modified"),
            response.status,
            _now(),
            error=error,
        )
        depth = response.meta.get("depth", 0)
        for child in listing.children[: self.max_links]:
            if depth >= self.max_depth:
                self.crawler.stats.inc_value("tablewatch/sitemap_too_deep")
                break
            if host_allowed(child.url, source.scope):
                yield self._listing_request(child.url, source, depth + 1)
        for entry in listing.entries[: self.max_links]:
            if (
                self.prefilter
                and entry.published is not None
                and not self._in_some_window(entry.published)
            ):
                self.crawler.stats.inc_value("tablewatch/listing_out_of_window")
                continue
            request = self._article_request(entry.url, source, entry.published)
            if request is not None:
                yield request
        if len(listing.entries) > self.max_links:
            self.crawler.stats.inc_value("tablewatch/listing_truncated")
        self._count_dropped(url, len(listing.entries), len(listing.children))

    def _count_dropped(self, url: str, *lengths: int) -> None:
        """Links past the per-listing cap are never fetched: count them, never drop silently."""
        dropped = sum(max(0, n - self.max_links) for n in lengths)
        if dropped:
            log.warning(
                "%s lists %d links past TABLEWATCH_MAX_LINKS_PER_LISTING=%d: not followed",
                url,
                dropped,
                self.max_links,
            )
            self.crawler.stats.inc_value("tablewatch/links_dropped", dropped)

    def _in_some_window(self, day: dt.date) -> bool:
        return any(lo <= day <= hi for lo, hi in self.windows)

    def parse_section(self, response: Response) -> Iterator[Any]:
        html = decode_html(response.body, _header(response, "Content-Type"))
        yield from self._follow_links(response, html)

    def _follow_links(self, response: Response, html: str) -> Iterator[scrapy.Request]:
        """Candidates of a section page (or of a candidate that turned out to be a listing):
        likely links now, unlikely ones queued for ``_release_candidates``."""
        source = self._source(response)
        pattern = source.extra.get("article_pattern")
        rx = re.compile(pattern) if pattern else self.default_pattern
        hops, order = response.meta.get("hops", 0), tuple(response.meta.get("order", ()))
        links = page_links(html, response.url, source.scope, rx)
        self._count_dropped(response.meta.get("listing_url", response.url), len(links))
        for pos, (link, likely) in enumerate(links[: self.max_links]):
            if likely:
                request = self._article_request(
                    link, source, candidate="likely", hops=hops + 1, order=(*order, pos)
                )
                if request is not None:
                    yield request
            elif hops < self.max_hops:
                self.waiting.setdefault(source.name, []).append((hops + 1, (*order, pos), link))
            else:
                self.crawler.stats.inc_value("tablewatch/candidates/too_deep")

    def _release_candidates(self) -> None:
        """On idle (every listing and likely page done): request the waiting unlikely links,
        nearest the section page first, then in page order, while each source's budget lasts."""
        released = 0
        for source in self.sources:
            for hops, order, link in sorted(self.waiting.pop(source.name, [])):
                request = self._article_request(
                    link, source, candidate="unlikely", hops=hops, order=order
                )
                if request is not None:
                    self.crawler.engine.crawl(request)
                    released += 1
        if released:
            self.crawler.stats.inc_value("tablewatch/candidates/requested", released)
            raise DontCloseSpider

    def listing_failed(self, failure: Failure) -> Iterator[Any]:
        request = failure.request
        reason, status = failure_reason(failure)
        log.warning("listing %s failed: %s", request.url, reason)
        yield FeedStateItem(
            request.meta.get("listing_url", request.url), None, None, status, _now(), error=reason
        )

    # -- articles --------------------------------------------------------------------------
    def _article_request(
        self,
        url: str,
        source: Source,
        listed: dt.date | None = None,
        candidate: str | None = None,
        hops: int = 0,
        order: tuple[int, ...] = (),
    ) -> scrapy.Request | None:
        """None when the article is already stored, already requested, off the source's site,
        or past the source's page budget. ``candidate`` ("likely" / "unlikely"): a section link,
        whose fetched page decides whether it is an article; None: a feed or sitemap entry."""
        if not url.startswith(("http://", "https://")) or not host_allowed(url, source.scope):
            self.crawler.stats.inc_value("tablewatch/link_offsite")
            return None
        canonical = canonicalize(url)
        if canonical in self.scheduled:
            self.crawler.stats.inc_value("tablewatch/link_repeated")
            return None
        if canonical in self.state.urls:
            self.crawler.stats.inc_value("tablewatch/link_already_stored")
            return None
        used = self.requested.get(source.name, 0)
        if self.budget and used >= self.budget:
            self.crawler.stats.inc_value("tablewatch/over_page_budget")
            return None
        self.requested[source.name] = used + 1
        self.scheduled.add(canonical)
        # The first article to fetch starts the extraction workers, which import the extractor
        # while it downloads; a run that finds nothing new (most reruns) never starts them.
        self.extractor.start()
        meta = self._meta(
            source,
            requested_url=canonical,
            listed=listed.isoformat() if listed else None,
            **{REUSABLE: True},
        )
        if candidate:
            meta.update(candidate=candidate, hops=hops, order=order)
        return scrapy.Request(
            canonical,
            callback=self.parse_article,
            errback=self.article_failed,
            # Our own URL sets dedupe; Scrapy's filter would silently drop redirect loops.
            dont_filter=True,
            # an unlikely candidate must never hold up a likely page or a listing
            priority=-1 if candidate == "unlikely" else 0,
            meta=meta,
        )

    async def parse_article(self, response: Response) -> AsyncIterator[Any]:
        self.crawler.stats.inc_value("tablewatch/article_responses")
        try:
            result = await self._article_item(response)
        except ExtractionFailed as exc:
            log.warning("extraction of %s failed: %s", response.url, exc.reason)
            result = self._failed_item(response.request, exc.reason, response.status, response.url)
        except Exception:  # noqa: BLE001 - one hostile page must cost one record, not the crawl
            log.exception("extraction failed for %s", response.url)
            result = self._failed_item(
                response.request, "extraction_error", response.status, response.url
            )
        if not isinstance(result, ArticleItem):
            for request in result:  # a listing's links
                yield request
        elif result.status == "failed" and response.meta.get("candidate") == "unlikely":
            # a link that did not look like an article and gave none: no record, only a count
            self.crawler.stats.inc_value("tablewatch/candidates/unlikely_failed")
        else:
            yield result

    async def _article_item(self, response: Response) -> ArticleItem | list[scrapy.Request]:
        source = self._source(response)
        requested = response.meta["requested_url"]
        ctype = _header(response, "Content-Type")
        if (ctype and not ctype.lower().startswith(_HTML_TYPES)) or looks_binary(response.body):
            # A PDF or random bytes labelled text/html would "extract" to garbage sentences.
            self.crawler.stats.inc_value("tablewatch/not_html")
            return self._failed_item(response.request, "not_html", response.status, response.url)
        candidate = response.meta.get("candidate")
        archived = response.meta.get(ARCHIVED)
        # a page reused from the day's archive keeps its record there and its fetch time
        fetched_at = archived.fetched_at if archived else _now()
        page = await self.extractor.extract(
            response.body, ctype, response.url, source.name, fetched_at, candidate is not None
        )
        if candidate is not None:
            links = self._not_an_article(response, candidate, page)
            if links is not None:
                return links
        canonical = canonicalize(response.url)
        declared = page.get("canonical_url")
        if (
            isinstance(declared, str)
            and declared.startswith(("http://", "https://"))
            and host_allowed(declared, source.scope)
            and canonicalize(declared).split("://", 1)[1].count("/")
            > 1  # a homepage is no canonical
        ):
            canonical = canonicalize(declared)
        return ArticleItem(
            article_id=article_id(canonical),
            url=response.url,
            canonical_url=canonical,
            source=source.name,
            fetched_at=fetched_at,
            raw_path=archived.raw_path if archived else None,
            crawl_day=self.day,
            title=page.get("title"),
            authors=list(page.get("authors") or []),
            published=page.get("published"),
            published_source=page.get("published_source"),
            modified=page.get("modified"),
            language=page.get("language"),
            body=page.get("body"),
            body_hash=page.get("body_hash"),
            simhash=page.get("simhash"),
            http_status=response.status,
            requested_url=requested,
            listed_published=response.meta.get("listed"),
            raw_body=response.body,
            raw_headers={
                k.decode("latin-1"): b", ".join(v).decode("latin-1")
                for k, v in response.headers.items()
            },
        )

    def _not_an_article(
        self, response: Response, candidate: str, page: dict[str, Any]
    ) -> list[scrapy.Request] | None:
        """None when the candidate page is to be stored as an article; else the requests for the
        links of a listing (an unlikely page that is not an article gives them too: a paged
        section or a one-word section slug). A likely page the page itself does not contradict
        stays an article, as its URL says."""
        signals = PageSignals.from_dict(page.get("page_signals"))
        kind = page_kind(signals, page.get("body"), self.article_min_chars)
        stats = self.crawler.stats
        if kind == "article" or (candidate == "likely" and kind is None):
            stats.inc_value(f"tablewatch/candidates/{candidate}_article")
            return None
        stats.inc_value(f"tablewatch/candidates/{candidate}_{kind or 'not_article'}")
        log.debug("%s is not an article (%s, %s)", response.url, kind, signals.declared_by)
        if response.meta.get("hops", 0) > self.max_hops:
            stats.inc_value("tablewatch/candidates/too_deep")
            return []
        html = decode_html(response.body, _header(response, "Content-Type"))
        return list(self._follow_links(response, html))

    def _failed_item(
        self, request: scrapy.Request, reason: str, status: int | None, url: str | None = None
    ) -> ArticleItem:
        requested = request.meta.get("requested_url") or canonicalize(request.url)
        return ArticleItem(
            article_id=article_id(requested),
            url=url or request.url,
            canonical_url=requested,
            source=request.meta["source"],
            fetched_at=_now(),
            crawl_day=self.day,
            status="failed",
            reason=reason,
            http_status=status,
            requested_url=requested,
        )

    def article_failed(self, failure: Failure) -> Iterator[ArticleItem]:
        reason, status = failure_reason(failure)
        if failure.request.meta.get("candidate") == "unlikely":
            # as in parse_article: an unlikely link that gave no article leaves no record
            log.debug("candidate %s failed: %s", failure.request.url, reason)
            self.crawler.stats.inc_value("tablewatch/candidates/unlikely_failed")
            return
        log.info("article %s failed: %s", failure.request.url, reason)
        yield self._failed_item(failure.request, reason, status)
