"""The benchmark tooling measures what it claims: child memory, comparable pages, deterministic input.

Benchmarks themselves are scripts (speed is never asserted here); these tests check the parts whose
mistakes would make a benchmark table lie: peak RSS of a process tree, the server-alone client,
the generated NLP input and the Markdown the runner writes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from benchmarks import crawl, nlp_scaling, run_all

ALLOC_MIB = 150
# A child that holds ALLOC_MIB of touched memory in a grandchild for a moment, then frees it.
GRANDCHILD = f"b = bytearray({ALLOC_MIB} * 2**20); import time; time.sleep(0.5)"
CHILD = (
    f"import subprocess, sys; subprocess.run([sys.executable, '-c', {GRANDCHILD!r}], check=True)"
)


def test_measure_counts_the_peak_of_a_grandchild_that_frees_it_before_exit() -> None:
    m = crawl.measure([sys.executable, "-c", CHILD])
    assert m.peak_rss_mib >= ALLOC_MIB
    assert m.wall_s > 0
    assert m.cpu_s > 0


def test_measure_reports_a_failing_child_with_its_error() -> None:
    with pytest.raises(RuntimeError, match="boom"):
        crawl.measure([sys.executable, "-c", "raise SystemExit('boom')"])


def test_child_env_turns_bytecode_caching_on_outside_the_repo(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    monkeypatch.delenv("PYTHONPYCACHEPREFIX", raising=False)
    env = crawl.child_env()
    assert "PYTHONDONTWRITEBYTECODE" not in env
    assert not Path(env["PYTHONPYCACHEPREFIX"]).is_relative_to(crawl.REPO)


def test_served_site_lists_every_article_once_and_serves_them(tmp_path: Path) -> None:
    with crawl.serve(30, tmp_path) as site:
        urls = crawl.article_urls(site.sources)
        assert len(urls) == len(set(urls)) == 30
        assert crawl.server_alone(urls, threads=4) > 0  # raises on any non-200 answer
        written = (tmp_path / "sources.yaml").read_text()
        assert "TABLEWATCH_PREFILTER_BY_WINDOW: false" in written
    assert [s["name"] for s in site.sources] == ["callsheet", "marquee", "backlot"]


def test_crawl_table_puts_each_client_next_to_the_bare_spider() -> None:
    bare = {"pages": 100, "wall_s": 10.0, "crawl_s": 5.0, "cpu_s": 4.0, "rss": 80.0}
    tw = {"pages": 100, "wall_s": 20.0, "crawl_s": 5.0, "cpu_s": 16.0, "rss": 150.0}
    rows = [{"n": 100, "server": {"pages": 100, "wall_s": 1.0}, "bare": bare, "tw": tw}]
    table = crawl.render(rows, None)
    tw_line = next(line for line in table.splitlines() if line.startswith("| 100 | tablewatch"))
    cells = [c.strip() for c in tw_line.strip("|").split("|")]
    assert cells[3:6] == ["20.0", "5", "0.50x"]  # wall s, pages/s, vs bare
    assert cells[8] == "1.00x"  # crawl time ratio
    assert cells[11] == "0.25x"  # CPU ratio
    assert "server alone" in table


def test_nlp_documents_are_deterministic_valid_annotate_input(tmp_path: Path) -> None:
    from nlp.annotate import read_input

    docs = nlp_scaling.documents(12)
    assert docs == nlp_scaling.documents(12)
    assert len({d["id"] for d in docs}) == 12
    path = nlp_scaling.write_input(12, tmp_path / "in.jsonl")
    records = list(read_input(path))
    assert [r["id"] for r in records] == [d["id"] for d in docs]
    assert all(r["text"].count(".") >= 3 and r["published"] is not None for r in records)


def test_nlp_child_counts_sentences_of_both_pipelines(tmp_path: Path) -> None:
    path = nlp_scaling.write_input(3, tmp_path / "in.jsonl")
    bare = nlp_scaling.measure_one("bare", path, 1)
    tw = nlp_scaling.measure_one("tablewatch", path, 1)
    written = (tmp_path / "in.out.jsonl").read_text().splitlines()
    assert tw["sentences"] == len(written) > 3
    assert bare["sentences"] > 3
    assert {json.loads(line)["id"] for line in written} == {
        d["id"] for d in nlp_scaling.documents(3)
    }
    table = nlp_scaling.render([{"n": 3, "n_process": 1, "bare": bare, "tw": tw}])
    assert table.count("| 3 | 1 |") == 2


def test_runner_reports_a_missing_or_failing_benchmark_instead_of_stopping(tmp_path: Path) -> None:
    assert "not available" in run_all.run_one("no_such_benchmark", quick=True)
    header = run_all.machine()
    assert "cores" in header and "GiB" in header and "scrapy" in header


def test_sizes_beyond_the_budget_are_listed_as_not_run() -> None:
    bare = {"pages": 1000, "wall_s": 10.0, "crawl_s": 8.0, "cpu_s": 4.0, "rss": 80.0}
    row = {"n": 1000, "server": {"pages": 1000, "wall_s": 1.0}, "bare": bare, "tw": bare}
    # start-up (2 s per crawler) stays, crawl time x20, server x20
    assert crawl._predict(row, 20_000) == pytest.approx(20 + 2 * (10 + 8 * 19))
    table = crawl.render([row, {"n": 20_000, "skipped": 3000.0, "budget": 1200.0}], None)
    skipped = next(line for line in table.splitlines() if line.startswith("| 20,000 |"))
    assert "not run: estimated 3000 s" in skipped
    assert skipped.count("|") == table.splitlines()[6].count("|")  # same columns as the header
    assert "Incremental crawl" in table and "not run" in table.split("Incremental crawl")[1]


def test_nlp_prediction_scales_annotate_time_but_not_start_up() -> None:
    m = {"sentences": 800, "seconds": 10.0, "load_s": 2.0, "wall_s": 15.0, "cpu_s": 9.0, "rss": 1.0}
    rows = [{"n": 100, "n_process": k, "bare": m, "tw": m} for k in (1, 2)]
    assert nlp_scaling._predict(rows, 1000) == pytest.approx(4 * (15 + 10 * 9))
    table = nlp_scaling.render([*rows, {"n": 1000, "skipped": 500.0, "budget": 100.0}])
    skipped = next(line for line in table.splitlines() if line.startswith("| 1,000 |"))
    assert "not run" in skipped and skipped.count("|") == table.splitlines()[6].count("|")


def test_cost_plot_is_an_svg_naming_every_series(tmp_path: Path) -> None:
    from benchmarks.plots import cost_vs_size_svg

    rows = [
        {"size": size, "cost": cost, "series": series}
        for series, costs in (("load", (0.5, 0.6, 0.7)), ("snapshot copy", (0.1, 0.7, 7.0)))
        for size, cost in zip((5e5, 5e6, 5e7), costs, strict=True)
    ]
    out = cost_vs_size_svg(
        rows, title="t", size_label="sentences", cost_label="s", path=tmp_path / "p" / "c.svg"
    )
    svg = out.read_text(encoding="utf-8")
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert "snapshot copy" in svg and ">load<" in svg
