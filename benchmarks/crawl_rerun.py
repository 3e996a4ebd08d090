"""Same-day rerun: `tablewatch crawl` of a day, then the same day again, on an unchanged site.

The rerun answers its page requests from the day's raw archive and asks the site only for the
listings (feeds, sitemaps, section pages and the listings found among their links), so what it
saves is the network and, above all, the politeness delays: measured here both with the project's
polite settings (``crawlers/settings.py``: AutoThrottle, at least 1 s between requests to a site)
on the demo storyline, and with delays off on a generated demo site (what is left is start-up and
extraction, which a rerun still does).

Figures per run: wall seconds (process start to exit), CPU seconds of the process tree, HTTP
requests made (Scrapy's downloader count: reused pages are not requests) and article pages reused.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.crawl import FAST, measure, serve, warm_bytecode

DAY = "2026-07-31"
# (label, generated articles or None for the storyline, crawl settings)
CASES: tuple[tuple[str, int | None, dict[str, Any]], ...] = (
    ("demo storyline, polite settings", None, {"LOG_LEVEL": "WARNING"}),
    (
        "generated 1,000 articles, delays off",
        1000,
        {**FAST, "TABLEWATCH_PREFILTER_BY_WINDOW": False},
    ),
)
QUICK_CASES = CASES[1:]


def crawl_once(sources: Path, db: Path) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "tablewatch.cli", "crawl", "--db", str(db), "--date", DAY,
           "--sources", str(sources)]  # fmt: skip
    m = measure(cmd)
    run = db.parent / "runs" / DAY
    stats = json.loads((run / "crawl_stats.json").read_text())
    lines = (run / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    articles = {(r := json.loads(line))["article_id"]: r for line in lines}
    return {
        "wall_s": m.wall_s,
        "cpu_s": m.cpu_s,
        "requests": stats["counts"]["requests"],
        "fetched": stats["counts"]["fetched"],
        "reused": int(stats["scrapy"].get("tablewatch/archive_reused", 0)),
        "articles": articles,
    }


def compare(first: dict[str, dict], second: dict[str, dict]) -> str:
    """ "identical", or how many records differ and in which fields."""
    ids = set(first) | set(second)
    differ = [i for i in sorted(ids) if first.get(i) != second.get(i)]
    if not differ:
        return "identical"
    fields = sorted(
        {f for i in differ if i in first and i in second for f in first[i]
         if first[i][f] != second[i][f]}
    )  # fmt: skip
    return f"{len(differ)} of {len(ids)} records differ ({', '.join(fields) or 'ids'})"


def measure_case(generated: int | None, settings: dict[str, Any]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="tw-rerun-") as tmp:
        work = Path(tmp)
        with serve(generated, work, settings) as site:
            first = crawl_once(site.sources_file, work / "tw.duckdb")
            second = crawl_once(site.sources_file, work / "tw.duckdb")
    same = compare(first.pop("articles"), second.pop("articles"))
    return {"first": first, "second": second, "same_articles": same}


def render(rows: list[tuple[str, dict[str, Any]]]) -> str:
    lines = [
        "### Same-day rerun (crawl a day, then the same day again; site unchanged)",
        "",
        "The rerun reuses the day's archived pages and requests only the listings. Wall = process "
        "start to exit, CPU = user+system seconds of the process tree; requests = HTTP requests "
        "made; reused = article pages answered from the day's archive. Near-copies on the "
        "generated site (distinct stories built from one small pool of stock sentences) are "
        "told apart in arrival order, so two fresh crawls of it already differ in a few "
        "duplicate decisions; the rerun's pages arrive in another order.",
        "",
        "| site | run | wall s | CPU s | requests | pages handled | reused | articles file |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for label, r in rows:
        first, second = r["first"], r["second"]
        same = r["same_articles"]
        for name, x in (("first", first), ("same-day rerun", second)):
            lines.append(
                f"| {label} | {name} | {x['wall_s']:.1f} | {x['cpu_s']:.1f} | {x['requests']:,} "
                f"| {x['fetched']:,} | {x['reused']:,} | {same if name != 'first' else ''} |"
            )
        lines.append(
            f"| {label} | rerun / first | {second['wall_s'] / first['wall_s']:.1%} "
            f"| {second['cpu_s'] / first['cpu_s']:.1%} "
            f"| {second['requests'] / first['requests']:.1%} | | | |"
        )
    return "\n".join(lines)


def run(quick: bool = False) -> str:
    warm_bytecode()
    rows = []
    for label, generated, settings in QUICK_CASES if quick else CASES:
        result = measure_case(generated, settings)
        print(f"{label}: {result}", file=sys.stderr, flush=True)
        rows.append((label, result))
    return render(rows)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m benchmarks.crawl_rerun", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="only the generated site, delays off")
    print(run(parser.parse_args().quick))
