"""Entry point: run one crawl in a child process and report its counts.

Twisted's reactor cannot be restarted, and the CLI, Airflow tasks and tests crawl many times per
process, so ``crawl()`` starts ``python -m crawlers.run`` and waits. The child writes
``articles.jsonl``, ``feed_state.jsonl`` and ``crawl_stats.json`` into the run folder; the parent
only reads the stats back. A crash leaves the previous files of the day untouched.

With ``source``, ``crawl()`` crawls one outlet into its part, ``runs/<day>/parts/<source>/`` (the
same files, its own WARC file and a ``part.json`` saying running / ok / failed), for the Airflow
task mapped over the day's outlets and ``tablewatch crawl --source``; ``crawlers.merge`` then
dedupes the parts into the day's files. An outlet none of whose feeds, sitemaps and section pages
answered (every one an HTTP error, a timeout, a refused connection...) is a failed part: the
one-outlet crawl raises after writing it (so Airflow retries it), the all-outlets crawl records it
in ``crawl_stats.json`` (``parts``) and carries on.

The child never outlives its parent: on Linux it asks the kernel for SIGTERM when the parent dies
(``PR_SET_PDEATHSIG``), so a ``kill -9`` of ``tablewatch crawl`` or of an Airflow task ends the
crawl too (SIGTERM: it discards its partial files). The day lock belongs to whoever writes: the
child inherits the parent's locked file, and a child started on its own takes the lock itself.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import datetime as dt
import fcntl
import gc
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from crawlers.sources import load_crawl_settings, load_sources
from kernel.days import parse_day
from kernel.errors import TablewatchError
from kernel.files import write_text
from kernel.labels import STATUSES
from kernel.paths import REPO_DIR, RunFolder
from kernel.records import CrawlCounts, CrawlPart, CrawlStats, SourceScope
from kernel.watchlist import load_watchlist

#: listing errors that still mean the outlet answered (an empty feed, a recovered parse)
ANSWERED_LISTING_ERRORS = frozenset({"empty_listing", "malformed_xml_recovered"})
PART_SOURCES_FILE = "sources.yaml"


@dataclass(frozen=True)
class CrawlResult:
    """Counts of one crawl (pages per status, HTTP requests made, wall time of the child)."""

    fetched: int
    relevant: int
    skipped: int
    duplicate: int
    failed: int
    requests: int
    elapsed_s: float
    run_dir: Path

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "run_dir": str(self.run_dir)}


def crawl(
    sources_path: Path,
    run_dir: Path,
    raw_dir: Path,
    db_path: Path | None,
    day: str,
    watchlist_path: Path | None = None,
    settings: dict | None = None,
    source: str | None = None,
    on_progress: Callable[[dict[str, int]], None] | None = None,
) -> CrawlResult:
    """Crawl every source once for logical date ``day`` (with ``source``: that outlet only, into
    its part of ``run_dir``); raises TablewatchError on bad config, a crashed child (with the
    log's last line and its path), or a one-outlet crawl whose outlet answered nothing.

    ``on_progress`` is called with the child's running counts (``crawlers.progress``) while it
    runs, about once a second, and once with the final counts."""
    day = parse_day(day)
    # Validate config here too, so a typo is a one-line error, not a child's traceback.
    sources = load_sources(sources_path)
    if source is not None and source not in {s.name for s in sources}:
        raise TablewatchError(
            f"no source {source!r} in {sources_path} (sources: {', '.join(s.name for s in sources)})"
        )
    load_watchlist(watchlist_path)
    # Overrides carried by the sources file (a local site needs no delays), then the caller's.
    settings = {**load_crawl_settings(sources_path), **(settings or {})}
    try:
        settings_json = json.dumps(settings)
    except TypeError as exc:
        raise TablewatchError(f"crawl settings must be JSON-serialisable: {exc}") from None
    run_dir, raw_dir = Path(run_dir).resolve(), Path(raw_dir).resolve()
    run_dir.mkdir(parents=True, exist_ok=True)
    if source is not None:
        return _crawl_part(
            sources_path, run_dir, raw_dir, db_path, day, watchlist_path, settings, source,
            on_progress,
        )  # fmt: skip
    with _day_lock(run_dir, day) as lock_fd:
        # left by a killed crawl of this day (SIGKILL gives it no chance to clean up)
        for stale in (*run_dir.glob("*.tmp"), *(raw_dir / day).glob("*.warc.gz.tmp")):
            stale.unlink()
        result = _run_child(
            sources_path,
            run_dir,
            raw_dir,
            db_path,
            day,
            watchlist_path,
            settings_json,
            lock_fd,
            on_progress,
        )
        # The day's files now come from this crawl: parts of an earlier one would be stale.
        shutil.rmtree(RunFolder(run_dir).parts, ignore_errors=True)
        return result


def _crawl_part(
    sources_path: Path,
    run_dir: Path,
    raw_dir: Path,
    db_path: Path | None,
    day: str,
    watchlist_path: Path | None,
    settings: dict[str, Any],
    source: str,
    on_progress: Callable[[dict[str, int]], None] | None = None,
) -> CrawlResult:
    """One outlet into ``parts/<source>/``: the day lock shared (other outlets crawl alongside,
    an all-outlets crawl or a merge of the day waits), the part's own lock exclusive.

    The part starts as ``running`` with its previous files removed, so a killed attempt can never
    pass for a crawled one; it ends ``ok`` or ``failed`` (then the error is raised, for retries).
    """
    part = RunFolder(run_dir).part(source)
    part.path.mkdir(parents=True, exist_ok=True)
    with _day_lock(run_dir, day, shared=True) as day_fd, _day_lock(part.path, day) as part_fd:
        for stale in part.path.glob("*.tmp"):
            stale.unlink()
        for old in (part.articles, part.feed_state, part.crawl_stats):
            old.unlink(missing_ok=True)
        CrawlPart(source, "running").write(part.part_status)
        sources_file = _write_part_sources(sources_path, source, part.path)
        try:
            result = _run_child(
                sources_file, part.path, raw_dir, db_path, day, watchlist_path,
                json.dumps(settings), part_fd, on_progress, extra_fds=(day_fd,),
            )  # fmt: skip
            stats = CrawlStats.read(part.crawl_stats)
            status = stats.parts[0] if stats.parts else CrawlPart(source, "ok")
        except TablewatchError as exc:
            CrawlPart(source, "failed", error=str(exc)).write(part.part_status)
            raise
        status.write(part.part_status)
        if status.status == "failed":
            raise TablewatchError(f"crawl of {source} for {day} failed: {status.error}")
        return result


def _write_part_sources(sources_path: Path, source: str, folder: Path) -> Path:
    """The sources file of one outlet (the spider crawls every source of the file it reads);
    the crawl settings travel with it."""
    import yaml

    entry = next(s for s in load_sources(sources_path) if s.name == source)
    data: dict[str, Any] = {"sources": [entry.to_dict()]}
    extra = load_crawl_settings(sources_path)
    if extra:
        data["settings"] = extra
    path = folder / PART_SOURCES_FILE
    write_text(path, yaml.safe_dump(data, sort_keys=False))
    return path


@contextlib.contextmanager
def _day_lock(run_dir: Path, day: str, shared: bool = False) -> Iterator[int]:
    """Two crawls of one day would write the same files: the second one is refused.

    ``shared``: one-outlet crawls of a day run side by side, each holding the day's lock shared
    and its part's exclusively; an all-outlets crawl and the merge hold the day's exclusively.
    Yields the locked descriptor: a child that inherits it holds the same lock (flock belongs to
    the open file), so the lock lasts as long as the last of parent and child.
    """
    with open(run_dir / ".crawl.lock", "a") as fh:
        try:
            fcntl.flock(fh, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except BlockingIOError:
            raise TablewatchError(f"another crawl of {day} is running ({run_dir})") from None
        yield fh.fileno()


@contextlib.contextmanager
def day_lock(run_dir: Path, day: str) -> Iterator[int]:
    """The day's exclusive crawl lock (for the merge of its parts): no crawl of it is running."""
    Path(run_dir).mkdir(parents=True, exist_ok=True)
    with _day_lock(Path(run_dir), day) as fd:
        yield fd


_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> Callable[[], None] | None:
    """A ``preexec_fn`` that makes the child get SIGTERM when ``parent`` dies (Linux only)."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)

    def preexec() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the request took effect
            os._exit(1)

    return preexec


def _run_child(
    sources_path: Path,
    run_dir: Path,
    raw_dir: Path,
    db_path: Path | None,
    day: str,
    watchlist_path: Path | None,
    settings_json: str,
    lock_fd: int,
    on_progress: Callable[[dict[str, int]], None] | None = None,
    extra_fds: tuple[int, ...] = (),
) -> CrawlResult:
    cmd = [
        sys.executable, "-m", "crawlers.run",
        "--sources", str(Path(sources_path).resolve()),
        "--run-dir", str(run_dir),
        "--raw-dir", str(raw_dir),
        "--day", day,
        "--settings-json", settings_json,
        "--lock-fd", str(lock_fd),
    ]  # fmt: skip
    if db_path is not None:
        cmd += ["--db", str(Path(db_path).resolve())]
    if watchlist_path is not None:
        cmd += ["--watchlist", str(Path(watchlist_path).resolve())]
    progress = (
        _ProgressPoll(RunFolder(run_dir).crawl_progress, on_progress) if on_progress else None
    )
    if progress is not None:
        cmd += ["--progress-file", str(progress.path)]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_DIR), env.get("PYTHONPATH")) if p)
    log_path = RunFolder(run_dir).crawl_log
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            cmd,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            pass_fds=(lock_fd, *extra_fds),
            preexec_fn=_die_with_parent(os.getpid()),  # noqa: PLW1509 - only prctl and getppid
        )
        try:
            if progress is None:
                proc.wait()
            else:
                progress.wait(proc)
        except BaseException:  # interrupted (Ctrl-C, task timeout): never leave an orphan crawl
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
            raise
    if progress is not None:
        progress.finish()
    if proc.returncode != 0:
        raise TablewatchError(
            f"crawl failed (exit {proc.returncode}): {_last_line(log_path)} (log: {log_path})"
        )
    return read_result(run_dir)


class _ProgressPoll:
    """Reads the child's progress file while waiting for it, and passes new counts on."""

    def __init__(self, path: Path, on_progress: Callable[[dict[str, int]], None]) -> None:
        self.path, self.on_progress = path, on_progress
        self._seen: dict[str, int] | None = None
        path.unlink(missing_ok=True)  # a killed crawl's last counts are not this one's

    def wait(self, proc: subprocess.Popen, poll_s: float = 0.5) -> None:
        while True:
            try:
                proc.wait(timeout=poll_s)
                return
            except subprocess.TimeoutExpired:
                self.read()

    def read(self) -> None:
        try:
            counts = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):  # not written yet
            return
        if counts != self._seen:
            self._seen = counts
            self.on_progress(counts)

    def finish(self) -> None:
        self.read()
        self.path.unlink(missing_ok=True)


