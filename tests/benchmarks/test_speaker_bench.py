"""The speaker benchmark's arithmetic and its RESULTS.md section (the figures it quotes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.nlp_quality import Scored
from benchmarks.nlp_speaker import NEVER_SEEN, categories, errors, score, write_section


def _item(gold: str | None, pred: str | None, rule: str | None = None) -> Scored:
    return Scored(
        {"id": "x", "sentence": "s", "speaker": gold}, {"speaker": pred, "rule": rule}, True
    )


def test_null_counts_as_a_label_in_accuracy_and_per_label_scores() -> None:
    items = [
        _item(None, None),
        _item(None, "studios"),
        _item("sag_aftra", "sag_aftra"),
        _item("sag_aftra", None),
    ]
    s = score(items)
    assert s["accuracy"] == pytest.approx(0.5)
    gold, tp, fp, prec, rec, f1 = s["per"]["sag_aftra"]
    assert (gold, tp, fp, prec, rec) == (2, 1, 0, 1.0, 0.5)
    assert f1 == pytest.approx(2 / 3)
    assert s["per"]["studios"][:3] == (0, 0, 1)
    assert s["per"]["null"][:3] == (2, 1, 1)
    assert s["macro_f1_parties"] == pytest.approx((2 / 3 + 0.0) / 2)  # null is not a party
    assert s["confusion"][("null", "studios")] == 1


def test_the_never_seen_fold_never_prints_its_errors() -> None:
    with pytest.raises(SystemExit, match="never-seen"):
        errors({NEVER_SEEN[0]: [_item("wga", None)]}, [NEVER_SEEN[0]])
    assert "gold=wga pred=null" in errors({0: [_item("wga", None)]}, [0])


def test_section_is_replaced_not_appended(tmp_path: Path) -> None:
    path = tmp_path / "RESULTS.md"
    path.write_text("# Benchmarks\n\n### NLP quality\n\nfigures\n", encoding="utf-8")
    write_section("## Speaker\n\nfirst\n", path)
    write_section("## Speaker\n\nsecond\n", path)
    text = path.read_text(encoding="utf-8")
    assert text.count("## Speaker") == 1 and "second" in text and "first" not in text
    assert text.startswith("# Benchmarks\n\n### NLP quality\n\nfigures\n")


def test_categories_count_errors_without_a_sentence() -> None:
    """What may be read of the never-seen fold: counts by kind, rule and side, no sentence."""
    items = [
        _item("wga", None),
        _item("sag_aftra", None),
        _item(None, "studios", "speaker:attribution"),
        _item("sag_aftra", "amptp", "speaker:quote_continuation"),
        _item("wga", "wga", "speaker:attribution"),
    ]
    text = categories({NEVER_SEEN[0]: items})
    lines = text.splitlines()
    assert lines[0] == f"fold {NEVER_SEEN[0]}: 4 errors of 5"
    assert lines[1].split() == ["2", "party->null", "no", "rule", "union->null"]
    assert any(line.split()[-1] == "null->employer" for line in lines)
    assert any(line.split()[-1] == "union->employer" for line in lines)
    assert "s" not in [w for line in lines for w in line.split()]  # the sentence is never printed
