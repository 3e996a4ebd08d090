"""Warehouse at scale: how fast a day loads and the trend views answer with years of history.

A synthetic warehouse (20 negotiations over 5 years, 25 sentences per article, label mixes close to
the dev corpus) is generated set-based inside DuckDB at 0.5M, 1M and 5M sentences. Then one day of
~2,000 sentences goes through the real ``load_run`` (JSONL files, staging, replace, checkpoint,
snapshot), and every view is fully materialised on the read snapshot. Baselines from the same run:
a plain scan of ``sentences`` for the views, the same rows written straight from the tables for the
two wide views, an empty write session for the load.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.plots import PLOTS_DIR, cost_vs_size_svg
from kernel import labels
from warehouse.db import connect_read, connect_write, publish_snapshot
from warehouse.load import load_run

SIZES = (500_000, 1_000_000, 5_000_000)
#: `make bench-scale`: a decade more history than `make bench` (about 1.8 GB of warehouse at 50M)
SCALE_SIZES = (500_000, 5_000_000, 50_000_000)
#: above this size each view is materialised once, not REPEATS times (one 50M pass is minutes)
ONE_PASS_ABOVE = 5_000_000
PER_ARTICLE = 25
DAY_ARTICLES = 80  # x 25 = 2,000 sentences in the timed day
REPEATS = 5
VIEWS = (
    "v_sentences",
    "v_dates",
    "v_tone_daily",
    "v_tone_weekly",
    "v_issue_share_weekly",
    "v_signal_weekly",
    "v_progress_gap_weekly",
    "v_party_tone_weekly",
    "v_source_coverage_daily",
    "v_latest_signals",
    "sentence_milestones",
    "v_milestones",
)
BASELINE_SQL = "select count(*), sum(tone_score) from sentences"
# "DuckDB scan of the same rows": each wide view's rows and columns written straight from the tables,
# with no view in between; the view's cost over this is what the view itself adds
ANCHOR_SQL = {
    "v_sentences": (
        "select s.article_id, a.url, a.source, a.published, a.title, s.sent_index, s.sentence,"
        " s.negotiation, s.signal, s.signal_confidence, cast(s.tone as integer) as tone,"
        " s.tone_score, s.issues, s.parties, s.speaker"
        " from sentences as s join articles as a on s.article_id = a.article_id"
    ),
    "v_latest_signals": (
        "select s.negotiation, s.published, a.source, a.url, a.title, s.sent_index, s.sentence,"
        " s.signal, cast(s.tone as integer) as tone,"
        " cast(coalesce(s.evidence, '[]') as varchar) as evidence"
        " from sentences as s join articles as a on s.article_id = a.article_id"
        " where s.negotiation is not null and s.signal <> 'none'"
        " order by s.published desc, s.negotiation, a.url, s.sent_index"
    ),
}
# how the report reads v_latest_signals: one negotiation, one month, the newest dozen
REPORT_SIGNALS_SQL = (
    "select * from v_latest_signals where negotiation = 'neg3' "
    "and published between date '2025-12-01' and date '2025-12-31' "
    "order by published desc, url, sent_index limit 12"
)
# how the report card reads the issue status board: one negotiation, as of the last day
REPORT_BOARD_SQL = (
    "select issue, status, last_mentioned, progress, gap, agreement, evidence "
    "from issue_status_as_of(date '2025-12-31') where negotiation = 'neg3'"
)
# the signal mix is weighted like the dev corpus; issues and parties draw from the whole vocabulary
SIGNALS = "['none','none','none','none','progress','gap','gap','scheduling','strike_action','agreement','breakdown']"
ISSUES = "[" + ",".join(f"'{x}'" for x in labels.ISSUES) + "]"
PARTIES = "[" + ",".join(f"'{x}'" for x in labels.PARTIES) + "]"

GENERATE = f"""
insert into articles by name
select
    printf('%016x', i) as article_id,
    'https://src' || (i % 12) || '.example/a/' || i as url,
    'https://src' || (i % 12) || '.example/a/' || i as canonical_url,
    'src' || (i % 12) as source, 'relevant' as status,
    'Talks update ' || i as title, ['Staff'] as authors,
    date '2021-01-01' + cast(hash(i) % 1826 as integer) as published,
    'jsonld' as published_source, 'en' as language,
    ['neg' || (i % 20)] as negotiations, 200 as http_status,
    timestamp '2021-01-01' + to_days(cast(hash(i) % 1826 as integer)) as fetched_at,
    date '2021-01-01' + cast(hash(i) % 1826 as integer) as crawl_day
