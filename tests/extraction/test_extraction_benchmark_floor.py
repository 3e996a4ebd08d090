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
