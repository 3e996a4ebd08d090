"""Crawl scaling: how `tablewatch crawl` grows with the size of a site, against a bare Scrapy spider.

A generated demo site (the demo outlets' templates, N generated articles) is served on 127.0.0.1
by its own process, so neither the crawlers nor this measuring process share its interpreter lock.
For each size three clients fetch the same article pages:

- the server alone: a threaded keep-alive ``http.client`` loop (the ceiling any crawler can reach);
- a bare Scrapy SitemapSpider that fetches every page and keeps nothing (what Scrapy costs);
- the full `tablewatch crawl` (extraction, dedupe, relevance, archive, run files).

Politeness delays are off on both crawlers (on a local site they would measure only themselves),
and the crawler's watch-window prefilter is off: the generated site spreads its dates over five
years, and with the prefilter on, the articles dated outside every watched window (a third of them)
are never requested, so the two crawlers would not fetch the same pages.

Figures: wall time (process start to exit), crawl time (Scrapy's own engine open-to-close time,
so start-up is visible separately), pages/s of each, and peak RSS of the client's process tree
(the sum over its processes of the kernel's high-water mark ``VmHWM``, so short peaks between two
samples are not missed).

The incremental part loads the first `tablewatch crawl` of the largest incremental size into the
warehouse and crawls the unchanged site again the next day: only listings should be requested.
"""

from __future__ import annotations

import http.client
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psutil
import yaml

from benchmarks.options import parse_size_options

REPO = Path(__file__).resolve().parents[1]
FAST = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "LOG_LEVEL": "WARNING",
}
# Same pages for both crawlers: see the module docstring.
TABLEWATCH_SETTINGS = {**FAST, "TABLEWATCH_PREFILTER_BY_WINDOW": False}
SIZES = (1000, 5000, 20000)
QUICK_SIZES = (1000,)
INCREMENTAL_SIZE = 5000
QUICK_INCREMENTAL_SIZE = 1000
# Whole benchmark, seconds: a size predicted to overrun it is skipped (and the table says so).
BUDGET_S = 1200
SERVER_THREADS = 16  # as many parallel connections as the crawlers' CONCURRENT_REQUESTS
DAY1, DAY2 = "2026-01-01", "2026-01-02"
WARM_MODULES = ("crawlers.run", "crawlers.spiders.news", "tablewatch.cli", "benchmarks.bare_spider",
                "demosite.__main__", "warehouse.load")  # fmt: skip
_SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


# -- measuring a child process ---------------------------------------------------------------


@dataclass(frozen=True)
class Measured:
    """Wall seconds of a child process, CPU seconds (user + system) and peak RSS (MiB) of its
    process tree. CPU seconds hardly move when other work shares the machine; wall time does."""

    wall_s: float
    cpu_s: float
    peak_rss_mib: float


def child_env() -> dict[str, str]:
    """The environment for measured children: bytecode caching on, in a cache outside the repo.

    An installed Tablewatch runs from cached bytecode; with ``PYTHONDONTWRITEBYTECODE`` set (as in
    some sandboxes) every child would recompile Scrapy, trafilatura and DuckDB's Python parts on
    every start, adding seconds of start-up that no real installation pays.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.setdefault(
        "PYTHONPYCACHEPREFIX", str(Path(tempfile.gettempdir()) / "tablewatch-bench-pycache")
    )
    return env


def warm_bytecode(modules: tuple[str, ...] = WARM_MODULES) -> None:
    """Compile what the measured children import once, so no measured run pays for it."""
    subprocess.run(
        [sys.executable, "-c", "; ".join(f"import {m}" for m in modules)],
        cwd=REPO, env=child_env(), check=True,
    )  # fmt: skip


def _hwm_bytes(pid: int) -> int:
    """The kernel's peak-RSS mark of one process (Linux); falls back to the current RSS."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return psutil.Process(pid).memory_info().rss
    except psutil.Error:
        return 0


