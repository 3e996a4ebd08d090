"""The daily DAG's mapped crawl and sharded annotate, with ``dag.test()`` on a local site.

Three outlets on 127.0.0.1: the demo site's ``marquee`` and ``backlot`` (which republishes a
marquee wire story that day: a syndicated copy across outlets), and ``callsheet`` pointed at a
server that answers 500 to everything. The DAG must load the two live outlets, show the failed one
in ``crawl_runs``, the failure log and the brief, and leave exactly the warehouse that the
single-task path (one crawl of every outlet, one annotate, one load) leaves for the same day. The
DAG run annotates in shards of five articles, so the same comparison checks sharded annotate
against the unsharded one.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.dags import midnight, query, run_dag, table_counts, task_states
from tests.support.site import FailingSite

DAY = dt.date(2026, 5, 3)  # its own logical date: dag.test() of a day replaces that day's run
DOWN = "callsheet"
SHARD = 5

# Everything but times and archive locations (the WARC file name carries its creation time).
COMPARED = {
    "articles": "select article_id, url, canonical_url, source, status, reason, duplicate_of,"
    " title, published, negotiations, body_hash, http_status, crawl_day from articles",
    "article_bodies": "select article_id, md5(body) from article_bodies",
    "sentences": "select article_id, sent_index, nlp_version, sentence, start_char, end_char,"
    " negotiation, signal, signal_confidence, tone, tone_score, issues, parties, speaker,"
    " evidence::varchar from sentences",
    "sentence_dates": "select * from sentence_dates",
    "sentence_issues": "select * from sentence_issues",
    "sentence_parties": "select * from sentence_parties",
    "feed_state": "select url, etag, last_modified, status from feed_state",
    "sources": "select * from sources",
    "crawl_runs": "select run_day, sources_file, articles, relevant, skipped, duplicate, failed,"
    " sentences, nlp_version, failed_sources from crawl_runs",
}


def rows(db: Path) -> dict[str, list[tuple]]:
    return {name: sorted(query(db, sql), key=repr) for name, sql in COMPARED.items()}


@dataclass
class MappedDay:
    mapped_db: Path
    single_db: Path
    run: Any
    single: dict[str, Any]
    sources: Path


@pytest.fixture(scope="module")
def failing_site() -> Iterator[FailingSite]:
    with FailingSite() as site:
        yield site


def _sources(demo_site: Any, down: FailingSite, path: Path) -> Path:
    """The demo site's outlets, ``callsheet`` moved to the failing server (same paths)."""
    entries = []
    for entry in demo_site.sources():
        if entry["name"] == DOWN:
            base = entry["feeds"][0].split("/", 3)[:3]
            old = "/".join(base)
            entry = {
                **entry,
                **{
                    k: [u.replace(old, down.base_url) for u in entry[k]]
                    for k in ("feeds", "sitemaps", "start_urls")
                },
            }
        entries.append(entry)
    settings = {"AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0, "RETRY_TIMES": 1}
    path.write_text(yaml.safe_dump({"sources": entries, "settings": settings}), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def mapped_day(airflow_db, dagbag, demo_site, failing_site, tmp_path_factory) -> MappedDay:
    from tablewatch.pipeline import annotate_stage, crawl_stage, load_stage

    root = tmp_path_factory.mktemp("dag-mapped")
    demo_site.set_as_of(DAY)
    sources = _sources(demo_site, failing_site, root / "sources.yaml")
    mapped_db = root / "mapped" / "tw.duckdb"
    conf = {"db": str(mapped_db), "sources": str(sources), "shard_articles": SHARD}
    run = run_dag(dagbag.dags["tablewatch_daily"], logical_date=midnight(DAY), run_conf=conf)
    single_db = root / "single" / "tw.duckdb"
    single = {
        "crawl": crawl_stage(single_db, DAY, sources=sources),
        "annotate": annotate_stage(single_db, DAY),
        "load": load_stage(single_db, DAY),
    }
    return MappedDay(mapped_db, single_db, run, single, sources)


def test_the_failed_outlet_fails_its_instance_only_and_the_day_loads(mapped_day: MappedDay):
    states = task_states(mapped_day.run)
    crawls = {k: v for k, v in states.items() if k.startswith("crawl[")}
    assert sorted(crawls.values()) == ["failed", "success", "success"], states
    shards = [k for k in states if k.startswith("annotate[")]
    assert len(shards) >= 2, states  # the day is larger than one shard of SHARD articles
    rest = {k: v for k, v in states.items() if k not in crawls}
    assert set(rest.values()) == {"success"}, states
    assert str(mapped_day.run.state) == "success"
    (failed,) = query(mapped_day.mapped_db, "select failed_sources from crawl_runs")
    assert failed == ([DOWN],)
    per_source = dict(
        query(mapped_day.mapped_db, "select source, count(*) from articles group by 1")
    )
    assert set(per_source) == {"marquee", "backlot"} and min(per_source.values()) > 0


def test_crawl_runs_says_why_the_outlet_failed(mapped_day: MappedDay):
    ((stats,),) = query(mapped_day.mapped_db, "select stats::varchar from crawl_runs")
    parts = {p["source"]: p for p in json.loads(stats)["parts"]}
    assert [p for p in parts] == ["callsheet", "marquee", "backlot"]  # sources order
    assert parts[DOWN]["status"] == "failed" and "http_500" in parts[DOWN]["error"]
    assert {parts[s]["status"] for s in ("marquee", "backlot")} == {"ok"}


def test_the_failure_log_names_the_failed_instance(mapped_day: MappedDay):
    log = mapped_day.mapped_db.with_name("tw.failures.jsonl")
    lines = [json.loads(x) for x in log.read_text(encoding="utf-8").splitlines()]
    crawl_failures = [r for r in lines if r["task_id"] == "crawl"]
    assert len(crawl_failures) == 1, lines
    assert crawl_failures[0]["day"] == DAY.isoformat() and crawl_failures[0]["map_index"] >= 0
    assert DOWN in crawl_failures[0]["error"] and "http_500" in crawl_failures[0]["error"]


def test_the_syndicated_copy_across_outlets_is_found(mapped_day: MappedDay):
    dups = query(
        mapped_day.mapped_db,
        "select d.source, k.source from articles d join articles k on k.article_id ="
        " d.duplicate_of where d.status = 'duplicate'",
    )
    assert ("backlot", "marquee") in dups  # same day: the outlet listed first keeps it


def test_the_mapped_day_equals_the_single_task_day(mapped_day: MappedDay):
    mapped, single = rows(mapped_day.mapped_db), rows(mapped_day.single_db)
    assert mapped["sentences"] and mapped["articles"]
    for table in COMPARED:
        assert mapped[table] == single[table], table
    # the single-task crawl names the failed outlet the same way, without failing
    assert mapped_day.single["crawl"]["relevant"] > 0


def test_sharded_annotate_writes_the_unsharded_file(mapped_day: MappedDay, tmp_path: Path):
    """The DAG's shards, merged, against one annotate of the same articles.jsonl."""
    import shutil

    from tablewatch.pipeline import annotate_stage

    day = DAY.isoformat()
    mapped = mapped_day.mapped_db.parent / "runs" / day
    assert len(list((mapped / "shards").glob("*.sentences.jsonl"))) >= 2
    copy = tmp_path / "runs" / day
    copy.mkdir(parents=True)
    shutil.copy(mapped / "articles.jsonl", copy / "articles.jsonl")
    annotate_stage(tmp_path / "tw.duckdb", DAY)
    assert (copy / "sentences.jsonl").read_bytes() == (mapped / "sentences.jsonl").read_bytes()
    assert (copy / "annotate_stats.json").read_bytes() == (
        mapped / "annotate_stats.json"
    ).read_bytes()


def test_the_brief_names_the_failed_outlet(mapped_day: MappedDay):
    from tablewatch.pipeline import brief_stage

    out = brief_stage(mapped_day.mapped_db, DAY, fmt="md", deliver=False)
    assert f"Crawl: 1 outlet failed, not in this brief: {DOWN} (" in out["text"]
    assert "http_500" in out["text"]
    single = brief_stage(mapped_day.single_db, DAY, fmt="json", deliver=False)
    assert [f["source"] for f in json.loads(single["text"])["crawl_failures"]] == [DOWN]


def test_rerunning_a_part_and_the_merge_changes_nothing(mapped_day: MappedDay):
    from tablewatch.pipeline import (
        annotate_merge_stage,
        annotate_plan_stage,
        annotate_shard_stage,
        crawl_merge_stage,
        crawl_stage,
        load_stage,
    )

    db, sources = mapped_day.mapped_db, mapped_day.sources
    before_rows, before_counts = rows(db), table_counts(db)
    articles = db.parent / "runs" / DAY.isoformat() / "articles.jsonl"
    merged_once = articles.read_bytes()
    again = crawl_merge_stage(db, DAY, sources=sources)
    assert again["articles_changed"] is False and articles.read_bytes() == merged_once
    crawl_stage(db, DAY, sources=sources, source="marquee")
    crawl_merge_stage(db, DAY, sources=sources)
    shards = annotate_plan_stage(db, DAY, max_articles=SHARD)
    for shard in shards:
        annotate_shard_stage(db, DAY, shard)
    annotate_merge_stage(db, DAY, shards=len(shards))
    load_stage(db, DAY)
    assert rows(db) == before_rows
    assert table_counts(db) == before_counts
