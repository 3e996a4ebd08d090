"""Article extraction in worker processes, beside the crawl's reactor.

Extraction (decoding, lxml, trafilatura, cleaning, fingerprints) is pure CPU: about as much per
page as everything else the crawler does together (benchmarks/crawl.py). Run in the reactor's
process it stops downloads, listings and pipelines while each page is parsed; in a worker process
it runs on another core while the reactor keeps fetching, so the crawl's speed is bounded by the
slower of the two instead of by their sum. Scrapy's own backpressure (the scraper's active-size
limit, SCRAPER_SLOT_MAX_ACTIVE_SIZE) bounds how many responses wait for a worker.

A worker also gives each page a deadline: a page that keeps the extractor busy longer than
``timeout_s`` is abandoned (SIGALRM inside the worker) and recorded as failed, and a worker that
dies (a crash in a C library, the kernel's OOM killer) is replaced. Every page it held is tried
once more, one retried page at a time, so the page that killed it cannot take its neighbours
down with it a second time; a page that fails twice is recorded as failed. ``workers=0``
extracts in the reactor's own process, without a deadline: for debuggers and profilers.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import signal
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from crawlers.discovery import page_signals
from crawlers.extraction import extract_page
from crawlers.extraction.encoding import decode_html
from crawlers.fingerprints import body_hash, simhash, to_hex

log = logging.getLogger(__name__)


class ExtractionFailed(Exception):
    """A page the extractor could not finish; ``reason`` becomes the record's reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Deadline(BaseException):
    """Raised by SIGALRM in a worker. A BaseException, so the extractor's own ``except
    Exception`` (which turns a hostile page into an empty body) cannot swallow it."""


def analyse_page(
    raw: bytes,
    content_type: str | None,
    url: str | None,
    source: str | None,
    fetched: str | None = None,
    signals: bool = False,
) -> dict[str, Any]:
    """Everything the crawl needs from one fetched page: ``extract_page``'s fields plus the
    body's exact hash and simhash (both pure functions of the body, so they run here too), and
    with ``signals`` what the page says about being an article (``crawlers.discovery``).

    ``fetched`` (ISO timestamp of the fetch) resolves a byline's "3 hours ago"."""
    html = decode_html(raw, content_type)
    page = extract_page(html, url=url, source=source, fetched=fetched)
    if signals:
        page["page_signals"] = page_signals(html).to_dict()
    body = page.get("body")
    page["body_hash"] = body_hash(body) if body else None
    page["simhash"] = to_hex(simhash(body)) if body else None
    return page


def _on_alarm(signum: int, frame: Any) -> None:
    raise _Deadline


def _init_worker() -> None:
    # Ctrl-C reaches the whole process group; the crawl's parent decides how to stop, and a
    # worker killed by the same signal would only turn a clean shutdown into failed pages.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGALRM, _on_alarm)


def _run_with_deadline(
    func: Callable[..., dict[str, Any]], timeout_s: float, args: tuple[Any, ...]
) -> dict[str, Any] | None:
    """``func(*args)`` in the worker; None when the deadline passed (also when the alarm rings
    just as ``func`` returns: the outer handler catches it inside ``finally`` too)."""
    try:
        signal.setitimer(signal.ITIMER_REAL, timeout_s)
        try:
            return func(*args)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except _Deadline:
        return None


def _warm_up() -> None:
    """Imported on start-up, so the first real page does not pay for the imports."""


class ExtractionWorkers:
    """A pool of ``workers`` processes that run ``func`` (``analyse_page``) on fetched pages.

    ``func`` is a parameter so tests can give the pool a page that really crashes or hangs a
    worker; it must be importable by name in a fresh interpreter (processes are spawned, not
    forked: forking a process that runs an event loop and threads is unsafe).
    """

    def __init__(
        self,
        workers: int = 1,
        timeout_s: float = 60.0,
        func: Callable[..., dict[str, Any]] = analyse_page,
        on_event: Callable[[str], None] | None = None,
    ) -> None:
        if workers < 0:
            raise ValueError(f"workers must be >= 0, got {workers}")
        if timeout_s <= 0:
            raise ValueError(f"timeout_s must be > 0, got {timeout_s}")
        self.workers = workers
        self.timeout_s = timeout_s
        self.func = func
        self._on_event = on_event or (lambda name: None)
        self._pool: ProcessPoolExecutor | None = None
        self._closed = False
        self._retry_lock = asyncio.Lock()

    def start(self) -> None:
        """Spawn the workers now, so they import the extractor while the first pages download.
        Idempotent; ``extract`` starts them too."""
        if self.workers and self._pool is None and not self._closed:
            self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        pool = ProcessPoolExecutor(
            self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
        )
        for _ in range(self.workers):
            pool.submit(_warm_up)
        return pool

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        """A worker died: every page it held failed with it. Replace the pool once per death."""
        if self._pool is broken:
            log.warning("an extraction worker died; starting a new one")
            self._on_event("pool_restarts")
            broken.shutdown(wait=False, cancel_futures=True)
            self._pool = self._new_pool()

    async def extract(self, *args: Any) -> dict[str, Any]:
        """``func(*args)``; raises ExtractionFailed("extraction_timeout" / "extraction_crashed").

        Any other exception of ``func`` propagates, as it would inline.
        """
        if not self.workers:
            return self.func(*args)
        self.start()
        try:
            result = await self._submit(args)
        except BrokenProcessPool:
            async with self._retry_lock:
                try:
                    result = await self._submit(args)
                except BrokenProcessPool:
                    self._on_event("crashes")
                    raise ExtractionFailed("extraction_crashed") from None
        if result is None:
            self._on_event("timeouts")
            raise ExtractionFailed("extraction_timeout")
        return result

    async def _submit(self, args: tuple[Any, ...]) -> dict[str, Any] | None:
        """One attempt; a dead worker's pool is replaced before BrokenProcessPool propagates."""
        pool = self._pool
        if pool is None:  # closed: the crawl is stopping
            raise ExtractionFailed("crawl_stopped")
        try:
            future: Future = pool.submit(_run_with_deadline, self.func, self.timeout_s, args)
            return await asyncio.wrap_future(future)
        except BrokenProcessPool:
            self._replace(pool)
            raise

    def close(self) -> None:
        """Stop the workers; pages still queued are dropped (the crawl is over)."""
        self._closed = True
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