def _watch_tree(proc: subprocess.Popen, interval: float = 0.05, slowest: float = 0.5) -> float:
    """Wait for ``proc``; return the summed peak RSS (MiB) of it and every descendant it had.

    Each process's own high-water mark is kept from its last sample before it exits, so the sum
    is exact when the processes peak together (a parent waiting on its crawler does) and an upper
    bound otherwise. Sampling starts every ``interval`` s (short-lived children) and slows towards
    ``slowest`` s, so watching a long run does not take CPU from the run it measures.
    """
    peaks: dict[int, int] = {}
    root = psutil.Process(proc.pid)
    started = time.perf_counter()
    while proc.poll() is None:
        try:
            tree = [root, *root.children(recursive=True)]
        except psutil.Error:
            tree = []
        for p in tree:
            peaks[p.pid] = max(peaks.get(p.pid, 0), _hwm_bytes(p.pid))
        time.sleep(min(slowest, interval + (time.perf_counter() - started) / 20))
    return sum(peaks.values()) / 2**20


def measure(cmd: list[str], cwd: Path = REPO) -> Measured:
    """Run ``cmd``; raise RuntimeError with its stderr tail when it fails."""
    cpu0 = _children_cpu()
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=child_env()
    )
    err: list[str] = []
    reader = threading.Thread(target=lambda: err.append(proc.stderr.read()), daemon=True)
    reader.start()
    rss = _watch_tree(proc)
    wall = time.perf_counter() - started
    cpu = _children_cpu() - cpu0
    reader.join()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:4])} exited {proc.returncode}: {''.join(err)[-800:]}")
    return Measured(wall, cpu, rss)


def _children_cpu() -> float:
    """CPU seconds of every waited-for descendant so far (a crawler its CLI parent waited for too)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# -- the site, in its own process -----------------------------------------------------------


@dataclass(frozen=True)
class Site:
    sources: list[dict[str, Any]]
    sources_file: Path


@contextmanager
def serve(n: int | None, workdir: Path, settings: dict[str, Any] | None = None) -> Iterator[Site]:
    """``python -m demosite --generated n`` (the demo storyline when ``n`` is None) until the
    block ends; the sources file carries ``settings`` (default: this benchmark's fast ones)."""
    plain = workdir / "site-sources.yaml"
    cmd = [sys.executable, "-m", "demosite", "--sources", str(plain)]
    if n:
        cmd += ["--generated", str(n)]
    log = (workdir / "site.log").open("w+", encoding="utf-8")
    proc = subprocess.Popen(
        cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=log, text=True, env=child_env()
    )
    try:
        for line in proc.stdout:
            if line.startswith("serving"):
                break
        else:
            log.seek(0)
            raise RuntimeError(f"demo site did not start: {log.read()[-800:]}")
        sources = yaml.safe_load(plain.read_text(encoding="utf-8"))["sources"]
        sources_file = workdir / "sources.yaml"
        sources_file.write_text(
            yaml.safe_dump(
                {
                    "sources": sources,
                    "settings": TABLEWATCH_SETTINGS if settings is None else settings,
                },
                sort_keys=False,
            ),
            encoding="utf-8",
        )
        yield Site(sources, sources_file)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        log.close()


def article_urls(sources: list[dict[str, Any]]) -> list[str]:
    """Every URL the sitemaps list (what the bare spider fetches), in sitemap order."""
    seen: dict[str, None] = {}

    def walk(url: str) -> None:
        parts = urlsplit(url)
        conn = http.client.HTTPConnection(parts.netloc, timeout=60)
        try:
            conn.request("GET", parts.path)
            root = ET.fromstring(conn.getresponse().read())
        finally:
            conn.close()
        locs = [loc.text for loc in root.iter(f"{_SM}loc") if loc.text]
        if root.tag == f"{_SM}sitemapindex":
            for loc in locs:
                walk(loc)
        else:
            seen.update(dict.fromkeys(locs))

    for src in sources:
        for sitemap in src["sitemaps"]:
            walk(sitemap)
    return list(seen)


def server_alone(urls: list[str], threads: int = SERVER_THREADS) -> float:
    """Seconds for ``threads`` keep-alive connections to fetch ``urls`` (gzip, as Scrapy asks)."""
    local = threading.local()
    headers = {"Accept-Encoding": "gzip, deflate"}

    def fetch(url: str) -> None:
        parts = urlsplit(url)
        conns = local.__dict__.setdefault("conns", {})
        conn = conns.get(parts.netloc) or conns.setdefault(
            parts.netloc, http.client.HTTPConnection(parts.netloc, timeout=60)
        )
        conn.request("GET", parts.path, headers=headers)
        resp = conn.getresponse()
        resp.read()
        if resp.status != 200:
            raise RuntimeError(f"{url}: HTTP {resp.status}")

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(fetch, urls))
    return time.perf_counter() - started


