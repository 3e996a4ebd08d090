"""How a milestone's date reads, for the report's countdown tile and the alerts' "N days to".

A date stated in coverage may be known only to its month ("expires in August") or season ("later
this summer"); the warehouse stores it as its first day with ``date_precision`` and ``last_date``
(v_milestones). A day count to that first day would be false ("August" seen on 31 July is not "1 day
to"), so such a date reads "in August" until its period is over.
"""

from __future__ import annotations

import datetime as dt

#: a season's name by the month of its first day (SP 03-20, SU 06-21, FA 09-22, WI 12-21)
SEASONS = {3: "spring", 6: "summer", 9: "fall", 12: "winter"}


def period_words(
    date: dt.date, precision: str, today: dt.date, last_date: dt.date | None = None
) -> str | None:
    """'in August', 'in fall', 'in August 2027' (the year when the period is not in today's) for
    a date known only to its month or season, from its first day ``date`` to ``last_date``; None
    for a day, which is counted in days instead. A winter under way in January is "in winter"."""
    years = {date.year, (last_date or date).year}
    year = "" if today.year in years else f" {date.year}"
    if precision == "month":
        return f"in {date:%B}{year}"
    if precision == "season":
        return f"in {SEASONS[date.month]}{year}"
    return None
