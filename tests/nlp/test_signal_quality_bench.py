"""The scoring helpers of ``benchmarks/nlp_quality.py`` and one quick run over the dev corpus."""

from __future__ import annotations

import pytest

from benchmarks import nlp_quality as bench


def test_macro_f1_averages_over_labels_present() -> None:
    gold = ["gap", "gap", "progress", "none"]
    pred = ["gap", "progress", "progress", "none"]
    # gap: tp1 fn1 -> 2/3; progress: tp1 fp1 -> 2/3; none: 1.0
    assert bench.macro_f1(gold, pred, bench.SIGNALS) == pytest.approx((2 / 3 + 2 / 3 + 1) / 3)
    assert bench.accuracy(gold, pred) == 0.75


def test_micro_f1_counts_label_pairs() -> None:
    prec, rec, f1 = bench.micro_f1([["ai", "wages"], []], [["ai"], ["wages"]])
    assert (prec, rec) == (0.5, 0.5) and f1 == 0.5


def test_char_pos_maps_normalised_offsets_back() -> None:
    text = "One  two\n\nthree"
    flat = bench._norm(text)
    assert text[bench._char_pos(text, flat.find("three")) :] == "three"


@pytest.mark.skipif(not bench.DEV_DIR.exists(), reason="shared dev corpus not present")
def test_quick_run_reports_every_field_next_to_its_baseline() -> None:
    section = bench.run(quick=True)
    assert section.startswith("### ")
    for row in (
        "| signal | macro-F1 |",
        "| tone | accuracy |",
        "VADER",
        "dateparser",
        "| issues |",
    ):
        assert row in section
    assert "| gold \\ predicted |" in section
