"""Item pipelines, in order: validate -> dedupe -> relevance -> archive -> store.

Each stage only decides items still undecided (``status is None``) and passes decided ones on, so
failed and duplicate pages still reach the store: every handled page gets a record.
"""

from __future__ import annotations

import json
import logging
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals

from crawlers.fingerprints import PassageParams, Passages, passages
from crawlers.items import ArticleItem, FeedStateItem
from crawlers.rawstore import RunArchive
from crawlers.relevance import RelevanceGate
from crawlers.state import KEPT_STATUSES, kept_article, load_passage_history
from crawlers.urls import article_id, canonicalize
from kernel.errors import ConfigError
from kernel.watchlist import load_watchlist

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

    from crawlers.state import CrawlState

log = logging.getLogger(__name__)
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _undecided(item: Any) -> bool:
    return isinstance(item, ArticleItem) and item.status is None


class ValidatePipeline:
    """A page without a usable body is a failed fetch (retried next run), not an article."""

    def __init__(self, min_body_chars: int) -> None:
        self.min_body_chars = min_body_chars

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler.settings.getint("TABLEWATCH_MIN_BODY_CHARS", 100))

    def process_item(self, item: Any) -> Any:
        if not _undecided(item):
            return item
        for name in ("published", "modified"):
            value = getattr(item, name)
            if value is not None and not (isinstance(value, str) and _DAY.match(value)):
                setattr(item, name, str(value)[:10] if _DAY.match(str(value)[:10]) else None)
        if item.published is None:
            item.published_source = None
        item.authors = [a for a in (item.authors or []) if isinstance(a, str) and a.strip()]
        if not item.body or len(item.body.strip()) < self.min_body_chars:
            item.body = item.body if item.body and item.body.strip() else None
            item.decide("failed", "no_body")
        return item


