"""Annotate in shards (what the daily DAG maps over): the merged shards are the bytes one annotate
of the day writes, and a merge that would load part of a day is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kernel.errors import TablewatchError
from kernel.records import AnnotateStats

DAY = "2026-05-04"
BODIES = [
    "SAG-AFTRA and the studios met again on Monday. Both sides said talks on streaming "
    "residuals made progress, and a federal mediator will join the next session on Thursday.",
    "The union's negotiators walked out of the session after the studios refused to move on "
    "artificial intelligence protections. No new date was set.",
    "Picket lines returned outside three studio lots. The union said the strike would go on "
    "until the health plan gap is closed.",
    "Not about any negotiation: a festival announced its line-up for the autumn season.",
]


def _day(root: Path) -> Path:
    run = root / "runs" / DAY
    run.mkdir(parents=True)
    with (run / "articles.jsonl").open("w", encoding="utf-8") as fh:
        for i, body in enumerate(BODIES):
            fh.write(
                json.dumps(
                    {
                        "article_id": f"{i:016x}",
                        "status": "skipped" if i == 3 else "relevant",
                        "body": body,
                        "published": "2026-05-04",
                        "url": f"http://wire.example/{i}",
                    }
                )
                + "\n"
            )
    return run


def test_shards_merged_equal_one_annotate_and_partial_merges_are_refused(tmp_path: Path):
    from tablewatch.pipeline import (
        annotate_merge_stage,
        annotate_plan_stage,
        annotate_shard_stage,
        annotate_stage,
    )

    whole_run, sharded_run = _day(tmp_path / "whole"), _day(tmp_path / "sharded")
    whole_db, sharded_db = tmp_path / "whole" / "tw.duckdb", tmp_path / "sharded" / "tw.duckdb"
    annotate_stage(whole_db, DAY)

    shards = annotate_plan_stage(sharded_db, DAY, max_articles=2)
    assert [(s["start"], s["stop"]) for s in shards] == [(0, 2), (2, 3)]  # 3 relevant articles
    annotate_shard_stage(sharded_db, DAY, shards[0])
    with pytest.raises(TablewatchError, match=r"shards of .* missing: \[1\]"):
        annotate_merge_stage(sharded_db, DAY, shards=2)
    assert not (sharded_run / "sentences.jsonl").exists()
    annotate_shard_stage(sharded_db, DAY, shards[1])
    merged = annotate_merge_stage(sharded_db, DAY, shards=2)

    assert (sharded_run / "sentences.jsonl").read_bytes() == (
        whole_run / "sentences.jsonl"
    ).read_bytes()
    assert merged["documents"] == 3 and merged["sentences"] > 3
    assert AnnotateStats.read(sharded_run / "annotate_stats.json") == AnnotateStats.read(
        whole_run / "annotate_stats.json"
    )

    stats = sharded_run / "shards" / "001.annotate_stats.json"
    other = AnnotateStats.read(stats)
    AnnotateStats(other.day, "0.0.0-other", other.documents, other.sentences).write(stats)
    with pytest.raises(TablewatchError, match="NLP versions"):
        annotate_merge_stage(sharded_db, DAY, shards=2)
    # a plan with another shard size drops the old shards: they are never merged with new ones
    annotate_plan_stage(sharded_db, DAY, max_articles=1)
    with pytest.raises(TablewatchError, match="missing"):
        annotate_merge_stage(sharded_db, DAY, shards=3)
