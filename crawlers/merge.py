"""Merging the day's one-outlet parts (``runs/<day>/parts/<source>/``) into the day's files.

Each part was crawled and deduped on its own (against the warehouse and within its outlet). What
no part could see is a syndicated copy on another outlet, so the merge runs the crawl's own
``DedupePipeline`` once more over the kept records of every part, with the same settings, outlet
by outlet in sources order and each outlet's records in the order its crawl decided them: the
kept copy is the earliest published, then the outlet listed first, then the URL, as in a crawl of
all outlets at once, and every ``duplicate_of`` is re-pointed at the finally kept article. The
warehouse is not compared again (each part did).

Where the dedupe itself depends on arrival order, so does the merge: passage matching is not
symmetric, so in a cluster of near-identical short pages (the generated benchmark site's stock
filler) which page absorbs which varies with the order pages arrive, in one crawl too (two crawls
of every outlet at different concurrency differ there as much as parts + merge differ from
either). Syndicated copies, whose text is shared almost whole, do not depend on it.

A part that failed (its crawl raised, was killed, or never ran) is named in the day's
``crawl_stats.json`` (``parts``) with why; the other outlets still make the day. A failed part
whose crawl finished (its outlet answered nothing) still brings its records and feed state, so
the merged day equals what one crawl of every outlet writes. The merge holds the day's crawl lock
exclusively (no part of the day is being crawled) and writes each file atomically; the same parts
give the same bytes, so a rerun changes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from crawlers.items import RECORD_FIELDS, ArticleItem
from crawlers.pipelines import DedupePipeline
from crawlers.run import day_lock
from crawlers.sources import Source, load_crawl_settings, load_sources
from crawlers.state import KEPT_STATUSES, CrawlState, kept_article
from kernel.days import parse_day
from kernel.errors import TablewatchError
from kernel.files import AtomicResult, atomic_write, iter_jsonl
from kernel.labels import STATUSES
from kernel.paths import RunFolder
from kernel.records import CrawlCounts, CrawlPart, CrawlStats, SourceScope


@dataclass(frozen=True)
class MergeResult:
    """What the merge wrote: counts per status, the outlets that failed, whether the articles changed."""

    day: str
    articles: int
    relevant: int
    skipped: int
    duplicate: int
    failed: int
    cross_outlet_duplicates: int
    failed_sources: tuple[str, ...]
    articles_changed: bool  #: False when articles.jsonl already held these bytes (a rerun)
    run_dir: Path

    def to_dict(self) -> dict[str, Any]:
        return {
            **{k: getattr(self, k) for k in self.__dataclass_fields__},
            "failed_sources": ",".join(self.failed_sources),
            "run_dir": str(self.run_dir),
        }


@dataclass
class _Part:
    status: CrawlPart
    stats: CrawlStats | None
    records: list[dict[str, Any]]
    feed_state: list[dict[str, Any]]


class _Stats:
    """The two calls DedupePipeline makes on Scrapy's stats collector."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None:
        self.values[key] = self.values.get(key, start) + count

    def set_value(self, key: str, value: Any) -> None:
        self.values[key] = value


def _read_part(folder: RunFolder, source: str) -> _Part:
    """A part as its crawl left it; no part, or one left running, is a failed one."""
    finished = False
    if not folder.part_status.exists():
        status = CrawlPart(source, "failed", "no part: the outlet's crawl never ran")
    else:
        status = CrawlPart.read(folder.part_status)
        finished = status.status != "running"
        if not finished:  # its crawl was killed: whatever files it left are not this attempt's
            status = CrawlPart(source, "failed", "interrupted: the outlet's crawl did not finish")
    if not finished or not folder.crawl_stats.exists() or not folder.articles.exists():
        return _Part(status, None, [], [])
    stats = CrawlStats.read(folder.crawl_stats)
    feeds = list(iter_jsonl(folder.feed_state)) if folder.feed_state.exists() else []
    return _Part(status, stats, list(iter_jsonl(folder.articles)), feeds)


def _dedupe_pipeline(
    sources: list[Source], sources_path: Path, day: str, settings: dict[str, Any] | None
) -> DedupePipeline:
    """The crawl's dedupe, configured as the crawl was (crawlers.settings, the sources file's
    settings, the caller's), over an empty state: no warehouse history (each part compared it)."""
    from scrapy.settings import Settings

    conf = Settings()
    conf.setmodule("crawlers.settings", priority="project")
    conf.update({**load_crawl_settings(sources_path), **(settings or {})}, priority="cmdline")
    conf.update({"TABLEWATCH_DB": None, "TABLEWATCH_DAY": day}, priority="cmdline")
    state = CrawlState(max_distance=conf.getint("TABLEWATCH_SIMHASH_MAX_DISTANCE", 6))
    spider = SimpleNamespace(state=state, scheduled=set(), sources=sources)
    crawler = SimpleNamespace(settings=conf, spider=spider, stats=_Stats())
    return DedupePipeline.from_crawler(crawler)  # type: ignore[arg-type]


def _item(rec: dict[str, Any]) -> ArticleItem:
    item = ArticleItem(**{k: rec[k] for k in RECORD_FIELDS})
    item.requested_url = rec["canonical_url"]
    item.status = item.reason = None  # undecided: the pipeline decides only those
    return item


