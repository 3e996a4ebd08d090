"""
### tablewatch_daily: crawl, annotate and load one day of negotiation news

Runs the `tablewatch.pipeline` stages for the run's day: the UTC date of the logical date, which
for this DAG's `CronTriggerTimetable("@daily", timezone="UTC")` is the day the run is triggered
(the run of 2026-11-25T00:00Z is day 2026-11-25, whatever `create_cron_data_intervals` says):

1. **prepare**, **outlets**: resolves the DB and sources paths (param, else Variable `tablewatch_db` /
   `tablewatch_sources`, else env `TABLEWATCH_DB` / `TABLEWATCH_SOURCES`, else the repo defaults)
   and checks the sources file before anything is fetched.
2. **crawl**: mapped over the sources of the day, one task instance per outlet (named by it),
   each crawling that outlet (Scrapy in a child process) into `runs/<day>/parts/<source>/` and its
   own WARC file. Each instance retries on its own; one outlet that still fails is a red instance
   and a line in the failure log, and does not stop the others.
3. **merge_crawl** (`trigger_rule="all_done_min_one_success"`: it runs once every outlet is done,
   failed ones included): dedupes across outlets (syndicated copies, the crawl's own rules) into
   `runs/<day>/articles.jsonl`, naming the failed outlets in `crawl_stats.json`, so they show in
   `crawl_runs.failed_sources` and the morning brief. It fails only when every outlet failed.
4. **plan_annotate**: cuts the day's relevant articles into shards (`tablewatch/stages.yaml`,
   `annotate.shard_articles`; param `shard_articles` overrides it); a small day is one shard.
5. **annotate**: mapped over the shards, spaCy labels into `runs/<day>/shards/`.
6. **merge_annotate**: the shards' sentences in article order into `runs/<day>/sentences.jsonl`,
   the same file one annotate of the whole day writes.
7. **load**: one transaction into the warehouse, in pool `tablewatch_duckdb_writer` (1 slot, DuckDB
   has a single writer); publishes the asset `tablewatch://warehouse`, which starts
   `tablewatch_alerts`.

Every stage is idempotent for its day, so retries, reruns and backfills
(`airflow backfill create --dag-id tablewatch_daily --from-date ... --to-date ...`) never add
duplicate rows. XCom carries paths and counts only.

Operators create the pool once:
`airflow pools set tablewatch_duckdb_writer 1 "single DuckDB writer"`.
A failed task appends a line to `<db stem>.failures.jsonl` next to the DB and calls
`alerts.notify_failure`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pendulum
from airflow.sdk import (
    CronTriggerTimetable,
    Param,
    TriggerRule,
    dag,
    get_current_context,
    task,
)
from tablewatch_dag_common import (
    WAREHOUSE,
    WRITER_POOL,
    db_param,
    default_args,
    resolve_db,
    resolve_sources,
    run_day,
    small,
    sources_param,
)


@dag(
    schedule=CronTriggerTimetable("@daily", timezone="UTC"),
    start_date=pendulum.datetime(2023, 1, 1, tz="UTC"),
    # Feeds list today's articles whatever the logical date, so replaying months of runs on
    # deployment would crawl the same pages again and again; backfills are explicit instead.
    catchup=False,
    max_active_runs=1,  # a day's crawl skips what earlier days loaded: keep days in order
    default_args=default_args(),
    params={
        "db": db_param(),
        "sources": sources_param(),
        "n_process": Param(1, type="integer", minimum=1, title="spaCy worker processes"),
        "shard_articles": Param(
            None,
            type=["null", "integer"],
            minimum=1,
            title="Articles per annotate shard",
            description="Empty: annotate.shard_articles of tablewatch/stages.yaml.",
        ),
    },
    doc_md=__doc__,
    tags=["tablewatch", "crawl", "nlp", "warehouse"],
)
def tablewatch_daily() -> None:
    @task
    def prepare() -> dict[str, Any]:
        """Resolve paths once so every later task (and its retries) works on the same files."""
        from tablewatch.pipeline import source_names

        context = get_current_context()
        params = context["params"]
        sources = resolve_sources(params)
        names = source_names(sources)
        return {
            "db": resolve_db(params),
            "sources": sources,
            "day": run_day(context),
            "source_names": names,
        }

    @task
    def outlets(cfg: dict[str, Any]) -> list[str]:
        """The day's sources, in sources-file order: what ``crawl`` maps over (Airflow maps
        only over a task's whole return value)."""
        return list(cfg["source_names"])

    @task(execution_timeout=dt.timedelta(hours=3), map_index_template="{{ source }}")
    def crawl(cfg: dict[str, Any], source: str) -> dict[str, Any]:
        """One outlet into its part of the day's run folder; raises (and is retried) when the
        outlet answered nothing."""
        from tablewatch.pipeline import crawl_stage

        get_current_context()["source"] = source  # the instance's name in the UI and the logs
        return small(crawl_stage(cfg["db"], cfg["day"], sources=cfg["sources"], source=source))

    @task(trigger_rule=TriggerRule.ALL_DONE_MIN_ONE_SUCCESS)
    def merge_crawl(cfg: dict[str, Any]) -> dict[str, Any]:
        """Every outlet's part, failed ones named, into one day (the parts are read from disk,
        so a failed instance's missing XCom does not matter)."""
        from tablewatch.pipeline import crawl_merge_stage

        return small(crawl_merge_stage(cfg["db"], cfg["day"], sources=cfg["sources"]))

    @task
    def plan_annotate(cfg: dict[str, Any], merged: dict[str, Any]) -> list[dict[str, int]]:
        """``merged`` (the merge's counts) only orders the tasks: the data is in the run folder."""
        from tablewatch.pipeline import annotate_plan_stage

        size = get_current_context()["params"].get("shard_articles")
        return annotate_plan_stage(cfg["db"], cfg["day"], max_articles=size)

    @task(execution_timeout=dt.timedelta(hours=3), map_index_template="{{ shard_name }}")
    def annotate(cfg: dict[str, Any], shard: dict[str, int]) -> dict[str, Any]:
        from tablewatch.pipeline import annotate_shard_stage

        context = get_current_context()
        context["shard_name"] = f"{shard['index'] + 1}/{shard['of']}"  # type: ignore[typeddict-unknown-key]
        n_process = int(context["params"].get("n_process") or 1)
        return small(annotate_shard_stage(cfg["db"], cfg["day"], shard, n_process=n_process))

    @task
    def merge_annotate(cfg: dict[str, Any], shards: list[dict[str, int]]) -> dict[str, Any]:
        """Runs once every shard succeeded (the default trigger rule: a failed shard stops the
        day before the load, which must never load part of a day's sentences)."""
        from tablewatch.pipeline import annotate_merge_stage

        return small(annotate_merge_stage(cfg["db"], cfg["day"], shards=len(shards)))

    @task(pool=WRITER_POOL, outlets=[WAREHOUSE])
    def load(cfg: dict[str, Any], annotated: dict[str, Any]) -> dict[str, Any]:
        """The asset event names the DB and day, so the alerts DAG evaluates exactly this load."""
        from tablewatch.pipeline import load_stage

        summary = small(load_stage(cfg["db"], cfg["day"]))
        get_current_context()["outlet_events"][WAREHOUSE].extra = {
            "db": cfg["db"],
            "day": cfg["day"],
        }
        return summary

    cfg = prepare()
    crawled = crawl.partial(cfg=cfg).expand(source=outlets(cfg))
    merged = merge_crawl(cfg)
    crawled >> merged
    shards = plan_annotate(cfg, merged)
    annotated = annotate.partial(cfg=cfg).expand(shard=shards)
    merged_sentences = merge_annotate(cfg, shards)
    annotated >> merged_sentences
    load(cfg, merged_sentences)


tablewatch_daily()
