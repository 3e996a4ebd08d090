"""The one parser of a logical day: every stage names its run by a calendar day ``YYYY-MM-DD``.

A run folder, a crawl, a load and an alert evaluation all key on the same string, so they all parse
it here: the same input gives the same day everywhere, and a bad one gives the same one-line error.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from kernel.errors import TablewatchError

#: The days a run can be about. Stages do calendar arithmetic around the day (alert windows, the
#: oldest alert still worth sending, crawl date slack), which overflows near year 1 and 9999;
#: news coverage of a negotiation lies well inside these bounds.
FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(2999, 12, 31)


def as_date(value: Any, what: str = "day") -> dt.date:
    """A calendar date from ``YYYY-MM-DD``, a ``date`` or a ``datetime`` (its date part)."""
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    else:
        try:
            day = dt.date.fromisoformat(str(value))
        except ValueError:
            raise TablewatchError(f"{what}: not a date (expected YYYY-MM-DD): {value!r}") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise TablewatchError(
            f"{what}: {day.isoformat()} is outside the days Tablewatch handles "
            f"({FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()})"
        )
    return day


def parse_day(value: Any = None, what: str = "day") -> str:
    """Normalise a logical day to ``YYYY-MM-DD``; ``None`` means today (UTC)."""
    if value is None:
        return dt.datetime.now(dt.UTC).date().isoformat()
    return as_date(value, what).isoformat()