from range($articles) as t(i);

create temp table gen as
select
    printf('%016x', i // {PER_ARTICLE}) as article_id,
    cast(i % {PER_ARTICLE} as integer) as sent_index,
    case when hash(i, 1) % 10 = 0 then null else 'neg' || ((i // {PER_ARTICLE}) % 20) end as negotiation,
    {SIGNALS}[1 + cast(hash(i, 2) % 11 as integer)] as signal,
    (hash(i, 3) % 2001) / 1000.0 - 1.0 as tone_score,
    case when hash(i, 4) % 10 < 6 then [{ISSUES}[1 + cast(hash(i, 5) % {len(labels.ISSUES)} as integer)]]
         when hash(i, 4) % 10 < 7 then [{ISSUES}[1 + cast(hash(i, 5) % {len(labels.ISSUES)} as integer)],
                                        {ISSUES}[1 + cast(hash(i, 6) % {len(labels.ISSUES)} as integer)]]
         else [] end as issues,
    [{PARTIES}[1 + cast(hash(i, 7) % {len(labels.PARTIES)} as integer)]] as parties,
    -- about half the sentences report a side's words (the dev corpus: 49%)
    case when hash(i, 8) % 2 = 0
         then {PARTIES}[1 + cast(hash(i, 7) % {len(labels.PARTIES)} as integer)] end as speaker,
    date '2021-01-01' + cast(hash(i // {PER_ARTICLE}) % 1826 as integer) as published,
    'src' || ((i // {PER_ARTICLE}) % 12) as source
from range($sentences) as t(i);

insert into sentences by name
select
    article_id, sent_index, 'bench-1' as nlp_version,
    'The sides met again on ' || sent_index || ' and talked about ' || array_to_string(issues, ' and ')
        || ' with ' || array_to_string(parties, ', ') || '.' as sentence,
    sent_index * 120 as start_char, sent_index * 120 + 100 as end_char,
    negotiation, signal,
    cast(case when tone_score > 0.2 then 1 when tone_score < -0.2 then -1 else 0 end as tinyint) as tone,
    tone_score, list_distinct(issues) as issues, parties, speaker, published, source,
    case when signal = 'none' then json('[]')
         else json_array(json_object('field', 'signal', 'label', signal, 'text', 'cue', 'start', 0,
                                     'end', 3, 'rule', signal || '_cue')) end as evidence
from gen;

insert into sentence_issues by name
select article_id, sent_index, unnest(list_distinct(issues)) as issue from gen;

insert into sentence_parties by name
select article_id, sent_index, unnest(parties) as party from gen;

insert into sentence_evidence by name
select article_id, sent_index, 0 as evidence_index, 'signal' as field, signal as label,
    'cue' as text, 0 as start_char, 3 as end_char, signal || '_cue' as rule,
    json_object('field', 'signal', 'label', signal, 'text', 'cue', 'start', 0, 'end', 3,
                'rule', signal || '_cue') as item
from gen where signal <> 'none';

insert into sentence_dates by name
select article_id, sent_index, 0 as date_index, 'Monday' as text,
    strftime(date '2021-01-01' + cast(hash(article_id) % 1826 as integer), '%Y-%m-%d') as value,
    'date' as type
from gen where sent_index % 10 = 0;

insert into crawl_runs by name
select distinct crawl_day as run_day, 0 as articles, 0 as relevant, 0 as skipped, 0 as duplicate,
    0 as failed, 1 as sentences, 'bench-1' as nlp_version,
    cast(crawl_day as timestamp) as loaded_at
from articles;

drop table gen;
"""


def _median_s(
    fn: Callable[[], object], repeats: int = REPEATS, cpu: list[float] | None = None
) -> float:
    """Median wall seconds; with ``cpu``, also appends the median CPU seconds (all threads)."""
    times, cpu_times = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - start)
        cpu_times.append(time.process_time() - start_cpu)
    if cpu is not None:
        cpu.append(statistics.median(cpu_times))
    return statistics.median(times)


def _generate(db: Path, sentences: int) -> float:
    start = time.perf_counter()
    with connect_write(db) as con:
        sql = GENERATE.replace("$articles", str(sentences // PER_ARTICLE)).replace(
            "$sentences", str(sentences)
        )
        con.execute("begin transaction")
        con.execute(sql)
        con.execute("commit")
    return time.perf_counter() - start


def _write_day(root: Path, first_article: int, run_day: str = "2026-01-15") -> Path:
    """One day's run folder of the real file formats: 80 articles x 25 sentences."""
    day = root / "runs" / run_day
    day.mkdir(parents=True)
    signals = ["none", "progress", "gap", "scheduling", "strike_action"]
    with (day / "articles.jsonl").open("w") as arts, (day / "sentences.jsonl").open("w") as sents:
        for a in range(DAY_ARTICLES):
            aid = f"{first_article + a:016x}"
            text = [f"Sentence {s} of article {a} about the talks." for s in range(PER_ARTICLE)]
            body = " ".join(text)
            arts.write(
                json.dumps(
                    {
                        "article_id": aid,
                        "url": f"https://day.example/{aid}",
                        "canonical_url": f"https://day.example/{aid}",
                        "source": f"src{a % 12}",
                        "status": "relevant",
                        "title": f"Day article {a}",
                        "authors": ["Staff"],
                        "published": run_day,
                        "published_source": "jsonld",
                        "language": "en",
                        "body": body,
                        "negotiations": [f"neg{a % 20}"],
                        "http_status": 200,
                        "fetched_at": f"{run_day}T06:00:00Z",
                        "crawl_day": run_day,
                    }
                )
                + "\n"
            )
            pos = 0
            for s, sentence in enumerate(text):
                sents.write(
                    json.dumps(
                        {
                            "id": aid,
                            "sent_index": s,
                            "sentence": sentence,
                            "start": pos,
                            "end": pos + len(sentence),
                            "negotiation": f"neg{a % 20}",
                            "issues": ["wages"] if s % 3 == 0 else [],
                            "signal": signals[s % 5],
                            "tone": 0,
                            "tone_score": 0.0,
                            "parties": ["wga"],
                            "speaker": "wga" if s % 2 == 0 else None,
                            "dates": [],
                            "evidence": [
                                {
                                    "field": "signal",
                                    "label": signals[s % 5],
                                    "text": "talks",
                                    "start": 0,
                                    "end": 5,
                                    "rule": "bench",
                                }
                            ],
                        }
                    )
                    + "\n"
                )
                pos += len(sentence) + 1
    return day


def _measure(size: int, work: Path) -> dict[str, float]:
    db = work / f"bench_{size}.duckdb"
    repeats = 1 if size > ONE_PASS_ABOVE else REPEATS
    out: dict[str, float] = {"generate_s": _generate(db, size)}
    out["mb_per_million"] = db.stat().st_size / 1e6 / (size / 1e6)
    with connect_read(db) as con:
        con.execute("set threads = 2")
        cpu: list[float] = []
        out["baseline_scan"] = _median_s(
            lambda: con.execute(BASELINE_SQL).fetchall(), repeats=repeats, cpu=cpu
        )
        out["cpu:baseline_scan"] = cpu.pop()
        for view in VIEWS:
            out[view] = _median_s(
                lambda v=view: con.execute(
                    f"create or replace temp table m as select * from {v}"
                ).fetchall(),
                repeats=repeats,
                cpu=cpu,
            )
            out[f"cpu:{view}"] = cpu.pop()
        for view, sql in ANCHOR_SQL.items():
            out[f"anchor:{view}"] = _median_s(
                lambda q=sql: con.execute(f"create or replace temp table m as {q}").fetchall(),
                repeats=repeats,
                cpu=cpu,
            )
            out[f"cpu:anchor:{view}"] = cpu.pop()
        out["v_latest_signals, report query"] = _median_s(
            lambda: con.execute(REPORT_SIGNALS_SQL).fetchall(), repeats=repeats, cpu=cpu
        )
        out["cpu:v_latest_signals, report query"] = cpu.pop()
        out["issue_status_as_of, report board"] = _median_s(
            lambda: con.execute(REPORT_BOARD_SQL).fetchall(), repeats=repeats, cpu=cpu
        )
        out["cpu:issue_status_as_of, report board"] = cpu.pop()
    # the daily load: each repeat a new day of new articles; then a rerun of the last day (which
    # must find and replace that day's rows)
    days = [
        _write_day(
            work / f"day_{size}",
            first_article=10**12 + i * DAY_ARTICLES,
            run_day=f"2026-01-{15 + i}",
        )
        for i in range(3)
    ]
    pending = iter(days)
    out["load_day"] = _median_s(
        lambda: load_run(db, next(pending), nlp_version="bench-1"), repeats=3, cpu=cpu
    )
    out["cpu:load_day"] = cpu.pop()
    out["rerun_day"] = _median_s(
        lambda: load_run(db, days[-1], nlp_version="bench-1"), repeats=3, cpu=cpu
    )
    out["cpu:rerun_day"] = cpu.pop()

    def empty_session() -> None:
        with connect_write(db):
            pass

    out["empty_write_session"] = _median_s(empty_session, repeats=3, cpu=cpu)
    out["cpu:empty_write_session"] = cpu.pop()
    out["snapshot_publish"] = _median_s(lambda: publish_snapshot(db), repeats=3, cpu=cpu)
    out["cpu:snapshot_publish"] = cpu.pop()
    for path in work.glob(f"bench_{size}*"):
        path.unlink()
    return out


LOAD_ROWS = (
    ("load_day", f"load_run, one new day ({DAY_ARTICLES * PER_ARTICLE:,} sentences)"),
    ("rerun_day", "load_run, rerun of that day (replaces its rows)"),
    ("empty_write_session", "baseline: empty write session (open, migrate check, views, snapshot)"),
    ("snapshot_publish", "of which: snapshot copy alone"),
)


def run(quick: bool = False, scale: bool = False) -> str:
    sizes = SIZES[:1] if quick else (SCALE_SIZES if scale else SIZES)
    results: dict[int, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="tw-bench-wh-") as tmp:
        for size in sizes:
            results[size] = _measure(size, Path(tmp))
    head = " | ".join(f"{s / 1e6:g}M s" for s in sizes)
    ratio_head = " | ".join(f"{s / 1e6:g}M x scan" for s in sizes)
    cpu_head = " | ".join(f"{s / 1e6:g}M CPU s" for s in sizes)
    title = "### Warehouse (DuckDB): views and daily load"
    lines = [
        title + (" up to 50M sentences (`make bench-scale`)" if scale else " at scale"),
        "",
        f"Synthetic warehouse, 20 negotiations x 5 years, {PER_ARTICLE} sentences/article; median of "
        f"{REPEATS} runs (above {ONE_PASS_ABOVE / 1e6:g}M one run; load: 3). Views are fully materialised (`create temp table as select *`) on the "
        f"read snapshot; baseline = `{BASELINE_SQL}`. Targets: each trend view < 1 s at 5M, load < 2 s. "
        f"The report query is `{REPORT_SIGNALS_SQL}`; the report board `{REPORT_BOARD_SQL}`. "
        f"CPU count: {os.cpu_count()}, load average at the end: {os.getloadavg()[0]:.1f} (CPU s = all "
        "threads of this process; wall time grows with machine load, CPU time much less).",
        "",
        f"| query | {head} | {ratio_head} | {cpu_head} |",
        "| --- | " + " | ".join("---:" for _ in sizes * 3) + " |",
    ]
    report_rows = ("v_latest_signals, report query", "issue_status_as_of, report board")
    for key in ("baseline_scan", *VIEWS, *report_rows):
        vals = " | ".join(f"{results[s][key]:.3f}" for s in sizes)
        ratios = " | ".join(f"{results[s][key] / results[s]['baseline_scan']:.1f}" for s in sizes)
        cpus = " | ".join(f"{results[s]['cpu:' + key]:.3f}" for s in sizes)
        lines.append(f"| `{key}` | {vals} | {ratios} | {cpus} |")
    lines += [
        "",
        "The wide views against their anchor, the same rows and columns materialised straight from "
        "the tables (a join of `sentences` and `articles`, no view; `ANCHOR_SQL` here): "
        "view / anchor, wall and CPU.",
        "",
        "| view | "
        + " | ".join(f"{s / 1e6:g}M anchor s | {s / 1e6:g}M view / anchor (CPU)" for s in sizes)
        + " |",
        "| --- | " + " | ".join("---: | ---:" for _ in sizes) + " |",
    ]
    for view in ANCHOR_SQL:
        cells = " | ".join(
            f"{results[s]['anchor:' + view]:.3f} | "
            f"{results[s][view] / results[s]['anchor:' + view]:.2f}x "
            f"({results[s]['cpu:' + view] / results[s]['cpu:anchor:' + view]:.2f}x)"
            for s in sizes
        )
        lines.append(f"| `{view}` | {cells} |")
    lines += [
        "",
        "Write path: wall and CPU seconds, and wall as a multiple of the smallest size's (target: "
        "5M and 50M within 1.3x of 0.5M).",
        "",
        f"| load / size | {head} | {cpu_head} | "
        + " | ".join(f"{s / 1e6:g}M x {sizes[0] / 1e6:g}M" for s in sizes)
        + " |",
        "| --- | " + " | ".join("---:" for _ in sizes * 3) + " |",
    ]
    for key, label in LOAD_ROWS:
        vals = " | ".join(f"{results[s][key]:.3f}" for s in sizes)
        cpus = " | ".join(f"{results[s]['cpu:' + key]:.3f}" for s in sizes)
        ratios = " | ".join(f"{results[s][key] / results[sizes[0]][key]:.2f}" for s in sizes)
        lines.append(f"| {label} | {vals} | {cpus} | {ratios} |")
    lines.append(
        "| file size, MB per million sentences (no article bodies) | "
        + " | ".join(f"{results[s]['mb_per_million']:.0f}" for s in sizes)
        + " | "
        + " | ".join("" for _ in sizes * 2)
        + " |"
    )
    lines.append(
        "| generation time, s (set-based, inside DuckDB) | "
        + " | ".join(f"{results[s]['generate_s']:.1f}" for s in sizes)
        + " | "
        + " | ".join("" for _ in sizes * 2)
        + " |"
    )
    if len(sizes) > 1:
        lines += ["", *_plots(results, sizes, "scale" if scale else "bench")]
    return "\n".join(lines) + "\n"


def _plots(results: dict[int, dict[str, float]], sizes: tuple[int, ...], tag: str) -> list[str]:
    """Two log-log charts (write path wall s, views CPU s) and the Markdown lines linking them."""
    load = [
        {"size": s, "cost": results[s][key], "series": label.split(" (")[0]}
        for key, label in LOAD_ROWS
        for s in sizes
    ]
    views = [
        {"size": s, "cost": max(results[s][f"cpu:{key}"], 1e-3), "series": key}
        for key in ("baseline_scan", *VIEWS)
        for s in sizes
    ]
    made = [
        cost_vs_size_svg(
            load,
            title="Write path against history (wall s)",
            size_label="stored sentences",
            cost_label="seconds",
            path=PLOTS_DIR / f"warehouse_load_{tag}.svg",
        ),
        cost_vs_size_svg(
            views,
            title="Views materialised whole against history (CPU s)",
            size_label="stored sentences",
            cost_label="CPU seconds",
            path=PLOTS_DIR / f"warehouse_views_{tag}.svg",
        ),
    ]
    return [f"![{p.stem}](plots/{p.name})" for p in made]


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv, scale="--scale" in sys.argv))
