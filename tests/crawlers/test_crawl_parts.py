"""One-outlet crawls (parts) and their merge: the same day as one crawl of every outlet.

Two live outlets on one local server, ``daily`` listed first and ``wire`` second: ``daily``
republishes, a day later, a story ``wire`` published with a rewritten headline and lede (the
syndicated copy only passage fingerprints find). A third outlet, ``down``, answers 500 to
everything. Each outlet is crawled into its part, the parts are merged, and the result is compared
with one crawl of all three.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from crawlers.merge import merge_parts
from crawlers.run import crawl
from kernel.errors import TablewatchError
from kernel.paths import RunFolder
from kernel.records import CrawlPart, CrawlStats
from tests.crawlers.test_crawl_dedupe import OTHER_STORY, original, syndicated_copy
from tests.support.crawl import FAST, paragraphs, records
from tests.support.site import FailingSite, FixtureSite, article_html, rss

DAY = "2023-07-21"
LIVE = ("daily", "wire")


@pytest.fixture(scope="module")
def outlets() -> Iterator[tuple[FixtureSite, FailingSite]]:
    with FixtureSite() as site, FailingSite() as down:
        site.page(
            "/wire/talks-to-resume", article_html("Talks to resume", original(), "2023-07-13")
        )
        site.page("/wire/picket-heat", article_html("Pickets brave the heat", OTHER_STORY))
        site.page(
            "/daily/mediator-call",
            article_html("Actors' talks back on", syndicated_copy(), "2023-07-14"),
        )
        lead = "SAG-AFTRA negotiators met the studios again on Friday."
        site.page("/daily/residuals", article_html("Residuals gap", paragraphs(7, lead)))
        for name in LIVE:
            links = [(site.base_url + p, None) for p in site.routes if p.startswith(f"/{name}/")]
            site.page(f"/{name}.xml", rss(links), "application/xml")
        yield site, down


def _sources(outlets: tuple[FixtureSite, FailingSite], path: Path) -> Path:
    site, down = outlets
    entries = [
        {"name": name, "allowed_domains": ["127.0.0.1"], "feeds": [f"{site.base_url}/{name}.xml"]}
        for name in LIVE
    ]
    entries.insert(1, {"name": "down", "allowed_domains": ["127.0.0.1"],
                       "feeds": [f"{down.base_url}/feed.xml"],
                       "start_urls": [f"{down.base_url}/news/"]})  # fmt: skip
    path.write_text(yaml.safe_dump({"sources": entries}), encoding="utf-8")
    return path


def _decisions(run_dir: Path) -> dict[str, tuple]:
    return {
        r["url"].split("/", 3)[3]: (
            r["article_id"], r["source"], r["status"], r["reason"], r["duplicate_of"],
            tuple(r["negotiations"]),
        )
        for r in records(run_dir)
    }  # fmt: skip


@pytest.fixture(scope="module")
def crawled(outlets, tmp_path_factory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("parts")
    sources = _sources(outlets, root / "sources.yaml")
    whole = root / "whole" / "runs" / DAY
    crawl(sources, whole, root / "whole" / "raw", None, DAY, settings=FAST)
    parted = root / "parted" / "runs" / DAY
    errors = {}
    for name in ("daily", "down", "wire"):
        try:
            crawl(sources, parted, root / "parted" / "raw", None, DAY, settings=FAST, source=name)
        except TablewatchError as exc:
            errors[name] = str(exc)
    merged = merge_parts(parted, sources, root / "parted" / "raw", DAY, settings=FAST)
    return {"sources": sources, "whole": whole, "parted": parted, "errors": errors,
            "merged": merged, "root": root}  # fmt: skip


def test_parts_then_merge_equal_one_crawl_of_every_outlet(crawled):
    whole, parted = _decisions(crawled["whole"]), _decisions(crawled["parted"])
    assert parted == whole
    assert {v[1] for v in parted.values()} == set(LIVE)
    # the earliest published copy is kept although its outlet is listed second
    copy, kept = parted["daily/mediator-call"], parted["wire/talks-to-resume"]
    assert copy[2] == "duplicate" and copy[4] == kept[0] and kept[2] == "relevant"
    assert crawled["merged"].cross_outlet_duplicates == 1
    assert copy[5] == ()  # a duplicate carries no negotiations, as in one crawl


def test_each_part_has_its_own_files_and_warc(crawled):
    run = RunFolder(crawled["parted"])
    for name in LIVE:
        part = run.part(name)
        assert CrawlPart.read(part.part_status).status == "ok"
        assert {r["source"] for r in records(part.path)} == {name}
        assert part.feed_state.exists() and part.crawl_stats.exists()
    warcs = sorted((crawled["root"] / "parted" / "raw" / DAY).glob("*.warc.gz"))
    assert len(warcs) == 2  # one per live outlet; the failed one fetched no page
    raw_files = {r["raw_path"].split("#")[0] for r in records(run.path) if r["raw_path"]}
    assert len(raw_files) == 2


def test_an_outlet_that_answers_nothing_fails_its_part_and_is_named(crawled):
    assert set(crawled["errors"]) == {"down"}
    assert "no listing answered" in crawled["errors"]["down"]
    assert "http_500" in crawled["errors"]["down"]
    part = CrawlPart.read(RunFolder(crawled["parted"]).part("down").part_status)
    assert part.status == "failed" and "http_500" in part.error
    for folder in (crawled["parted"], crawled["whole"]):  # the all-outlets crawl names it too
        stats = CrawlStats.read(RunFolder(folder).crawl_stats)
        assert [(p.source, p.status) for p in stats.parts] == [
            ("daily", "ok"), ("down", "failed"), ("wire", "ok"),
        ]  # fmt: skip
    assert crawled["merged"].failed_sources == ("down",)


def test_merging_again_changes_no_byte(crawled):
    run = RunFolder(crawled["parted"])
    before = {p: p.read_bytes() for p in (run.articles, run.feed_state, run.crawl_stats)}
    again = merge_parts(run.path, crawled["sources"], crawled["root"] / "parted" / "raw", DAY,
                        settings=FAST)  # fmt: skip
    assert again.articles_changed is False
    assert {p: p.read_bytes() for p in before} == before


def test_a_part_left_running_or_missing_is_a_failed_part(crawled, tmp_path):
    import shutil

    parted = tmp_path / "runs" / DAY
    shutil.copytree(crawled["parted"], parted)
    run = RunFolder(parted)
    CrawlPart("wire", "running").write(run.part("wire").part_status)  # a killed crawl's state
    shutil.rmtree(run.part("down").path)  # a task that never ran
    result = merge_parts(parted, crawled["sources"], tmp_path / "raw", DAY)
    assert result.failed_sources == ("down", "wire")
    parts = {p.source: p for p in CrawlStats.read(run.crawl_stats).parts}
    assert "interrupted" in parts["wire"].error and "never ran" in parts["down"].error
    assert {r["source"] for r in records(parted)} == {"daily"}
    CrawlPart("daily", "failed", "x").write(run.part("daily").part_status)
    before = run.articles.read_bytes()
    with pytest.raises(TablewatchError, match="every outlet of .* failed"):
        merge_parts(parted, crawled["sources"], tmp_path / "raw", DAY)
    assert run.articles.read_bytes() == before  # the day's last good files are kept


def test_merge_without_parts_and_crawl_of_an_unknown_source_are_errors(crawled, tmp_path):
    with pytest.raises(TablewatchError, match="no parts to merge"):
        merge_parts(tmp_path / "runs" / DAY, crawled["sources"], tmp_path / "raw", DAY)
    with pytest.raises(TablewatchError, match="no source 'nope'"):
        crawl(crawled["sources"], tmp_path / "r", tmp_path / "raw", None, DAY, source="nope")


def test_merged_stats_add_up_the_parts(crawled):
    run = RunFolder(crawled["parted"])
    merged = CrawlStats.read(run.crawl_stats)
    parts = [CrawlStats.read(run.part(n).crawl_stats) for n in ("daily", "down", "wire")]
    assert merged.counts.requests == sum(p.counts.requests for p in parts)
    assert merged.counts.items == len(records(run.path))
    assert set(merged.listing_errors) == {u for p in parts for u in p.listing_errors}
    assert json.loads(run.crawl_stats.read_text())["sources_file"].endswith("sources.yaml")
