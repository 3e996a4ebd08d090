"""Items the spider yields; ``ArticleItem.record()`` is exactly one ArticleRecord line."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kernel.records import ARTICLE_FIELDS

RECORD_FIELDS = ARTICLE_FIELDS


@dataclass
class ArticleItem:
    """One handled page. ``status`` stays None until a pipeline decides it; ``raw_body`` and
    ``raw_headers`` only travel to the archive pipeline and are never written to articles.jsonl."""

    article_id: str
    url: str
    canonical_url: str
    source: str
    fetched_at: str
    crawl_day: str
    status: str | None = None
    reason: str | None = None
    duplicate_of: str | None = None
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published: str | None = None
    published_source: str | None = None
    modified: str | None = None
    language: str | None = None
    body: str | None = None
    body_hash: str | None = None
    simhash: str | None = None
    negotiations: list[str] = field(default_factory=list)
    raw_path: str | None = None
    http_status: int | None = None
    requested_url: str | None = None
    # publication date the feed/sitemap gave; only a fallback for the relevance gate, never stored
    listed_published: str | None = None
    raw_body: bytes | None = field(default=None, repr=False)
    raw_headers: dict[str, str] | None = field(default=None, repr=False)

    def decide(self, status: str, reason: str | None = None) -> None:
        self.status, self.reason = status, reason

    def record(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in RECORD_FIELDS}


@dataclass
class FeedStateItem:
    """Validators of one feed or sitemap, for the next run's conditional request.
    ``error`` is reported in crawl_stats.json; feed_state.jsonl keeps the documented keys."""

    url: str
    etag: str | None
    last_modified: str | None
    status: int | None
    fetched_at: str
    error: str | None = None

    def record(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "etag": self.etag,
            "last_modified": self.last_modified,
            "status": self.status,
            "fetched_at": self.fetched_at,
        }
