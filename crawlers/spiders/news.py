"""The one spider: routes listings (feeds, sitemaps, section pages) to article pages.

Discovery lives in ``crawlers.discovery`` and extraction in ``crawlers.extraction``; this module
only decides what to request and turns every outcome, success or failure, into an item.
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
from scrapy.http import Response
from twisted.python.failure import Failure

from crawlers.discovery import ListingError, parse_listing, section_links
from crawlers.extraction.encoding import decode_html, looks_binary
from crawlers.extraction_workers import ExtractionFailed, ExtractionWorkers
from crawlers.failures import failure_reason
from crawlers.items import ArticleItem, FeedStateItem
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
        spider.extractor = spider._extractor(s)
        crawler.signals.connect(spider.extractor.close, signal=signals.spider_closed)
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
            for url in (*source.feeds, *source.sitemaps):
                yield self._listing_request(url, source, depth=0)
            for url in source.start_urls:
                yield scrapy.Request(
                    url,
                    callback=self.parse_section,
                    errback=self.listing_failed,
                    dont_filter=True,
                    meta=self._meta(source, listing_url=url),
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
        source = self._source(response)
        pattern = source.extra.get("article_pattern")
        rx = re.compile(pattern) if pattern else self.default_pattern
        html = decode_html(response.body, _header(response, "Content-Type"))
        links = section_links(html, response.url, source.scope, rx)
        self._count_dropped(response.meta["listing_url"], len(links))
        for link in links[: self.max_links]:
            request = self._article_request(link, source)
            if request is not None:
                yield request

    def listing_failed(self, failure: Failure) -> Iterator[Any]:
        request = failure.request
        reason, status = failure_reason(failure)
        log.warning("listing %s failed: %s", request.url, reason)
        yield FeedStateItem(
            request.meta.get("listing_url", request.url), None, None, status, _now(), error=reason
        )

    # -- articles --------------------------------------------------------------------------
    def _article_request(
        self, url: str, source: Source, listed: dt.date | None = None
    ) -> scrapy.Request | None:
        """None when the article is already stored, already requested, or off the source's site."""
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
        self.scheduled.add(canonical)
        # The first article to fetch starts the extraction workers, which import the extractor
        # while it downloads; a run that finds nothing new (most reruns) never starts them.
        self.extractor.start()
        return scrapy.Request(
            canonical,
            callback=self.parse_article,
            errback=self.article_failed,
            # Our own URL sets dedupe; Scrapy's filter would silently drop redirect loops.
            dont_filter=True,
            meta=self._meta(
                source, requested_url=canonical, listed=listed.isoformat() if listed else None
            ),
        )

    async def parse_article(self, response: Response) -> AsyncIterator[ArticleItem]:
        self.crawler.stats.inc_value("tablewatch/article_responses")
        try:
            yield await self._article_item(response)
        except ExtractionFailed as exc:
            log.warning("extraction of %s failed: %s", response.url, exc.reason)
            yield self._failed_item(response.request, exc.reason, response.status, response.url)
        except Exception:  # noqa: BLE001 - one hostile page must cost one record, not the crawl
            log.exception("extraction failed for %s", response.url)
            yield self._failed_item(
                response.request, "extraction_error", response.status, response.url
            )

    async def _article_item(self, response: Response) -> ArticleItem:
        source = self._source(response)
        requested = response.meta["requested_url"]
        ctype = _header(response, "Content-Type")
        if (ctype and not ctype.lower().startswith(_HTML_TYPES)) or looks_binary(response.body):
            # A PDF or random bytes labelled text/html would "extract" to garbage sentences.
            self.crawler.stats.inc_value("tablewatch/not_html")
            return self._failed_item(response.request, "not_html", response.status, response.url)
        fetched_at = _now()
        page = await self.extractor.extract(
            response.body, ctype, response.url, source.name, fetched_at
        )
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
        log.info("article %s failed: %s", failure.request.url, reason)
        yield self._failed_item(failure.request, reason, status)
