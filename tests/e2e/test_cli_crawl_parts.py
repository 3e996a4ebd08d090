"""`tablewatch crawl --source NAME` for every outlet, then `tablewatch crawl --merge`, gives the
day that `tablewatch crawl` gives: the real CLI in child processes against the demo site on a day
when one outlet republishes another's wire story (a syndicated copy across outlets)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from tests.support.cli import tw

DAY = "2026-05-03"


def _decisions(run_dir: Path) -> dict[str, tuple]:
    out = {}
    for line in (run_dir / "articles.jsonl").read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        out[r["article_id"]] = (
            r["url"], r["source"], r["status"], r["reason"], r["duplicate_of"],
            tuple(r["negotiations"]), r["body_hash"],
        )  # fmt: skip
    return out


def test_crawl_per_source_then_merge_equals_one_crawl(tmp_path: Path) -> None:
    from demosite import DemoSite

    with DemoSite(as_of=dt.date.fromisoformat(DAY)) as site:
        sources = site.write_sources(tmp_path / "sources.yaml")
        names = [o.name for o in site.outlets]
        whole_db, parted_db = tmp_path / "whole" / "tw.duckdb", tmp_path / "parted" / "tw.duckdb"
        common = ("--date", DAY, "--sources", str(sources))
        whole = json.loads(tw("crawl", "--db", str(whole_db), *common).stdout)
        for name in names:
            part = json.loads(tw("crawl", "--db", str(parted_db), *common, "--source", name).stdout)
            assert part["source"] == name and part["run_dir"].endswith(f"/parts/{name}")
        merged = json.loads(tw("crawl", "--db", str(parted_db), *common, "--merge").stdout)

    runs = f"runs/{DAY}"
    a, b = _decisions(whole_db.parent / runs), _decisions(parted_db.parent / runs)
    assert a == b
    assert merged["relevant"] == whole["relevant"] and merged["duplicate"] == whole["duplicate"]
    by_id = {aid: d for aid, d in b.items()}
    cross = [d for d in b.values() if d[2] == "duplicate" and by_id[d[4]][1] != d[1]]
    assert cross, "the demo day's syndicated copy across outlets was not found"
    assert merged["cross_outlet_duplicates"] >= 1
    assert merged["failed_sources"] == ""

    both = tw(
        "crawl", "--db", str(parted_db), *common, "--merge", "--source", names[0], check=False
    )
    assert both.returncode == 1 and "without --source" in both.stderr
