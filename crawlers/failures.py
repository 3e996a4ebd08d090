"""Turning a Scrapy failure into the short ``reason`` code stored with a failed ArticleRecord."""

from __future__ import annotations

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error as twisted_error
from twisted.python.failure import Failure

from crawlers.middlewares import OffsiteRedirect


def failure_reason(failure: Failure) -> tuple[str, int | None]:
    """(reason, http_status) for a request errback."""
    exc = failure.value
    if isinstance(exc, HttpError):
        return f"http_{exc.response.status}", exc.response.status
    if isinstance(exc, OffsiteRedirect):
        return "offsite_redirect", None
    if isinstance(exc, IgnoreRequest):
        text = str(exc).lower()
        if "robots.txt" in text:
            return "robots", None
        if "redirection" in text:
            return "redirect_loop", None
        return "ignored", None
    if isinstance(exc, (DownloadTimeoutError, twisted_error.TimeoutError)):
        return "timeout", None
    if isinstance(exc, DownloadCancelledError):
        return "too_large", None
    if isinstance(exc, (DownloadConnectionRefusedError, twisted_error.ConnectionRefusedError)):
        return "connection_refused", None
    if isinstance(exc, (CannotResolveHostError, twisted_error.DNSLookupError)):
        return "dns_error", None
    if isinstance(exc, (ResponseDataLossError, twisted_error.ConnectionLost)):
        return "connection_lost", None
    return "error_" + type(exc).__name__.lower(), None
