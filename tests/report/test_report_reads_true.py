"""The report reads true: fixed label colours, one time axis per card, real period dates, thin
weeks marked, no "0" in size legends, alert labels that cannot overlap, working tooltips."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from kernel.labels import ISSUES, SIGNALS
from report import build_report
from report.charts import (
    ISSUE_COLOURS,
    MIN_WEEK_MENTIONS,
    SIGNAL_COLOURS,
    THIN,
    TimeAxis,
    _alert_lanes,
)

NEGOTIATIONS = ("sag_aftra_tv_2026", "wga_2026", "dga_2026")
# a data mark with its tooltip: <path aria-label="TIP" role="graphics-symbol" ... fill="#...">
MARK = re.compile(
    r'<path aria-label="([^"]*)" role="graphics-symbol"([^>]*)><title>([^<]*)</title>'
)
X_AXIS = re.compile(
    r"aria-label=\"X-axis titled '[^']*' for a time scale with values from ([^\"]*)\""
)


@pytest.fixture(scope="module")
def page(demo_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    return build_report(demo_warehouse, tmp_path_factory.mktemp("report")).read_text("utf-8")


def _marks(svg: str) -> list[tuple[str, str, str]]:
    """(description, fill colour, tooltip) of every data mark of a chart."""
    out = []
    for tip, attrs, title in MARK.findall(svg):
        fill = re.search(r'fill="([^"]*)"', attrs)
        out.append((tip, fill[1] if fill else "", title))
    return out


def _sections(page: str) -> dict[str, str]:
    parts = re.split(r'<section id="([a-z0-9_]+)">', page)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def _figures(section: str) -> dict[str, str]:
    return dict(re.findall(r'<figure class="chart" aria-label="([^"]+)">(.*?)</figure>', section))


def test_colour_maps_follow_the_label_vocabulary() -> None:
    assert list(SIGNAL_COLOURS) == list(SIGNALS) and list(ISSUE_COLOURS) == list(ISSUES)
    assert len(set(ISSUE_COLOURS.values())) == len(ISSUES)
    assert len(set(SIGNAL_COLOURS.values())) == len(SIGNALS)


def test_every_label_has_one_colour_on_every_card(page: str) -> None:
    issue_fills: dict[str, set[str]] = defaultdict(set)
    signal_fills: dict[str, set[str]] = defaultdict(set)
    for section in _sections(page).values():
        figures = _figures(section)
        for tip, fill, title in _marks(figures["Issue share of voice, by week"]):
            assert tip == title  # the tooltip is the mark's own description
            if m := re.match(r"week of [^:]+: (\w+) \d+ of \d+ mentions", tip):
                issue_fills[m[1]].add(fill)
        for tip, fill, _ in _marks(figures["Signal timeline"]):
            signal_fills[re.match(r"[^:]+: (\w+),", tip)[1]].add(fill)
    assert "staffing_jobs" in issue_fills and len(issue_fills) >= 5
    assert {k: v for k, v in issue_fills.items()} == {k: {ISSUE_COLOURS[k]} for k in issue_fills}
    assert len(signal_fills) >= 5
    assert signal_fills == {k: {SIGNAL_COLOURS[k]} for k in signal_fills}
    # the evidence badges use the same colours
    for signal, colour in SIGNAL_COLOURS.items():
        assert f".sig-{signal} {{ background: {colour}; }}" in page


def test_the_charts_of_a_card_share_one_continuous_time_axis(page: str) -> None:
    for nid, section in _sections(page).items():
        figures = _figures(section)
        assert len(figures) == 6, nid  # tone, progress-gap, tone by side, issues, signals, outlets
        domains = {name: X_AXIS.findall(svg) for name, svg in figures.items()}
        assert all(len(d) == 1 for d in domains.values()), domains
        assert len({d[0] for d in domains.values()}) == 1, (nid, domains)


def test_time_axis_spans_whole_weeks_including_empty_ones() -> None:
    axis = TimeAxis.covering(dt.date(2026, 5, 6), dt.date(2026, 6, 2))  # Wed .. Tue
    assert axis.start == dt.date(2026, 5, 4) and axis.start.weekday() == 0
    assert axis.end == dt.date(2026, 6, 8)
    assert axis.mondays() == [dt.date(2026, 5, 4) + dt.timedelta(days=7 * i) for i in range(6)]


def test_weeks_without_coverage_stay_on_the_axis_empty(demo_warehouse: Path, page: str) -> None:
    """dga_2026 has weeks without a single issue mention inside its period: no bar for them,
    yet the axis runs through them (the band axis it replaces dropped such weeks)."""
    con = duckdb.connect(str(demo_warehouse), read_only=True)
    weeks = {
        w
        for (w,) in con.execute(
            "select distinct week from v_issue_share_weekly where negotiation = 'dga_2026'"
        ).fetchall()
    }
    lo, hi = con.execute(
        "select min(published), max(published) from v_sentences where negotiation = 'dga_2026'"
    ).fetchone()
    con.close()
    axis = TimeAxis.covering(lo, hi)
    empty = [m for m in axis.mondays() if m not in weeks and m < axis.end]
    assert empty, "the demo should have a quiet week for this test to mean something"
    svg = _figures(_sections(page)["dga_2026"])["Issue share of voice, by week"]
    tips = [tip for tip, _, _ in _marks(svg)]
    for monday in empty:
        assert not any(t.startswith(f"week of {monday:%d %b %Y}") for t in tips)


def test_header_prints_the_real_period(demo_warehouse: Path, page: str, tmp_path: Path) -> None:
    con = duckdb.connect(str(demo_warehouse), read_only=True)
    lo, hi = con.execute(
        "select min(published), max(published) from v_sentences where negotiation is not null"
    ).fetchone()
    con.close()
    assert f"Period: {lo:%Y-%m-%d} – {hi:%Y-%m-%d}" in page
    assert "start" not in page.split("</header>")[0] and "latest" not in page.split("</header>")[0]
    filtered = build_report(demo_warehouse, tmp_path, date_from="2026-05-01")
    assert f"Period: 2026-05-01 – {hi:%Y-%m-%d}" in filtered.read_text("utf-8")


def test_thin_weeks_are_grey_with_their_count(page: str) -> None:
    thin_seen = full_seen = 0
    for section in _sections(page).values():
        svg = _figures(section)["Issue share of voice, by week"]
        for tip, fill, _ in _marks(svg):
            if m := re.match(r"week of [^:]+: only (\d+) mentions", tip):
                assert int(m[1]) < MIN_WEEK_MENTIONS and fill == THIN
                assert f">n={m[1]}<" in svg
                thin_seen += 1
            elif m := re.match(r"week of [^:]+: \w+ \d+ of (\d+) mentions", tip):
                assert int(m[1]) >= MIN_WEEK_MENTIONS and fill != THIN
                full_seen += 1
        pg = _figures(section)["Progress vs gap, by week"]
        for tip, fill, _ in _marks(pg):
            progress, gap = map(int, re.search(r"(\d+) progress, (\d+) gap", tip).groups())
            assert (fill == THIN) == (progress + gap < MIN_WEEK_MENTIONS), tip
    assert thin_seen and full_seen


def test_size_legends_show_no_zero(page: str) -> None:
    for section in _sections(page).values():
        for name in ("Tone over time", "Signal timeline"):
            svg = _figures(section)[name]
            start = svg.index("Symbol legend titled 'Sentences' for size")
            legend = svg[start : svg.index("Sentences</text>", start)]
            labels = re.findall(r'role-legend-label"[^>]*><text[^>]*>([^<]*)</text>', legend)
            assert labels, name
            assert all(int(x) >= 1 for x in labels), labels  # whole sentence counts, no "0"


def test_alerts_are_numbered_on_the_chart_and_listed_below_it(
    demo_warehouse: Path, page: str
) -> None:
    con = duckdb.connect(str(demo_warehouse), read_only=True)
    counts = dict(con.execute("select negotiation, count(*) from v_alerts group by 1").fetchall())
    con.close()
    for nid, section in _sections(page).items():
        tone = _figures(section)["Tone over time"]
        items = re.findall(r'<li value="(\d+)">', tone)
        assert items == [str(i + 1) for i in range(counts.get(nid, 0))]
        # the chart carries only the numbers, each at its own place: none overlaps another
        marks = re.findall(
            r'<text aria-label="[^"]*; n: (\d+)"[^>]*translate\(([\d.]+),([\d.]+)\)', tone
        )
        assert [n for n, _, _ in marks] == items
        spots = [(float(x), float(y)) for _, x, y in marks]
        for i, (x1, y1) in enumerate(spots):
            for x2, y2 in spots[i + 1 :]:
                assert abs(y1 - y2) >= 10 or abs(x1 - x2) >= 14, (nid, spots)


def test_alerts_close_in_time_go_to_different_lanes() -> None:
    axis = TimeAxis.covering(dt.date(2026, 4, 6), dt.date(2026, 7, 31))
    days = ["2026-05-11", "2026-05-11", "2026-05-12", "2026-06-01", "2026-07-29", "2026-07-31"]
    alerts = pd.DataFrame({"detected_on": pd.to_datetime(days)})
    assert _alert_lanes(alerts, axis) == [0, 1, 2, 0, 0, 1]


def test_outlet_links_are_the_crawled_article_urls(demo_warehouse: Path, page: str) -> None:
    con = duckdb.connect(str(demo_warehouse), read_only=True)
    crawled = {u for (u,) in con.execute("select url from articles").fetchall()}
    con.close()
    links = re.findall(r'<td><a href="([^"]+)">', page)
    assert links and set(links) <= crawled


def test_each_card_opens_with_the_issue_board(page: str, demo_warehouse: Path) -> None:
    """One row per taxonomy issue, the status the board gives as of the card's last day."""
    from warehouse.query import run_sql

    for nid, section in _sections(page).items():
        board = re.search(r"<table class=board>(.*?)</table>", section, re.S)
        assert board, f"{nid}: no issue board"
        rows = re.findall(
            r'<span class="swatch"[^>]*></span>([a-z_]+)</td><td><span class="status"[^>]*>([a-z]+)</span>',
            board[1],
        )
        assert [issue for issue, _ in rows] == list(ISSUES)
        (last,) = run_sql(
            demo_warehouse, "select max(published) from v_sentences where negotiation = ?", [nid]
        )[1][0]
        _, expected = run_sql(
            demo_warehouse,
            "select issue, status from issue_status_as_of(?) where negotiation = ?",
            [last, nid],
        )
        assert dict(rows) == dict(expected)
        assert section.index("table class=board") < section.index("<figure")


def test_milestones_are_drawn_on_the_time_charts(page: str) -> None:
    """The demo's watchlist milestones (contract expiries) are rules with their label on hover."""
    wga = _sections(page)["wga_2026"]
    assert "Minimum Basic Agreement expires (contract_expiry)" in wga
    charts_with_milestone = [
        svg for svg in re.findall(r"<svg.*?</svg>", wga, re.S) if "(contract_expiry)" in svg
    ]
    assert len(charts_with_milestone) >= 5


def test_countdown_names_the_next_milestone(demo_warehouse: Path, tmp_path: Path) -> None:
    page = build_report(demo_warehouse, tmp_path, date_to="2026-04-21").read_text("utf-8")
    wga = _sections(page)["wga_2026"]
    assert re.search(r'class="countdown"><b>10 days to</b>contract expiry \(01 May 2026', wga)
    late = build_report(demo_warehouse, tmp_path / "late").read_text("utf-8")
    assert "no milestone ahead" in _sections(late)["wga_2026"]