def _last_line(path: Path) -> str:
    lines = [
        ln for ln in path.read_text(encoding="utf-8", errors="replace").splitlines() if ln.strip()
    ]
    return lines[-1].strip() if lines else "no output"


def read_result(run_dir: Path) -> CrawlResult:
    """Counts of a finished crawl, from its crawl_stats.json."""
    counts = CrawlStats.read(RunFolder(Path(run_dir)).crawl_stats).counts
    return CrawlResult(
        fetched=counts.fetched,
        relevant=counts.relevant,
        skipped=counts.skipped,
        duplicate=counts.duplicate,
        failed=counts.failed,
        requests=counts.requests,
        elapsed_s=counts.elapsed_s,
        run_dir=Path(run_dir),
    )


# -- child process --------------------------------------------------------------------------


def build_settings(args: argparse.Namespace, overrides: dict[str, Any]) -> Any:
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("crawlers.settings", priority="project")
    settings.update(
        {
            "TABLEWATCH_SOURCES": args.sources,
            "TABLEWATCH_RUN_DIR": args.run_dir,
            "TABLEWATCH_RAW_DIR": args.raw_dir,
            "TABLEWATCH_DB": args.db,
            "TABLEWATCH_DAY": args.day,
            "TABLEWATCH_WATCHLIST": args.watchlist,
            "TABLEWATCH_PROGRESS_FILE": args.progress_file,
        },
        priority="cmdline",
    )
    if "TABLEWATCH_CONTACT_URL" in overrides and "USER_AGENT" not in overrides:
        overrides = {
            **overrides,
            "USER_AGENT": f"TablewatchBot/0.1 (+{overrides['TABLEWATCH_CONTACT_URL']})",
        }
    settings.update(overrides, priority="cmdline")
    return settings