class DedupePipeline:
    """Keep one copy of each story; the others (same canonical URL, same body, or passages shared
    with a kept article, in this run or in the warehouse) become ``duplicate`` records pointing
    at it.

    Which copy is kept must not depend on arrival order (concurrency, server latency, a rerun on
    another machine), so copies found in one crawl are ranked: the earliest ``published`` day
    first (undated pages last), then the outlet listed first in the sources file, then the
    canonical URL, then the requested URL. When a better-ranked copy arrives after the kept one,
    it is kept instead: the earlier record is demoted and every ``duplicate_of`` is re-pointed at
    the new kept copy when the crawl closes (``StorePipeline``), so ``duplicate_of`` always names
    a stored, non-duplicate article.

    Across days the stored copy stays kept: the crawler never rewrites loaded days (their
    sentences and alerts are already out), so a copy crawled today points at yesterday's kept
    article even when today's copy was published earlier. A rerun of a day ignores that day's
    own rows (``crawlers.state``), so it reproduces the same choice.

    Passage fingerprints catch syndicated copies whose rewritten headline and lede move the
    simhash too far; the warehouse's recent bodies are fingerprinted before the first page is
    compared.
    The simhash is still computed and stored, but only decides when TABLEWATCH_DEDUPE_BY_SIMHASH
    is set: on short articles that reuse stock sentences it merges distinct stories.

    A page whose canonical URL (rel=canonical or redirect target) differs from the URL requested
    claims that canonical URL in the spider's ``scheduled`` set, unless another request already
    holds it: then the page is a copy of that one and keeps an id of its own requested URL, so
    two records never share an ``article_id``.
    """

    def __init__(
        self,
        crawler: Crawler,
        params: PassageParams | None = None,
        history_days: int = 30,
        history_max: int = 20_000,
        by_simhash: bool = False,
    ) -> None:
        self.crawler = crawler
        self.by_simhash = by_simhash
        self.params = params or PassageParams()
        # rank of each article kept so far in this crawl; stored (warehouse) articles have none
        self._rank: dict[str, tuple] = {}
        self._history_loaded = False
        self.history_days = history_days
        self.history_max = history_max

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        s = crawler.settings
        params = PassageParams(
            window=s.getint("TABLEWATCH_DEDUPE_WINDOW", 3),
            min_sentence_words=s.getint("TABLEWATCH_DEDUPE_MIN_SENTENCE_WORDS", 5),
            min_coverage=s.getfloat("TABLEWATCH_DEDUPE_MIN_COVERAGE", 0.6),
            min_shared_words=s.getint("TABLEWATCH_DEDUPE_MIN_SHARED_WORDS", 30),
        )
        if params.window < 1 or params.min_sentence_words < 1:
            raise ConfigError(
                "TABLEWATCH_DEDUPE_WINDOW and TABLEWATCH_DEDUPE_MIN_SENTENCE_WORDS must be >= 1,"
                f" got {params.window} and {params.min_sentence_words}"
            )
        if not 0 < params.min_coverage <= 1:
            raise ConfigError(
                f"TABLEWATCH_DEDUPE_MIN_COVERAGE must be in (0, 1], got {params.min_coverage}"
            )
        return cls(
            crawler,
            params,
            history_days=s.getint("TABLEWATCH_DEDUPE_HISTORY_DAYS", 30),
            history_max=s.getint("TABLEWATCH_DEDUPE_HISTORY_MAX", 20_000),
            by_simhash=s.getbool("TABLEWATCH_DEDUPE_BY_SIMHASH", False),
        )

    def _load_history(self, state: CrawlState) -> None:
        """Fingerprint the warehouse's recent bodies, once, when the first fetched page needs
        them: on 5,000 stored articles that takes about a second, which a rerun that finds
        nothing new (the usual daily case for most listings) never needs to spend."""
        self._history_loaded = True
        settings = self.crawler.settings
        db = settings.get("TABLEWATCH_DB")
        state.passages = load_passage_history(
            Path(db) if db else None,
            settings["TABLEWATCH_DAY"],
            self.params,
            days=self.history_days,
            max_articles=self.history_max,
        )
        self.crawler.stats.set_value("tablewatch/dedupe_history_articles", len(state.passages))

    def _source_rank(self, source: str) -> int:
        names = [src.name for src in getattr(self.crawler.spider, "sources", ())]
        return names.index(source) if source in names else len(names)

    def _rank_of(self, item: ArticleItem) -> tuple:
        """Smaller is preferred: earliest published, first-listed outlet, then the URLs."""
        return (
            item.published is None,
            item.published or "",
            self._source_rank(item.source),
            item.canonical_url,
            item.requested_url or item.url,
        )

    def _duplicate(self, item: ArticleItem, kept: str, own_url: str) -> ArticleItem:
        state: CrawlState = self.crawler.spider.state  # type: ignore[union-attr]
        kept = kept_article(state.copy_of, kept)
        item.canonical_url = own_url
        item.article_id = article_id(own_url)
        if item.article_id != kept:
            state.copy_of[item.article_id] = kept
        item.duplicate_of = kept
        item.decide("duplicate")
        self.crawler.stats.inc_value("tablewatch/duplicates")
        state.urls.setdefault(item.url, kept)
        return item

    def _outranks(self, item: ArticleItem, kept: str, rank: tuple) -> bool:
        """True when ``item`` should replace ``kept``, an article kept earlier in this crawl."""
        return kept in self._rank and kept != item.article_id and rank < self._rank[kept]

    def _demote(self, state: CrawlState, kept: str, item: ArticleItem) -> None:
        """``kept`` becomes a copy of ``item``; its record is rewritten when the crawl closes."""
        state.copy_of[kept] = item.article_id
        state.demoted.add(kept)
        del self._rank[kept]
        self.crawler.stats.inc_value("tablewatch/duplicates_repointed")

    def _near_copy_of(
        self, state: CrawlState, simhash: int | None, fp: Passages | None
    ) -> str | None:
        stats = self.crawler.stats
        if self.by_simhash and simhash is not None and (kept := state.simhashes.find(simhash)):
            stats.inc_value("tablewatch/duplicates_by/simhash")
            return kept
        if fp is not None and (found := state.passages.find(fp)):
            stats.inc_value("tablewatch/duplicates_by/passages")
            return found[0]
        return None

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleItem) or item.duplicate_of:
            return item
        spider = self.crawler.spider
        state: CrawlState = spider.state  # type: ignore[union-attr]
        scheduled: set[str] = spider.scheduled  # type: ignore[union-attr]
        requested = item.requested_url or canonicalize(item.url)
        if item.status is not None:  # failed: nothing to compare, and it claims no other URL
            item.canonical_url, item.article_id = requested, article_id(requested)
            return item
        if not self._history_loaded:
            self._load_history(state)
        simhash = int(item.simhash, 16) if item.simhash else None
        fp = passages(item.body, self.params) if item.body else None
        kept = state.body_hashes.get(item.body_hash) if item.body_hash else None
        if kept is None:
            kept = self._near_copy_of(state, simhash, fp)
        if item.canonical_url != requested:
            if item.canonical_url in scheduled or item.canonical_url in state.urls:
                # Prefer the kept copy the content points at; else the holder of the URL.
                kept = kept or state.urls.get(item.canonical_url) or article_id(item.canonical_url)
                return self._duplicate(item, kept, requested)
            scheduled.add(item.canonical_url)
        rank = self._rank_of(item)
        if kept is not None:
            kept = kept_article(state.copy_of, kept)
            if not self._outranks(item, kept, rank):
                return self._duplicate(item, kept, item.canonical_url)
            self._demote(state, kept, item)
        self._rank[item.article_id] = rank
        for url in (item.canonical_url, item.url):
            state.urls.setdefault(url, item.article_id)
        if item.body_hash:
            state.body_hashes.setdefault(item.body_hash, item.article_id)
        if simhash is not None:
            state.simhashes.add(simhash, item.article_id)
        if fp is not None:
            state.passages.add(item.article_id, fp)
        return item


