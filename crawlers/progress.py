"""Scrapy extension: the crawl's running counts in a small JSON file, for the parent to show.

The crawl runs in a child process (the Twisted reactor cannot restart), so the parent cannot see
Scrapy's stats. Every ``TABLEWATCH_PROGRESS_INTERVAL`` seconds (default 1) this extension writes
``{"responses", "scheduled", "articles", "relevant"}`` to ``TABLEWATCH_PROGRESS_FILE`` (through a
temporary file and a rename, so a reader never sees half a file), and once more when the spider
closes. Without that setting the extension is off. One small write a second costs nothing next
to the crawl.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

from kernel.labels import STATUSES


def progress_counts(stats: dict[str, Any]) -> dict[str, int]:
    """What the parent shows: responses so far of the requests scheduled so far, and the
    articles recorded (any status) of which relevant. Scheduled grows while listings are read."""
    responses = int(stats.get("downloader/response_count", 0)) + int(
        stats.get("downloader/exception_count", 0)
    )
    return {
        "responses": responses,
        "scheduled": max(int(stats.get("scheduler/enqueued", 0)), responses),
        "articles": sum(int(stats.get(f"tablewatch/status/{s}", 0)) for s in STATUSES),
        "relevant": int(stats.get("tablewatch/status/relevant", 0)),
    }


class ProgressFile:
    def __init__(self, crawler: Any, path: Path, interval: float) -> None:
        self.crawler, self.path, self.interval = crawler, path, interval
        self._task: Any = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> ProgressFile:
        path = crawler.settings.get("TABLEWATCH_PROGRESS_FILE")
        if not path:
            raise NotConfigured("no TABLEWATCH_PROGRESS_FILE")
        ext = cls(
            crawler, Path(path), crawler.settings.getfloat("TABLEWATCH_PROGRESS_INTERVAL", 1.0)
        )
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Any) -> None:
        from twisted.internet import task

        self._task = task.LoopingCall(self.write)
        self._task.start(self.interval, now=True)

    def spider_closed(self, spider: Any, reason: str) -> None:
        if self._task is not None and self._task.running:
            self._task.stop()
        self.write()

    def write(self) -> None:
        counts = progress_counts(self.crawler.stats.get_stats())
        tmp = self.path.with_name(self.path.name + ".tmp")
        try:
            tmp.write_text(json.dumps(counts), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError:  # progress is a courtesy: never fail the crawl over it
            pass
