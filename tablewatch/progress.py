"""How far a long stage has got: a rich progress bar on a terminal, a log line now and then otherwise.

Crawl and annotate take minutes on a real day. On a terminal people want a bar; in a pipe, a cron
mail or an Airflow task log they want lines they can read later ("annotate: 120/481 articles"):
one when the stage starts, one every ``TABLEWATCH_PROGRESS_SECONDS`` seconds (default 10) while
it runs, one when it ends. The stages only call :meth:`Reporter.update` with counts; the reporter
decides what to show, and an update that shows nothing costs one clock read.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from typing import Any, TextIO

log = logging.getLogger("tablewatch")

EVERY_ENV = "TABLEWATCH_PROGRESS_SECONDS"
DEFAULT_EVERY_S = 10.0


def _every_s() -> float:
    raw = os.environ.get(EVERY_ENV)
    if raw in (None, ""):
        return DEFAULT_EVERY_S
    try:
        return max(0.0, float(raw))
    except ValueError:
        log.warning("%s=%r is not a number of seconds: using %s", EVERY_ENV, raw, DEFAULT_EVERY_S)
        return DEFAULT_EVERY_S


class Reporter:
    """Progress of one stage (``label``) counting ``unit`` (articles, pages...).

    ``stream`` decides the form: a terminal gets a bar (drawn on that stream), anything else gets
    log lines through the ``tablewatch`` logger. ``total`` may be unknown (None) or grow while the
    stage runs (a crawl discovers its pages as it goes). ``enabled=False`` shows nothing.
    """

    def __init__(
        self,
        label: str,
        unit: str,
        total: int | None = None,
        stream: TextIO | None = None,
        every_s: float | None = None,
        enabled: bool = True,
    ) -> None:
        self.label, self.unit, self.total = label, unit, total
        self.done = 0
        self.detail = ""
        self.enabled = enabled
        self.every_s = _every_s() if every_s is None else every_s
        stream = stream if stream is not None else sys.stderr
        self.tty = enabled and bool(getattr(stream, "isatty", lambda: False)())
        self._stream = stream
        self._started = time.monotonic()
        self._last_line = -float("inf")
        self._bar: Any = None
        self._task: Any = None
        self._closed = False

    # -- what the stages call ---------------------------------------------------------------

    def start(self) -> Reporter:
        if not self.enabled:
            return self
        if self.tty:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            self._bar = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[unit]} {task.fields[detail]}"),
                TimeElapsedColumn(),
                console=Console(file=self._stream, force_terminal=True),
                transient=True,
            )
            self._bar.start()
            self._task = self._bar.add_task(
                self.label, total=self.total, unit=self.unit, detail=self.detail
            )
        else:
            self._log_line()
        return self

    def update(self, done: int, total: int | None = None, detail: str | None = None) -> None:
        """``done`` of ``total`` so far (a total of None keeps the previous one)."""
        self.done = done
        if total is not None:
            self.total = total
        if detail is not None:
            self.detail = detail
        if not self.enabled or self._closed:
            return
        if self._bar is not None:
            self._bar.update(
                self._task, completed=done, total=self.total, detail=self.detail, refresh=False
            )
        elif time.monotonic() - self._last_line >= self.every_s:
            self._log_line()

    def close(self, failed: bool = False) -> None:
        """The last line (with the time taken); a bar is removed and the line printed instead."""
        if not self.enabled or self._closed:
            return
        self._closed = True
        if self._bar is not None:
            self._bar.stop()
            self._stream.write(self.line(final=True, failed=failed) + "\n")
            self._stream.flush()
        else:
            self._log_line(final=True, failed=failed)

    def __enter__(self) -> Reporter:
        return self.start()

    def __exit__(self, exc_type: object, *exc: object) -> None:
        self.close(failed=exc_type is not None)

    # -- what it shows ----------------------------------------------------------------------

    def line(self, final: bool = False, failed: bool = False) -> str:
        """``annotate: 120/481 articles`` (then the detail; the time taken on the last line)."""
        of = f"/{self.total}" if self.total is not None else ""
        text = f"{self.label}: {self.done}{of} {self.unit}"
        if self.detail:
            text += f", {self.detail}"
        if final:
            text += f", {'stopped after' if failed else 'done in'} {time.monotonic() - self._started:.1f}s"
        return text

    def _log_line(self, final: bool = False, failed: bool = False) -> None:
        self._last_line = time.monotonic()
        log.info("%s", self.line(final, failed))


class CrawlReporter(Reporter):
    """The crawl's form: pages fetched of those scheduled so far, and the articles recorded."""

    def crawl_counts(self, counts: dict[str, int]) -> None:
        """``on_progress`` of ``crawlers.run.crawl``: the child's counts (crawlers.progress)."""
        self.update(
            counts.get("responses", 0),
            counts.get("scheduled"),
            f"{counts.get('articles', 0)} articles ({counts.get('relevant', 0)} relevant)",
        )


def crawl_reporter(enabled: bool = True, stream: TextIO | None = None) -> CrawlReporter:
    return CrawlReporter("crawl", "pages", enabled=enabled, stream=stream)
