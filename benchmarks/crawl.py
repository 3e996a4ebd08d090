"""Crawl scaling: how `tablewatch crawl` grows with the size of a site, against a bare Scrapy spider.

A generated demo site (the demo outlets' templates, N generated articles) is served on 127.0.0.1.
For each size both crawlers fetch every article found through the sitemaps, in child processes,
with politeness delays off on both sides (on a local site the delays would measure only
themselves). We record wall time, pages/s and the peak RSS of the crawler's process tree.
The bare spider bounds what Scrapy itself costs; the ratio is what Tablewatch's extraction, dedupe,
relevance gate and archive add.

The incremental part crawls the same unchanged site a second time, with the first run loaded into
the warehouse: only feeds and sitemaps should be requested.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
FAST = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "LOG_LEVEL": "WARNING",
}
SIZES = (1000, 5000, 20000)
QUICK_SIZES = (1000,)


def _peak_rss(proc: subprocess.Popen) -> tuple[int, float]:
    """Wait for ``proc``; return (exit code, peak RSS in MiB of it and its children)."""
    peak = 0
    parent = psutil.Process(proc.pid)
    while proc.poll() is None:
        try:
            tree = [parent, *parent.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.1)
    return proc.returncode, peak / 2**20


def _run(cmd: list[str], cwd: Path) -> tuple[float, float]:
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    err: list[str] = []
    reader = threading.Thread(target=lambda: err.append(proc.stderr.read()), daemon=True)
    reader.start()
    code, rss = _peak_rss(proc)
    reader.join()
    if code != 0:
        raise RuntimeError(f"{cmd[:4]} exited {code}: {''.join(err)[-800:]}")
    return time.perf_counter() - started, rss


def bare(sources: list[dict], workdir: Path) -> tuple[float, float, int]:
    """Scrapy's SitemapSpider fetching every page and keeping nothing."""
    out = workdir / "bare-count.txt"
    cmd = [
        sys.executable, "-m", "benchmarks.bare_spider",
        "--out", str(out), "--settings-json", json.dumps(FAST),
        *[s for src in sources for s in src["sitemaps"]],
    ]  # fmt: skip
    wall, rss = _run(cmd, REPO)
    return wall, rss, int(out.read_text())


def tablewatch(sources_file: Path, db: Path, day: str) -> tuple[float, float, dict]:
    """The full `tablewatch crawl` (extraction, dedupe, relevance, archive, run files)."""
    cmd = [
        sys.executable, "-m", "tablewatch.cli", "crawl",
        "--db", str(db), "--date", day, "--sources", str(sources_file),
    ]  # fmt: skip
    wall, rss = _run(cmd, REPO)
    stats = json.loads((db.parent / "runs" / day / "crawl_stats.json").read_text())
    return wall, rss, stats["counts"]


def _write_sources(site, path: Path) -> Path:
    import yaml

    path.write_text(yaml.safe_dump({"sources": site.sources(), "settings": FAST}, sort_keys=False))
    return path


def scaling(sizes: tuple[int, ...]) -> list[dict]:
    from tablewatch.demosite import DemoSite

    rows = []
    for n in sizes:
        with (
            tempfile.TemporaryDirectory(prefix=f"tw-crawl-{n}-") as tmp,
            DemoSite(generated=n) as site,
        ):
            work = Path(tmp)
            sources_file = _write_sources(site, work / "sources.yaml")
            b_wall, b_rss, b_pages = bare(site.sources(), work)
            t_wall, t_rss, counts = tablewatch(sources_file, work / "tw.duckdb", "2026-01-01")
            t_pages = counts["fetched"]
            rows.append(
                {
                    "n": n,
                    "bare_pages": b_pages, "bare_s": b_wall, "bare_pps": b_pages / b_wall, "bare_rss": b_rss,
                    "tw_pages": t_pages, "tw_s": t_wall, "tw_pps": t_pages / t_wall, "tw_rss": t_rss,
                }
            )  # fmt: skip
            print(rows[-1], file=sys.stderr, flush=True)
    return rows


def incremental(n: int) -> dict:
    """First run, load, second run over the unchanged site: time and requests of each."""
    from tablewatch.demosite import DemoSite
    from tablewatch.pipeline import load_stage

    with tempfile.TemporaryDirectory(prefix="tw-incr-") as tmp, DemoSite(generated=n) as site:
        work = Path(tmp)
        db = work / "tw.duckdb"
        sources_file = _write_sources(site, work / "sources.yaml")
        first_s, _, first = tablewatch(sources_file, db, "2026-01-01")
        (db.parent / "runs" / "2026-01-01" / "sentences.jsonl").touch()
        load_stage(db, "2026-01-01")
        second_s, _, second = tablewatch(sources_file, db, "2026-01-02")
    return {
        "n": n, "first_s": first_s, "first_req": first["requests"], "first_pages": first["fetched"],
        "second_s": second_s, "second_req": second["requests"], "second_pages": second["fetched"],
    }  # fmt: skip


def run(quick: bool = False) -> str:
    sizes = QUICK_SIZES if quick else SIZES
    rows = scaling(sizes)
    inc = incremental(1000 if quick else 5000)
    lines = [
        "### Crawl scaling (generated demo site on 127.0.0.1, politeness delays off on both sides)",
        "",
        "| articles | bare Scrapy: pages | s | pages/s | peak RSS MiB | tablewatch crawl: pages | s | pages/s | peak RSS MiB | pages/s ratio (target >= 0.5) |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        lines.append(
            f"| {r['n']:,} | {r['bare_pages']:,} | {r['bare_s']:.1f} | {r['bare_pps']:.0f} | {r['bare_rss']:.0f} "
            f"| {r['tw_pages']:,} | {r['tw_s']:.1f} | {r['tw_pps']:.0f} | {r['tw_rss']:.0f} "
            f"| {r['tw_pps'] / r['bare_pps']:.2f}x |"
        )
    lines += [
        "",
        f"### Incremental crawl ({inc['n']:,} unchanged articles, first run loaded into the warehouse)",
        "",
        "| run | wall s | requests | article pages fetched |",
        "| --- | ---: | ---: | ---: |",
        f"| first | {inc['first_s']:.1f} | {inc['first_req']:,} | {inc['first_pages']:,} |",
        f"| second | {inc['second_s']:.1f} | {inc['second_req']:,} | {inc['second_pages']:,} |",
        f"| second / first | {inc['second_s'] / inc['first_s']:.1%} | {inc['second_req'] / max(inc['first_req'], 1):.1%} | |",
        "",
        "Wall times include the child processes' start-up (Python, Scrapy, extraction libraries).",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv))
