"""What the report says, read from the HTML: sections, filters, empty states, bad arguments."""

from __future__ import annotations

from pathlib import Path

import pytest

from kernel.errors import TablewatchError
from report import build_report


def test_one_section_per_negotiation_with_all_charts(demo_warehouse: Path, tmp_path: Path) -> None:
    text = build_report(demo_warehouse, tmp_path).read_text(encoding="utf-8")
    for nid in ("sag_aftra_tv_2026", "wga_2026", "dga_2026"):
        assert f'<section id="{nid}">' in text
    assert text.count("<svg") >= 15
    assert "Latest evidence" in text and '<a href="http://127.0.0.1:' in text
    assert "<script src=" not in text and "<link " not in text, "the report must be self-contained"


def test_each_negotiation_card_draws_one_tone_line_per_side(
    demo_warehouse: Path, tmp_path: Path
) -> None:
    """The per-side chart reads v_party_tone_weekly: every side that spoke in a negotiation is a
    line of that negotiation's card (its legend names it), and no other side is."""
    from warehouse.db import connect_read

    text = build_report(demo_warehouse, tmp_path).read_text(encoding="utf-8")
    with connect_read(demo_warehouse) as con:
        sides = con.execute(
            "select negotiation, list(distinct party order by party) from v_party_tone_weekly "
            "group by negotiation"
        ).fetchall()
    assert sides, "the demo articles quote the sides, so some sentences have a speaker"
    for nid, parties in sides:
        section = text.split(f'<section id="{nid}">')[1].split("</section>")[0]
        chart = section.split('aria-label="Tone by side, by week"')[1].split("</figure>")[0]
        assert "<svg" in chart
        for party in parties:
            assert f">{party}</text>" in chart, (nid, party)
        for other in {"sag_aftra", "wga", "dga", "amptp", "studios"} - set(parties):
            assert f">{other}</text>" not in chart, (nid, other)


def test_negotiation_and_period_filters(demo_warehouse: Path, tmp_path: Path) -> None:
    text = build_report(
        demo_warehouse,
        tmp_path,
        negotiation="wga_2026",
        date_from="2026-05-01",
        date_to="2026-06-30",
    ).read_text(encoding="utf-8")
    assert '<section id="wga_2026">' in text
    assert '<section id="sag_aftra_tv_2026">' not in text
    assert "2026-07-" not in text.split("Latest evidence")[1], "evidence after --to must not show"


def test_empty_state_when_nothing_matches(demo_warehouse: Path, tmp_path: Path) -> None:
    text = build_report(
        demo_warehouse, tmp_path, date_from="1999-01-01", date_to="1999-12-31"
    ).read_text(encoding="utf-8")
    assert "No data" in text and "<svg" not in text


@pytest.mark.parametrize(
    ("lo", "hi", "msg"), [("2026-13-01", None, "--from"), ("2026-06-02", "2026-06-01", "after")]
)
def test_bad_period_is_a_clear_error(
    demo_warehouse: Path, tmp_path: Path, lo: str, hi: str | None, msg: str
) -> None:
    with pytest.raises(TablewatchError, match=msg):
        build_report(demo_warehouse, tmp_path, date_from=lo, date_to=hi)