class RelevancePipeline:
    """Relevant = names a watched negotiation (title or body) and is dated inside its window."""

    def __init__(self, gate: RelevanceGate) -> None:
        self.gate = gate

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        path = crawler.settings.get("TABLEWATCH_WATCHLIST") or None
        return cls(RelevanceGate(load_watchlist(path)))

    def process_item(self, item: Any) -> Any:
        if not _undecided(item):
            return item
        text = f"{item.title or ''}\n{item.body or ''}"
        # An undated page listed with a publication date is judged by that date.
        item.negotiations = self.gate.match(text, item.published or item.listed_published)
        if item.negotiations:
            item.decide("relevant")
        else:
            item.decide("skipped", "not_relevant")
        return item


class ArchivePipeline:
    """Every fetched page goes to the run's WARC file (``crawlers.rawstore``), whatever its status.

    The file is published when the spider closes after a finished crawl and discarded otherwise.
    This pipeline is built before StorePipeline, so its ``spider_closed`` handler runs first: a
    published ``articles.jsonl`` never names a record of an unpublished file.
    """

    def __init__(self, archive: RunArchive) -> None:
        self.archive = archive

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        s = crawler.settings
        pipeline = cls(RunArchive(Path(s["TABLEWATCH_RAW_DIR"]), s["TABLEWATCH_DAY"]))
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self) -> None:
        self.archive.open()

    def process_item(self, item: Any) -> Any:
        # A page reused from this day's archive (crawlers.middlewares) keeps its record there.
        if isinstance(item, ArticleItem) and item.raw_body and not item.raw_path:
            item.raw_path = self.archive.add(
                item.url, item.http_status or 0, item.raw_headers or {}, item.raw_body,
                item.fetched_at, item.requested_url,
            )  # fmt: skip
        if isinstance(item, ArticleItem):
            item.raw_body = item.raw_headers = None
        return item

    def spider_closed(self, spider: Any, reason: str) -> None:
        if reason == "finished":
            self.archive.publish()
        else:
            self.archive.discard()


