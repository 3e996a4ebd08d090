"""Extraction in worker processes: same answers as inline, and a page that hangs or kills its
worker costs that page only."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from crawlers.extraction import extract_page
from crawlers.extraction.encoding import decode_html
from crawlers.extraction_workers import ExtractionFailed, ExtractionWorkers, analyse_page
from crawlers.fingerprints import body_hash, simhash, to_hex
from crawlers.rawstore import read_page
from crawlers.run import crawl
from kernel.errors import TablewatchError
from tests.crawlers.worker_behaviours import behave
from tests.support.crawl import FAST, by_path, paragraphs, records
from tests.support.site import FixtureSite, article_html

SAG = "SAG-AFTRA and the studios returned to the table on Thursday."


def _page(seed: int) -> bytes:
    return article_html(f"Talks, day {seed}", paragraphs(seed, SAG, words=300)).encode("utf-8")


def _run(coro):
    return asyncio.run(coro)


def test_analyse_page_is_extraction_plus_fingerprints():
    raw = _page(1)
    page = analyse_page(raw, "text/html; charset=utf-8", "https://example.com/a", "example")
    inline = extract_page(decode_html(raw, "text/html; charset=utf-8"), "https://example.com/a")
    assert page["body"] and page["body"] == inline["body"]
    assert page["title"] == inline["title"] == "Talks, day 1"
    assert page["body_hash"] == body_hash(page["body"])
    assert page["simhash"] == to_hex(simhash(page["body"]))


def test_workers_answer_as_inline_extraction():
    pages = [_page(seed) for seed in range(6)]
    args = [
        (raw, "text/html", f"https://example.com/{i}", "example") for i, raw in enumerate(pages)
    ]

    async def in_workers():
        workers = ExtractionWorkers(workers=1)
        try:
            return await asyncio.gather(*(workers.extract(*a) for a in args))
        finally:
            workers.close()

    assert _run(in_workers()) == [analyse_page(*a) for a in args]


def test_a_hanging_page_times_out_and_the_worker_goes_on():
    events: list[str] = []

    async def scenario():
        workers = ExtractionWorkers(1, timeout_s=0.5, func=behave, on_event=events.append)
        try:
            with pytest.raises(ExtractionFailed) as failed:
                await workers.extract("hang")
            after = await workers.extract("fine")
            return failed.value.reason, after
        finally:
            workers.close()

    reason, after = _run(scenario())
    assert reason == "extraction_timeout"
    assert after["mode"] == "fine"
    assert events == ["timeouts"]  # the worker survived: no restart


def test_a_page_that_kills_its_worker_fails_alone():
    events: list[str] = []

    async def scenario():
        workers = ExtractionWorkers(1, timeout_s=30, func=behave, on_event=events.append)
        try:
            first = await workers.extract("warm")
            modes = ["a", "b", "die", "c", "d", "e"]
            results = await asyncio.gather(
                *(workers.extract(m) for m in modes), return_exceptions=True
            )
            later = await workers.extract("later")
            return first, dict(zip(modes, results, strict=True)), later
        finally:
            workers.close()

    first, results, later = _run(scenario())
    died = results.pop("die")
    assert isinstance(died, ExtractionFailed) and died.reason == "extraction_crashed"
    # every neighbour of the killer page still got its answer, from a new worker
    assert {m: r["mode"] for m, r in results.items()} == {m: m for m in results}
    assert later["pid"] != first["pid"]
    assert events.count("crashes") == 1
    assert events.count("pool_restarts") == 2  # the first try and the lone retry


def test_an_extractor_bug_propagates_as_itself():
    async def scenario():
        workers = ExtractionWorkers(1, func=behave)
        try:
            await workers.extract("raise")
        finally:
            workers.close()

    with pytest.raises(KeyError, match="a bug in the extractor"):
        _run(scenario())


def test_bad_worker_settings_are_rejected():
    with pytest.raises(ValueError, match="workers must be >= 0"):
        ExtractionWorkers(-1)
    with pytest.raises(ValueError, match="timeout_s must be > 0"):
        ExtractionWorkers(1, timeout_s=0)


# -- through a real crawl ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def section(tmp_path_factory):
    """A section page linking two articles."""
    tmp = tmp_path_factory.mktemp("workers")
    with FixtureSite() as site:
        for seed in (1, 2):
            site.page(f"/news/talks-resume-day-{seed}", _page(seed).decode("utf-8"))
        site.page(
            "/section",
            '<html><body><a href="/news/talks-resume-day-1">1</a> <a href="/news/talks-resume-day-2">2</a></body></html>',
        )
        yield site, site.write_sources(tmp / "sources.yaml", start_urls=["/section"]), tmp


def _crawl(site_and_sources, name: str, **settings) -> tuple[Path, list[dict]]:
    site, sources, tmp = site_and_sources
    run_dir = tmp / name / "runs" / "2023-07-21"
    crawl(sources, run_dir, tmp / name / "raw", None, "2023-07-21", settings={**FAST, **settings})
    return run_dir, records(run_dir)


def test_crawl_in_workers_and_inline_store_the_same_records(section):
    _, pooled = _crawl(section, "pooled")
    _, inline = _crawl(section, "inline", TABLEWATCH_EXTRACT_WORKERS=0)
    keep = ("status", "title", "body", "body_hash", "simhash", "negotiations")
    pooled_by, inline_by = by_path(pooled), by_path(inline)
    assert set(pooled_by) == {"/news/talks-resume-day-1", "/news/talks-resume-day-2"}
    tmp = section[2]
    for path, rec in pooled_by.items():
        assert rec["status"] == "relevant" and rec["body"]
        assert {k: rec[k] for k in keep} == {k: inline_by[path][k] for k in keep}
        archived = read_page(tmp / "pooled", rec["raw_path"])
        assert archived == read_page(tmp / "inline", inline_by[path]["raw_path"])


def test_a_page_past_its_deadline_is_a_failed_record(section):
    run_dir, recs = _crawl(section, "deadline", TABLEWATCH_EXTRACT_TIMEOUT=1e-6)
    got = {p: (r["status"], r["reason"]) for p, r in by_path(recs).items()}
    assert got == {
        p: ("failed", "extraction_timeout")
        for p in ("/news/talks-resume-day-1", "/news/talks-resume-day-2")
    }
    stats = (run_dir / "crawl_stats.json").read_text(encoding="utf-8")
    assert '"tablewatch/extract_timeouts": 2' in stats


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("TABLEWATCH_EXTRACT_WORKERS", -1, "TABLEWATCH_EXTRACT_WORKERS must be >= 0, got -1"),
        ("TABLEWATCH_EXTRACT_TIMEOUT", 0, "TABLEWATCH_EXTRACT_TIMEOUT must be > 0 seconds"),
    ],
)
def test_bad_extraction_setting_is_a_one_line_error(section, setting, value, message):
    with pytest.raises(TablewatchError, match=message):
        _crawl(section, f"bad-{setting}", **{setting: value})
