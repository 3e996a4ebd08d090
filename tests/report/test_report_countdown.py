"""The card's countdown says how much of the milestone's date is known: a day ("10 days to"), or
only a month or a season ("in August", "in fall"), which v_milestones stores as their first day.

The milestones come from coverage through the real annotate and load stages, so their precision is
the NLP's own date resolution."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from report import build_report
from tests.support.warehouse import coverage_milestone_db

NEG = "wga_2026"
#: day published -> one article's body
ARTICLES = {
    "2026-07-31": "The Writers Guild said its contract extension expires in August.",
    "2026-08-05": "Writers Guild members will cast ballots in a ratification vote on September 10.",
    "2026-09-01": "The Writers Guild said the side letter expires later this fall.",
}


@pytest.fixture(scope="module")
def countdown_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Coverage milestones only: the watchlist gives wga_2026 none of its own."""
    return coverage_milestone_db(tmp_path_factory.mktemp("countdown"), NEG, ARTICLES)


def _countdown(db: Path, out: Path, day: str) -> str:
    page = build_report(db, out, negotiation=NEG, date_to=day).read_text("utf-8")
    tile = re.search(r'<div class="countdown">(.*?)</div>', page)
    assert tile, f"no countdown on {day}"
    return tile[1]


def test_a_month_only_date_reads_in_that_month(countdown_db: Path, tmp_path: Path) -> None:
    """ "expires in August" seen on 31 July is "in August", not "1 day to"; it stays the next
    milestone through August, and the year shows when it is not the current one."""
    tile = _countdown(countdown_db, tmp_path / "a", "2026-07-31")
    assert tile.startswith("<b>in August</b>contract expiry (Aug 2026: ")
    assert "day" not in tile.split("</b>")[0]
    mid = _countdown(countdown_db, tmp_path / "b", "2026-08-31")
    assert mid.startswith("<b>in August</b>contract expiry")


def test_a_day_exact_date_counts_days_and_a_season_reads_in_it(
    countdown_db: Path, tmp_path: Path
) -> None:
    # August is over: the ratification vote of 10 September, a resolved day, is next
    vote = _countdown(countdown_db, tmp_path / "c", "2026-09-01")
    assert vote.startswith("<b>9 days to</b>ratification vote (10 Sep 2026: ")
    # then "later this fall" (stored as 22 September), through the season
    fall = _countdown(countdown_db, tmp_path / "d", "2026-09-15")
    assert fall.startswith("<b>in fall</b>contract expiry (fall 2026: ")
    assert _countdown(countdown_db, tmp_path / "e", "2026-12-01").startswith("<b>in fall</b>")
