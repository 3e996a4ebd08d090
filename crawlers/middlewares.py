"""Downloader middlewares: reuse the day's archive, keep redirects on the source's domains, and
back off like a guest.

Scrapy's built-in offsite filter checks the spider's ``allowed_domains``; one spider crawls many
sources, so the guard here checks each request against its own source's scope (request meta:
hosts with their ports). Requests without a source (robots.txt, which Scrapy's robots middleware
makes itself) may only be redirected on their own host and port.
"""

from __future__ import annotations

import email.utils
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Headers
from scrapy.responsetypes import responsetypes
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import task

from crawlers.rawstore import ArchivedPage, day_index, read_response
from crawlers.urls import host_allowed, same_origin
from kernel.errors import TablewatchError

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

log = logging.getLogger(__name__)


# Request meta: a page (article or article candidate) the day's archive may answer; listings never
# set it, so a rerun always sees today's feeds, sitemaps and section pages.
REUSABLE = "tablewatch_reusable"
# Response meta set on a reused page: the ArchivedPage it came from (its raw_path and fetched_at).
ARCHIVED = "tablewatch_archived"


class DayArchiveMiddleware:
    """A rerun of a day answers page requests from that day's raw archive instead of the network.

    The finished crawls of the day left every page they fetched in ``raw/<day>/*.warc.gz``
    (``crawlers.rawstore``); asking the site for them again costs the politeness delay of every
    page (minutes on a real outlet) and can only give a different day. So page requests marked
    ``REUSABLE`` whose URL the day's archive holds get the archived response (with its
    ``raw_path`` and ``fetched_at`` in ``request.meta[ARCHIVED]``, so the rerun writes the same
    records and archives nothing twice); listings, and pages the day has not fetched yet, go to
    the network. Another day never reads this one's archive: it follows the incremental rules
    (already stored URLs are not requested at all). ``TABLEWATCH_REUSE_DAY_ARCHIVE = False``
    fetches everything again.

    It sits first (before robots.txt, offsite and retry checks): the archived page passed them
    when it was fetched, and the index is read only when the first page request arrives.
    """

    def __init__(self, crawler: Crawler) -> None:
        s = crawler.settings
        self.stats = crawler.stats
        self.enabled = s.getbool("TABLEWATCH_REUSE_DAY_ARCHIVE", True)
        raw = s.get("TABLEWATCH_RAW_DIR")
        self.raw_dir = Path(raw) if raw else None
        self.day = s.get("TABLEWATCH_DAY")
        self._index: dict[str, ArchivedPage] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def _lookup(self, url: str) -> ArchivedPage | None:
        if self._index is None:
            self._index = day_index(self.raw_dir, self.day) if self.raw_dir and self.day else {}
            self.stats.set_value("tablewatch/archive_index_pages", len(self._index))
            if self._index:
                log.info(
                    "%d pages archived earlier on %s can be reused", len(self._index), self.day
                )
        return self._index.get(url)

    def process_request(self, request: Request) -> Response | None:
        if not self.enabled or not request.meta.get(REUSABLE):
            return None
        page = self._lookup(request.url)
        if page is None:
            return None
        try:
            archived = read_response(self.raw_dir.parent, page.raw_path)  # type: ignore[union-attr]
        except TablewatchError as exc:
            log.warning("%s: fetching again (%s)", request.url, exc)
            self.stats.inc_value("tablewatch/archive_unreadable")
            return None
        headers = Headers(archived.headers)
        cls = responsetypes.from_args(headers=headers, url=archived.url, body=archived.body)
        request.meta[ARCHIVED] = page
        self.stats.inc_value("tablewatch/archive_reused")
        return cls(
            url=archived.url,
            status=archived.status,
            headers=headers,
            body=archived.body,
            request=request,
            flags=["archived"],
        )


class OffsiteRedirect(IgnoreRequest):
    """A redirect (HTTP or meta refresh) pointed outside the source's allowed domains."""


class OffsiteRedirectMiddleware:
    """Redirected requests re-enter the downloader: refuse those that left the source's domains."""

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        redirects = request.meta.get("redirect_urls")
        if not redirects:
            return
        allowed = request.meta.get("allowed_domains")
        if allowed:
            if not host_allowed(request.url, allowed):
                self.stats.inc_value("tablewatch/offsite_redirect")
                raise OffsiteRedirect(f"redirect to {request.url} leaves {', '.join(allowed)}")
        elif not same_origin(request.url, redirects[0]):
            self.stats.inc_value("tablewatch/offsite_redirect")
            raise OffsiteRedirect(f"redirect of {redirects[0]} to {request.url} leaves its host")


def retry_after_seconds(value: str | bytes | None, now: float | None = None) -> float | None:
    """Retry-After is either delta-seconds or an HTTP date."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class RetryAfterMiddleware(RetryMiddleware):
    """Retry 429/5xx after the server's Retry-After, else after exponential backoff; a server
    asking for more than RETRY_AFTER_MAX seconds is not retried in this run."""

    def __init__(self, settings) -> None:  # type: ignore[no-untyped-def]
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", 2.0)
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX", 60.0)
        self.retry_after_max = settings.getfloat("RETRY_AFTER_MAX", 120.0)

    async def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            from twisted.internet import reactor  # imported late: Scrapy installs the reactor

            await maybe_deferred_to_future(task.deferLater(reactor, seconds, lambda: None))

    def _backoff(self, request: Request) -> float:
        if self.backoff_base <= 0:
            return 0.0
        return min(self.backoff_max, self.backoff_base * 2 ** request.meta.get("retry_times", 0))

    async def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        if request.meta.get("retry_times", 0) >= request.meta.get(
            "max_retry_times", self.max_retry_times
        ):
            return self._retry(request, f"http_{response.status}") or response
        delay = retry_after_seconds(response.headers.get("Retry-After"))
        if delay is not None and delay > self.retry_after_max:
            log.info("%s asks to wait %.0fs: not retrying in this run", request.url, delay)
            self.crawler.stats.inc_value("tablewatch/retry_after_too_long")
            return response
        await self._sleep(self._backoff(request) if delay is None else delay)
        return self._retry(request, f"http_{response.status}") or response

    async def process_exception(self, request: Request, exception: Exception) -> Request | None:  # type: ignore[override]
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get("dont_retry"):
            return None
        if request.meta.get("retry_times", 0) < request.meta.get(
            "max_retry_times", self.max_retry_times
        ):
            await self._sleep(self._backoff(request))
        return self._retry(request, exception)