def _jsonable(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def write_stats(
    args: argparse.Namespace, stats: dict[str, Any], started_at: dt.datetime, elapsed_s: float
) -> CrawlStats:
    per_status = {s: int(stats.get(f"tablewatch/status/{s}", 0)) for s in STATUSES}
    counts = CrawlCounts(
        fetched=int(stats.get("tablewatch/article_responses", 0)),
        **per_status,
        items=sum(per_status.values()),
        requests=int(stats.get("downloader/request_count", 0)),
        listings=int(stats.get("tablewatch/listings", 0)),
        out_of_window=int(stats.get("tablewatch/listing_out_of_window", 0)),
        already_stored=int(stats.get("tablewatch/link_already_stored", 0)),
        elapsed_s=round(elapsed_s, 3),
        links_dropped=int(stats.get("tablewatch/links_dropped", 0)),
    )
    errors_prefix = "tablewatch/listing_errors/"
    listing_errors = {
        k.removeprefix(errors_prefix): str(v)
        for k, v in stats.items()
        if k.startswith(errors_prefix)
    }
    sources = load_sources(args.sources)
    out = CrawlStats(
        day=args.day,
        started_at=started_at.isoformat(),
        finished_at=dt.datetime.now(dt.UTC).isoformat(),
        sources_file=args.sources,
        sources=[SourceScope(src.name, list(src.allowed_domains)) for src in sources],
        counts=counts,
        listing_errors=listing_errors,
        scrapy={
            k: _jsonable(v) for k, v in sorted(stats.items()) if not k.startswith(errors_prefix)
        },
        parts=source_parts(sources, listing_errors, RunFolder(Path(args.run_dir)).articles),
    )
    out.write(RunFolder(Path(args.run_dir)).crawl_stats)
    return out


def unanswered(source: Any, listing_errors: dict[str, str]) -> str | None:
    """Why ``source`` answered nothing (every feed, sitemap and section page failed), or None."""
    entry_points = (*source.feeds, *source.sitemaps, *source.start_urls)
    errors = [listing_errors.get(url) for url in entry_points]
    if not entry_points or any(e is None or e in ANSWERED_LISTING_ERRORS for e in errors):
        return None
    reasons = ", ".join(sorted(set(errors)))  # type: ignore[arg-type]
    return f"no listing answered ({len(errors)} of {len(errors)} failed: {reasons})"


def source_parts(
    sources: list[Any], listing_errors: dict[str, str], articles: Path
) -> list[CrawlPart]:
    """Each source's part of a finished crawl: failed when it answered nothing, with its records."""
    per_source: dict[str, int] = {}
    if articles.exists():
        with articles.open(encoding="utf-8") as fh:
            for line in fh:
                name = json.loads(line).get("source")
                per_source[name] = per_source.get(name, 0) + 1
    parts = []
    for src in sources:
        error = unanswered(src, listing_errors)
        parts.append(
            CrawlPart(src.name, "failed" if error else "ok", error, per_source.get(src.name, 0))
        )
    return parts


def tune_gc(threshold: int) -> None:
    """Collect the crawl's young objects every ``threshold`` allocations (0: Python's default)
    and freeze what start-up made (modules, settings, the spider's state), so no collection
    scans it again: the default thresholds cost the reactor a sixth of its CPU on a
    5,000-article crawl (crawlers/settings.py). Garbage is still collected, only less often."""
    if threshold <= 0:
        return
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(threshold, gen1, gen2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawlers.run", description=__doc__)
    parser.add_argument("--sources", required=True)
    parser.add_argument("--run-dir", required=True)
    parser.add_argument("--raw-dir", required=True)
    parser.add_argument("--db")
    parser.add_argument("--day", required=True)
    parser.add_argument("--watchlist")
    parser.add_argument("--settings-json", default="{}")
    parser.add_argument("--progress-file", help="write running counts here (crawlers.progress)")
    parser.add_argument("--lock-fd", type=int, help="the day lock, already held by the parent")
    args = parser.parse_args(argv)
    if args.lock_fd is None:  # started on its own: take the day lock like crawl() does
        try:
            Path(args.run_dir).mkdir(parents=True, exist_ok=True)
            lock = contextlib.ExitStack()
            lock.enter_context(_day_lock(Path(args.run_dir), args.day))
        except TablewatchError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        except OSError as exc:
            print(f"error: cannot lock the run folder {args.run_dir}: {exc}", file=sys.stderr)
            return 2
    started = time.monotonic()
    started_at = dt.datetime.now(dt.UTC)
    try:
        from scrapy.crawler import CrawlerProcess

        from crawlers.spiders.news import NewsSpider

        args.day = parse_day(args.day)
        overrides = json.loads(args.settings_json)
        settings = build_settings(args, overrides)
        process = CrawlerProcess(settings)
        crawler = process.create_crawler(NewsSpider)
        # before the crawl is built: a crawl that fails to start (a bad setting) logs its error
        # when the failed Deferred is collected at exit, and the parent shows the log's last line
        tune_gc(settings.getint("TABLEWATCH_GC_THRESHOLD", 0))
        process.crawl(crawler)
        process.start()
    except TablewatchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        stats = crawler.stats.get_stats()
    except RuntimeError:  # the crawl never started: building the spider failed (logged above)
        stats = {}
    reason = stats.get("finish_reason")
    if reason != "finished" or not RunFolder(Path(args.run_dir)).articles.exists():
        print(f"error: crawl did not finish (finish_reason={reason})", file=sys.stderr)
        return 1
    out = write_stats(args, stats, started_at, time.monotonic() - started)
    print(json.dumps(out.counts.to_dict()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