def dedupe_across_outlets(records: list[dict[str, Any]], pipeline: DedupePipeline) -> int:
    """Mark the kept records that copy a better-ranked one of another outlet as duplicates and
    re-point every ``duplicate_of``; returns how many records became duplicates here.

    The kept records go through the pipeline outlet by outlet (sources order), each outlet's in
    the order its own crawl decided them (its file order). So each outlet's own decisions stand:
    a record its crawl kept matched no earlier kept record of that outlet, and still does not;
    what is new is only the kept records of the outlets before it, and a copy of one of those is
    a duplicate of it, or demotes it when it ranks better (earlier published, then the outlet
    listed first, then the URL), exactly as one crawl of every outlet decides.
    """
    state: CrawlState = pipeline.crawler.spider.state  # type: ignore[union-attr]
    demoted = 0
    for rec in records:
        if rec["status"] not in KEPT_STATUSES:
            continue
        item = pipeline.process_item(_item(rec))
        if item.status == "duplicate":
            rec.update(status="duplicate", reason=None, duplicate_of=item.duplicate_of,
                       negotiations=[])  # fmt: skip
            demoted += 1
    for rec in records:
        if rec["status"] in KEPT_STATUSES and rec["article_id"] in state.demoted:
            rec.update(status="duplicate", reason=None, negotiations=[],
                       duplicate_of=kept_article(state.copy_of, rec["article_id"]))  # fmt: skip
            demoted += 1
        elif rec["status"] == "duplicate" and rec["duplicate_of"]:
            rec["duplicate_of"] = kept_article(state.copy_of, rec["duplicate_of"])
    return demoted


def _utc(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


def _merged_stats(
    day: str, sources_path: Path, sources: list[Source], parts: list[_Part],
    records: list[dict[str, Any]],
) -> CrawlStats:  # fmt: skip
    crawled = [p.stats for p in parts if p.stats is not None]
    per_source: dict[str, int] = {}
    for rec in records:
        per_source[rec["source"]] = per_source.get(rec["source"], 0) + 1
    status = {s: sum(r["status"] == s for r in records) for s in STATUSES}

    def total(name: str) -> int:
        return sum(getattr(s.counts, name) for s in crawled)

    started = min((s.started_at for s in crawled), key=_utc)
    finished = max((s.finished_at for s in crawled), key=_utc)
    counts = CrawlCounts(
        fetched=total("fetched"),
        **status,
        items=len(records),
        requests=total("requests"),
        listings=total("listings"),
        out_of_window=total("out_of_window"),
        already_stored=total("already_stored"),
        elapsed_s=round((_utc(finished) - _utc(started)).total_seconds(), 3),
        links_dropped=total("links_dropped"),
    )
    listing_errors: dict[str, str] = {}
    for s in crawled:
        listing_errors.update(s.listing_errors)
    return CrawlStats(
        day=day,
        started_at=started,
        finished_at=finished,
        sources_file=str(Path(sources_path).resolve()),
        sources=[SourceScope(src.name, list(src.allowed_domains)) for src in sources],
        counts=counts,
        listing_errors=dict(sorted(listing_errors.items())),
        scrapy={"parts": {p.status.source: p.stats.scrapy for p in parts if p.stats}},
        parts=[
            CrawlPart(
                p.status.source, p.status.status, p.status.error, per_source.get(p.status.source, 0)
            )
            for p in parts
        ],  # fmt: skip
    )


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> bool:
    written = AtomicResult()
    with atomic_write(path, result=written) as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return written.changed


def merge_parts(
    run_dir: Path,
    sources_path: Path,
    raw_dir: Path,
    day: str,
    settings: dict[str, Any] | None = None,
) -> MergeResult:
    """Merge ``run_dir/parts/*`` into ``run_dir``'s articles, feed state and crawl stats.

    Raises TablewatchError when there is nothing to merge or every outlet failed (the day's
    previous files are then left as they were)."""
    day = parse_day(day)
    run = RunFolder(Path(run_dir))
    sources = load_sources(sources_path)
    if not run.parts.is_dir():
        raise TablewatchError(
            f"no parts to merge for {day} ({run.parts}): run `tablewatch crawl --source NAME` first"
        )
    with day_lock(run.path, day):
        for stale in (Path(raw_dir) / day).glob("*.warc.gz.tmp"):  # left by a killed part
            stale.unlink()
        parts = [_read_part(run.part(src.name), src.name) for src in sources]
        if all(p.status.status == "failed" for p in parts):
            why = "; ".join(f"{p.status.source}: {p.status.error}" for p in parts)
            raise TablewatchError(f"every outlet of {day} failed, nothing to merge ({why})")
        records: list[dict[str, Any]] = []
        seen: set[str] = set()
        for part in parts:  # an article two outlets list (shared domains) counts once: the first's
            for rec in part.records:
                if rec["article_id"] not in seen:
                    seen.add(rec["article_id"])
                    records.append(rec)
        demoted = dedupe_across_outlets(
            records, _dedupe_pipeline(sources, sources_path, day, settings)
        )
        feeds: dict[str, dict[str, Any]] = {}
        for part in parts:
            for row in part.feed_state:
                feeds.setdefault(row["url"], row)
        stats = _merged_stats(day, sources_path, sources, parts, records)
        changed = _write_jsonl(run.articles, records)
        _write_jsonl(run.feed_state, list(feeds.values()))
        with atomic_write(run.crawl_stats, result=AtomicResult()) as fh:
            fh.write(json.dumps(stats.to_dict(), indent=1, sort_keys=True, ensure_ascii=False))
    counts = stats.counts
    return MergeResult(
        day=day,
        articles=len(records),
        relevant=counts.relevant,
        skipped=counts.skipped,
        duplicate=counts.duplicate,
        failed=counts.failed,
        cross_outlet_duplicates=demoted,
        failed_sources=tuple(p.source for p in stats.parts if p.status == "failed"),
        articles_changed=changed,
        run_dir=run.path,
    )
