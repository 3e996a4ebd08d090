"""How a milestone known only to its month or season reads (kernel.milestones.period_words)."""

from __future__ import annotations

import datetime as dt

import pytest

from kernel.milestones import period_words

D = dt.date


@pytest.mark.parametrize(
    ("date", "precision", "today", "last", "words"),
    [
        (D(2026, 8, 1), "month", D(2026, 7, 31), D(2026, 8, 31), "in August"),
        (D(2027, 8, 1), "month", D(2026, 7, 31), D(2027, 8, 31), "in August 2027"),
        (D(2026, 9, 22), "season", D(2026, 9, 1), D(2026, 12, 20), "in fall"),
        # a winter under way in January is this winter, not "winter 2026"
        (D(2026, 12, 21), "season", D(2027, 1, 10), D(2027, 3, 19), "in winter"),
        (D(2026, 12, 21), "season", D(2025, 12, 1), D(2027, 3, 19), "in winter 2026"),
        (D(2026, 8, 1), "day", D(2026, 7, 31), D(2026, 8, 1), None),
    ],
)
def test_period_words(
    date: dt.date, precision: str, today: dt.date, last: dt.date, words: str | None
) -> None:
    assert period_words(date, precision, today, last) == words