# -- the two crawlers -----------------------------------------------------------------------


def bare(site: Site, workdir: Path) -> dict[str, Any]:
    """Scrapy's SitemapSpider fetching every page and keeping nothing."""
    out = workdir / "bare.json"
    cmd = [
        sys.executable, "-m", "benchmarks.bare_spider",
        "--out", str(out), "--settings-json", json.dumps(FAST),
        *[s for src in site.sources for s in src["sitemaps"]],
    ]  # fmt: skip
    m = measure(cmd)
    got = json.loads(out.read_text())
    return {**got, "wall_s": m.wall_s, "cpu_s": m.cpu_s, "rss": m.peak_rss_mib}


def tablewatch(site: Site, db: Path, day: str) -> dict[str, Any]:
    """The full `tablewatch crawl` through the CLI, as a user runs it."""
    cmd = [
        sys.executable, "-m", "tablewatch.cli", "crawl",
        "--db", str(db), "--date", day, "--sources", str(site.sources_file),
    ]  # fmt: skip
    m = measure(cmd)
    stats = json.loads((db.parent / "runs" / day / "crawl_stats.json").read_text())
    counts, scrapy = stats["counts"], stats["scrapy"]
    return {
        "pages": counts["fetched"],
        "requests": counts["requests"],
        "crawl_s": float(scrapy.get("elapsed_time_seconds", counts["elapsed_s"])),
        "wall_s": m.wall_s,
        "cpu_s": m.cpu_s,
        "rss": m.peak_rss_mib,
        "counts": counts,
        "not_modified": int(scrapy.get("downloader/response_status_count/304", 0)),
    }


def incremental_second_run(n: int, site: Site, db: Path, first: dict[str, Any]) -> dict[str, Any]:
    """Load the first run (no sentences: only the crawl state matters here) and crawl again."""
    from kernel.paths import RunFolder
    from kernel.records import AnnotateStats
    from tablewatch.pipeline import load_stage

    run = RunFolder(db.parent / "runs" / DAY1)
    run.sentences.touch()
    AnnotateStats(day=DAY1, nlp_version="bench", documents=0, sentences=0).write(run.annotate_stats)
    load_stage(db, DAY1)
    second = tablewatch(site, db, DAY2)
    return {"n": n, "first": first, "second": second}


def _predict(row: dict[str, Any], n: int) -> float:
    """Seconds size ``n`` should take, from a measured smaller size: crawl time scales with the
    pages, start-up does not."""
    k = n / row["n"]
    crawlers = sum(r["wall_s"] + r["crawl_s"] * (k - 1) for r in (row["bare"], row["tw"]))
    return row["server"]["wall_s"] * k + crawlers


def scaling(
    sizes: tuple[int, ...], incremental_size: int | None, budget_s: float = BUDGET_S
) -> tuple[list[dict], dict | None]:
    """Server alone, bare spider and tablewatch crawl at each size; the incremental rerun at one.

    A size predicted to overrun ``budget_s`` (from the previous size) is skipped and listed as such,
    so a busy machine gives a shorter table rather than no table.
    """
    warm_bytecode()
    started = time.perf_counter()
    rows: list[dict] = []
    inc: dict | None = None
    for n in sizes:
        if rows:
            predicted = _predict(rows[-1], n)
            if time.perf_counter() - started + predicted > budget_s:
                rows.append({"n": n, "skipped": predicted, "budget": budget_s})
                continue
        with (
            tempfile.TemporaryDirectory(prefix=f"tw-crawl-{n}-") as tmp,
            serve(n, Path(tmp)) as site,
        ):
            work = Path(tmp)
            urls = article_urls(site.sources)
            server = {"pages": len(urls), "wall_s": server_alone(urls)}
            b = bare(site, work)
            t = tablewatch(site, work / "tw.duckdb", DAY1)
            rows.append({"n": n, "server": server, "bare": b, "tw": t})
            print(f"crawl {n}: server {server} bare {b} tw {t}", file=sys.stderr, flush=True)
            if n == incremental_size:
                inc = incremental_second_run(n, site, work / "tw.duckdb", t)
    return rows, inc


# -- the Markdown section -------------------------------------------------------------------


def _rate(pages: int, seconds: float | None) -> float | None:
    return pages / seconds if seconds else None


