"""`tablewatch demo`: the whole pipeline over the embedded demo site, with a summary people can read.

The demo site serves an original storyline (three negotiations, three outlets, several months).
One crawl takes it all in; the alert detector then evaluates every day of the storyline as the
daily runs would have seen it (a backfill), so the alerts land on the days the story turns.
"""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from kernel.paths import layout
from tablewatch import pipeline

log = logging.getLogger("tablewatch")


def _reset(db: Path) -> None:
    """Remove what a previous demo left, and only that: the db, its snapshot and its folders."""
    lay = layout(db)
    for f in (lay.db, lay.snapshot, lay.db.with_name(lay.db.name + ".wal")):
        f.unlink(missing_ok=True)
    for d in (lay.root / "runs", lay.raw_dir, lay.reports_dir):
        shutil.rmtree(d, ignore_errors=True)


def _story_days(db: Path) -> list[str]:
    """First and last day of the storyline's coverage (empty when nothing was loaded)."""
    from warehouse.db import connect_read

    with connect_read(db) as con:
        lo, hi = con.execute(
            "select min(published), max(published) from v_sentences where negotiation is not null"
        ).fetchone()
    return [] if lo is None else [lo.isoformat(), hi.isoformat()]


def run_demo(db: str | Path, fresh: bool = True, console: Console | None = None) -> dict[str, Any]:
    """Serve the demo site, crawl -> annotate -> load -> alerts -> report, print the summary."""
    from demosite import DemoSite

    console = console or Console()
    db = Path(db)
    db.parent.mkdir(parents=True, exist_ok=True)
    if fresh:
        _reset(db)
    started = time.perf_counter()
    today = pipeline.parse_day(None)
    timings: dict[str, float] = {}
    with DemoSite() as site:
        sources = site.write_sources(db.parent / "demo-sources.yaml")
        console.print(f"demo site: {', '.join(site.base_urls)}")
        t = time.perf_counter()
        crawl = pipeline.crawl_stage(db, today, sources=sources)
        timings["crawl"] = time.perf_counter() - t
    t = time.perf_counter()
    annotate = pipeline.annotate_stage(db, today)
    timings["annotate"] = time.perf_counter() - t
    t = time.perf_counter()
    load = pipeline.load_stage(db, today)
    timings["load"] = time.perf_counter() - t
    t = time.perf_counter()
    days = _story_days(db)
    raised = (
        pipeline.alerts_stage(db, days[-1], since=days[0], deliver=False)["alerts"] if days else 0
    )
    timings["alerts"] = time.perf_counter() - t
    t = time.perf_counter()
    # the morning brief of the storyline's last day; never sent (an invented story)
    brief = pipeline.brief_stage(db, days[-1], fmt="html", deliver=False)["path"] if days else None
    timings["brief"] = time.perf_counter() - t
    t = time.perf_counter()
    report = pipeline.report_stage(db, today)
    timings["report"] = time.perf_counter() - t
    total = time.perf_counter() - started
    summary = {
        "crawl": crawl,
        "annotate": annotate,
        "load": load,
        "alerts_raised": raised,
        "report": report["report"],
        "brief": brief,
        "timings_s": {k: round(v, 2) for k, v in timings.items()},
        "total_s": round(total, 2),
    }
    print_summary(db, summary, console)
    return summary


def _table(title: str, columns: list[str], rows: list[tuple]) -> Table:
    table = Table(title=title, title_justify="left")
    for c in columns:
        table.add_column(c)
    for r in rows:
        table.add_row(
            *("" if v is None else f"{v:.2f}" if isinstance(v, float) else str(v) for v in r)
        )
    return table


def print_summary(db: Path, summary: dict[str, Any], console: Console) -> None:
    """What people want to see after a run: what came in, what it says, and what turned."""
    from warehouse.db import connect_read

    with connect_read(db) as con:
        statuses = con.execute(
            "select status, count(*) from articles group by 1 order by 2 desc"
        ).fetchall()
        n_sent = con.execute("select count(*) from v_sentences").fetchone()[0]
        signals = con.execute(
            """
            select negotiation, strftime(week, '%Y-%m-%d') as week,
                   sum(sentences) filter (where signal = 'progress') as progress,
                   sum(sentences) filter (where signal = 'gap') as gap,
                   sum(sentences) filter (where signal = 'agreement') as agreement,
                   sum(sentences) filter (where signal = 'breakdown') as breakdown,
                   sum(sentences) filter (where signal = 'strike_action') as strike_action,
                   sum(sentences) filter (where signal = 'scheduling') as scheduling
            from v_signal_weekly
            group by all
            order by negotiation, week
            """
        ).fetchall()
        tone = con.execute(
            """
            select negotiation, strftime(week, '%Y-%m-%d') as week, sentences,
                   mean_tone_score, rolling_mean_4w
            from v_tone_weekly order by negotiation, week
            """
        ).fetchall()
        alerts = con.execute(
            """
            select strftime(detected_on, '%Y-%m-%d'), negotiation, kind, direction, statistic
            from v_alerts order by detected_on, negotiation
            """
        ).fetchall()
    console.print(_table("Articles by status", ["status", "articles"], statuses))
    console.print(f"Sentences in the warehouse: {n_sent}")
    console.print(
        _table(
            "Signals per week per negotiation",
            [
                "negotiation",
                "week",
                "progress",
                "gap",
                "agreement",
                "breakdown",
                "strike",
                "sched.",
            ],
            signals,
        )
    )
    console.print(
        _table(
            "Tone trend (weekly mean tone_score, rolling 4-week mean)",
            ["negotiation", "week", "sentences", "mean", "rolling 4w"],
            tone,
        )
    )
    console.print(
        _table("Alerts raised", ["day", "negotiation", "kind", "direction", "statistic"], alerts)
    )
    t = summary["timings_s"]
    console.print(
        "Stage times: "
        + ", ".join(f"{k} {v:.1f}s" for k, v in t.items())
        + f"; total {summary['total_s']:.1f}s"
    )
    console.print(f"Warehouse: {db}")
    console.print(f"Report: {summary['report']}")
    if summary.get("brief"):
        console.print(f"Morning brief: {summary['brief']}")