class StorePipeline:
    """Streams records to ``articles.jsonl.tmp`` and renames it when the crawl closes, so readers
    never see half a file and a rerun of the day replaces the day's files whole."""

    def __init__(self, crawler: Crawler, run_dir: Path) -> None:
        self.crawler = crawler
        self.run_dir = run_dir
        self.articles = run_dir / "articles.jsonl"
        self.feeds = run_dir / "feed_state.jsonl"
        self._fh: Any = None
        self._feed_fh: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        pipeline = cls(crawler, Path(crawler.settings["TABLEWATCH_RUN_DIR"]))
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def _tmp(self, path: Path) -> Path:
        return path.with_name(path.name + ".tmp")

    def open_spider(self) -> None:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self._fh = open(self._tmp(self.articles), "w", encoding="utf-8")  # noqa: SIM115
        self._feed_fh = open(self._tmp(self.feeds), "w", encoding="utf-8")  # noqa: SIM115

    def process_item(self, item: Any) -> Any:
        stats = self.crawler.stats
        if isinstance(item, ArticleItem):
            if item.status is None:  # a pipeline was switched off: never store undecided pages
                item.decide("failed", "undecided")
            self._fh.write(json.dumps(item.record(), ensure_ascii=False) + "\n")
            stats.inc_value(f"tablewatch/status/{item.status}")
            if item.reason:
                stats.inc_value(f"tablewatch/reason/{item.reason}")
        elif isinstance(item, FeedStateItem):
            self._feed_fh.write(json.dumps(item.record(), ensure_ascii=False) + "\n")
            stats.inc_value("tablewatch/listings")
            if item.error:
                stats.inc_value(f"tablewatch/listing_error/{item.error}")
                stats.set_value(f"tablewatch/listing_errors/{item.url}", item.error)
        return item

    def close_spider(self) -> None:
        for fh in (self._fh, self._feed_fh):
            if fh is not None and not fh.closed:
                fh.flush()
                os.fsync(fh.fileno())
                fh.close()

    def _apply_demotions(self, state: CrawlState) -> None:
        """Rewrite the streamed records once: articles demoted by a better-ranked copy that arrived
        later become duplicates, and every ``duplicate_of`` names the finally kept article.
        One sequential pass over the file, only in crawls that demoted something."""
        stats = self.crawler.stats
        tmp = self._tmp(self.articles)
        out = self.articles.with_name(self.articles.name + ".repointed.tmp")
        with open(tmp, encoding="utf-8") as src, open(out, "w", encoding="utf-8") as dst:
            for line in src:
                rec = json.loads(line)
                aid, status = rec["article_id"], rec["status"]
                if status in KEPT_STATUSES and aid in state.demoted:
                    stats.inc_value(f"tablewatch/status/{status}", -1)
                    if rec["reason"]:
                        stats.inc_value(f"tablewatch/reason/{rec['reason']}", -1)
                    stats.inc_value("tablewatch/status/duplicate")
                    stats.inc_value("tablewatch/duplicates")
                    rec.update(
                        status="duplicate",
                        reason=None,
                        duplicate_of=kept_article(state.copy_of, aid),
                        negotiations=[],
                    )
                elif status == "duplicate" and rec["duplicate_of"]:
                    rec["duplicate_of"] = kept_article(state.copy_of, rec["duplicate_of"])
                dst.write(json.dumps(rec, ensure_ascii=False) + "\n")
            dst.flush()
            os.fsync(dst.fileno())
        os.replace(out, tmp)

    def spider_closed(self, spider: Any, reason: str) -> None:
        """Publish the day's files only for a crawl that finished: an interrupted one (SIGTERM,
        a task timeout, a shutdown) must leave the previous good files, not a partial day."""
        self.close_spider()
        state: CrawlState | None = getattr(spider, "state", None)
        if reason == "finished" and state is not None and state.demoted:
            self._apply_demotions(state)
        for path in (self.articles, self.feeds):
            tmp = self._tmp(path)
            if not tmp.exists():
                continue
            if reason == "finished":
                os.replace(tmp, path)
            else:
                tmp.unlink()