def _fmt(value: float | None, spec: str) -> str:
    return "" if value is None else format(value, spec)


def _ratio(value: float | None, base: float | None) -> str:
    return f"{value / base:.2f}x" if value and base else ""


def _client_row(n: int, who: str, r: dict[str, Any], base: dict[str, Any]) -> str:
    cells = [f"{n:,}", who, f"{r['pages']:,}"]
    for key in ("wall_s", "crawl_s", "cpu_s"):
        rate, base_rate = _rate(r["pages"], r.get(key)), _rate(base["pages"], base.get(key))
        cells += [_fmt(r.get(key), ".1f"), _fmt(rate, ".0f"), _ratio(rate, base_rate)]
    cells.append(_fmt(r.get("rss"), ".0f"))
    return "| " + " | ".join(cells) + " |"


def render(rows: list[dict], inc: dict | None) -> str:
    lines = [
        "### Crawl scaling (generated demo site on 127.0.0.1, politeness delays off)",
        "",
        "Every rate is pages per second; `vs bare` compares with the bare Scrapy spider of the same "
        "size (target for `tablewatch crawl`: >= 0.50x). Wall = process start to exit; crawl = "
        "Scrapy's engine time (no start-up); CPU = user+system seconds of the process tree, the "
        "figure least moved by other work on a shared machine. Peak RSS: process tree (MiB).",
        "",
        "| articles | client | pages | wall s | /s | vs bare | crawl s | /s | vs bare "
        "| CPU s | /CPU-s | vs bare | peak RSS |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        if "skipped" in r:
            lines.append(
                f"| {r['n']:,} | not run: estimated {r['skipped']:.0f} s would overrun the "
                f"benchmark's {r['budget']:.0f} s budget on this machine |" + " |" * 11
            )
            continue
        n, b = r["n"], r["bare"]
        lines.append(_client_row(n, f"server alone ({SERVER_THREADS} threads)", r["server"], b))
        lines.append(_client_row(n, "bare Scrapy spider", b, b))
        lines.append(_client_row(n, "tablewatch crawl", r["tw"], b))
    if inc:
        lines += ["", *_incremental_lines(inc)]
    else:
        lines += ["", "### Incremental crawl", "", "not run: its size was skipped (budget)."]
    return "\n".join(lines)


def _incremental_lines(inc: dict[str, Any]) -> list[str]:
    first, second = inc["first"], inc["second"]

    def row(name: str, r: dict[str, Any]) -> str:
        c = r["counts"]
        return (
            f"| {name} | {r['wall_s']:.1f} | {r['crawl_s']:.2f} | {r['cpu_s']:.1f} | "
            f"{r['requests']:,} | {c['listings']} ({r['not_modified']} not modified) | "
            f"{c['fetched']:,} | {c['already_stored']:,} |"
        )

    def share(key: str) -> str:
        return f"{second[key] / first[key]:.1%}" if first[key] else ""

    return [
        f"### Incremental crawl ({inc['n']:,} unchanged articles, first run loaded into the warehouse)",
        "",
        "Target: the second run under 5% of the first run's time, requesting only listings.",
        "",
        "| run | wall s | crawl s | CPU s | requests | feeds + sitemaps | article pages fetched "
        "| links already stored |",
        "| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: |",
        row("first", first),
        row("second", second),
        f"| second / first | {share('wall_s')} | {share('crawl_s')} | {share('cpu_s')} "
        f"| {share('requests')} | | | |",
        "",
        "Requests also count robots.txt and the section pages listed as start URLs (3 each). "
        "The wall time of a run that fetches nothing is the start-up of the CLI and crawler processes.",
    ]


def run(
    quick: bool = False, sizes: tuple[int, ...] | None = None, budget_s: float = BUDGET_S
) -> str:
    """``sizes`` overrides the defaults (the incremental rerun happens at the largest one)."""
    if sizes is None:
        sizes = QUICK_SIZES if quick else SIZES
        inc_size = QUICK_INCREMENTAL_SIZE if quick else INCREMENTAL_SIZE
    else:
        inc_size = max(sizes)
    rows, inc = scaling(sizes, inc_size, budget_s)
    return render(rows, inc)


def _cli() -> str:
    opts = parse_size_options(
        "python -m benchmarks.crawl", __doc__, "articles", QUICK_SIZES, BUDGET_S
    )
    return run(*opts)


if __name__ == "__main__":
    print(_cli())
