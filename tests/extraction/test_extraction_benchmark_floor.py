"""Quality floor on real pages: catches a rule change that quietly ruins extraction."""

from __future__ import annotations

import pytest

from benchmarks.extraction import DATA_DIR, load_pages, page_counts, score, tablewatch_body

PAGES = 20
F1_FLOOR = 0.965  # these 20 pages: ours ~0.979, plain trafilatura.extract ~0.961


@pytest.mark.skipif(
    not (DATA_DIR / "ground-truth.json").exists(), reason="../shared benchmark data absent"
)
def test_body_f1_on_benchmark_pages_stays_above_floor() -> None:
    pages = load_pages(limit=PAGES)
    assert len(pages) == PAGES
    counts = [
        page_counts(gt["articleBody"], tablewatch_body(raw, gt.get("url"))) for _, raw, gt in pages
    ]
    result = score(counts)
    assert result["f1"] >= F1_FLOOR, result
    assert result["precision"] >= 0.9 and result["recall"] >= 0.9, result


@pytest.mark.skipif(
    not (DATA_DIR / "ground-truth.json").exists(), reason="../shared benchmark data absent"
)
def test_whole_process_pairs_time_and_score_both_processes() -> None:
    """The whole-process measure runs both commands over the same pages and scores their files
    (3 pages, 1 pair: it checks the plumbing, not the ratio)."""
    from benchmarks.extraction import measure_processes

    pages = load_pages(limit=3)
    got = measure_processes(pages, pairs=1)
    assert got["ours_cpu"] > 0 and got["base_cpu"] > 0
    assert got["ratio"] == pytest.approx(got["ours_cpu"] / got["base_cpu"])
    direct = score(
        page_counts(gt["articleBody"], tablewatch_body(raw, None)) for _, raw, gt in pages
    )
    assert got["ours_f1"] == pytest.approx(direct["f1"])  # the timed run's own output is scored
    assert 0 < got["base_f1"] <= 1
