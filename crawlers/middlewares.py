"""Downloader middlewares: keep redirects on the source's domains, and back off like a guest.

Scrapy's built-in offsite filter checks the spider's ``allowed_domains``; one spider crawls many
sources, so the guard here checks each request against its own source's scope (request meta:
hosts with their ports). Requests without a source (robots.txt, which Scrapy's robots middleware
makes itself) may only be redirected on their own host and port.
"""

from __future__ import annotations

import email.utils
import logging
import time
from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import task

from crawlers.urls import host_allowed, same_origin

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

log = logging.getLogger(__name__)


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
