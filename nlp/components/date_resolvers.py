"""The date resolvers: one small function per kind of date expression, from match to value.

``nlp/config/dates.yaml`` says which resolver each pattern of ``nlp/components/dates.py`` uses
(``resolvers:``) and holds every word a resolver looks at, so a new pattern or a new relative word
is a rule-file change. A resolver gets the match and its surroundings as a :class:`Found` and
returns the :class:`DateMention`, or ``None`` when the match is not a date after all ("the Today
show", "talks May resume"). Values follow the guidelines: relative expressions against the
publication date, anchored ones against the last full date before them, weeks and vague spans
``null``, durations and sets always ``null``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from spacy.tokens import Span

if TYPE_CHECKING:
    from nlp.components.dates import DateRules

PAST, FUTURE, NEUTRAL = "past", "future", "neutral"
#: a relative word whose direction the clause's tense decides
TENSE = "tense"
#: a relative word that means the reference year itself ("this May")
CURRENT = "current"


@dataclass
class DateMention:
    """One expression found in a sentence; offsets are relative to the sentence text."""

    start: int
    end: int
    text: str
    type: str
    value: str | None
    rule: str
    pending: tuple[int, int | None] | None = None  # (month, day) waiting for a year

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, "value": self.value, "type": self.type}


@dataclass
class Found:
    """One pattern match and everything a resolver may look at to give it a value."""

    rules: DateRules
    name: str
    match: re.Match[str]
    groups: dict[str, str | None]
    text: str
    published: dt.date | None
    anchor: dt.date | None
    explicit: list[dt.date]
    tense_of: Callable[[], str]
    span: Span | None

    @property
    def start(self) -> int:
        return self.match.start()

    @property
    def end(self) -> int:
        return self.match.end()

    @property
    def ref(self) -> dt.date | None:
        """The date a year-less expression is placed near: publication, else the page's dates."""
        return self.published or _nearest(self.explicit, self.anchor)

    def ref_tense(self) -> str:
        """Direction from ``ref``: the clause's tense when dated, else the nearest year."""
        return self.tense_of() if self.published else NEUTRAL

    def word_before(self) -> str:
        return self.text[: self.start].rstrip().rsplit(" ", 1)[-1].lower()

    def mention(
        self,
        value: str | None,
        kind: str = "date",
        start: int | None = None,
        pending: tuple[int, int | None] | None = None,
    ) -> DateMention:
        s = self.start if start is None else start
        return DateMention(
            s, self.end, self.text[s : self.end], kind, value, f"dates:{self.name}", pending
        )


Resolver = Callable[[Found], DateMention | None]
#: resolver name (the values of ``resolvers:`` in dates.yaml) -> function
RESOLVERS: dict[str, Resolver] = {}


def resolver(name: str) -> Callable[[Resolver], Resolver]:
    """Register a function as the resolver called ``name``."""

    def register(func: Resolver) -> Resolver:
        if name in RESOLVERS:
            raise ValueError(f"date resolver {name!r} registered twice")
        RESOLVERS[name] = func
        return func

    return register


# --- calendar helpers -------------------------------------------------------------------------


def shift_year(ref: dt.date, month: int, day: int | None, tense: str) -> int:
    """Year of a month(-day) given without one: closest to ``ref`` in the tense's direction."""
    when = dt.date(ref.year, month, min(day or 1, 28))
    gap = (when - ref).days if day else (month - ref.month) * 30
    if tense == PAST and gap > 31:
        return ref.year - 1
    if tense == FUTURE and gap < -31:
        return ref.year + 1
    if tense == NEUTRAL:
        if gap > 183:
            return ref.year - 1
        if gap < -183:
            return ref.year + 1
    return ref.year


def valid(year: int, month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]


def iso(year: int, month: int | None = None, day: int | None = None) -> str:
    if month is None:
        return f"{year:04d}"
    if day is None:
        return f"{year:04d}-{month:02d}"
    return f"{year:04d}-{month:02d}-{day:02d}"


def month_day(rules: DateRules, m: re.Match[str]) -> tuple[int, int]:
    """(month, day) of a month-day match; day 0 when it has none."""
    groups = m.groupdict()
    mon = groups.get("mon") or groups.get("mon2")
    day = groups.get("day") or groups.get("day2")
    return rules.month_of[mon.lower()], int(day) if day else 0


def _months_from(date: dt.date, step: int) -> str:
    total = date.year * 12 + date.month - 1 + step
    return iso(total // 12, total % 12 + 1)


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> dt.date:
    days = [
        d
        for d in range(1, calendar.monthrange(year, month)[1] + 1)
        if dt.date(year, month, d).weekday() == weekday
    ]
    return dt.date(year, month, days[nth - 1] if nth > 0 else days[nth])


def _nearest(explicit: list[dt.date], anchor: dt.date | None) -> dt.date | None:
    if explicit:
        return explicit[0]
    return anchor


def _number(rules: DateRules, word: str) -> int | None:
    word = word.lower()
    if word in rules.number_of:
        return rules.number_of[word]
    try:
        return int(float(word))
    except ValueError:
        return None


# --- resolvers --------------------------------------------------------------------------------


@resolver("monthday")
def _monthday(f: Found) -> DateMention | None:
    month, day = month_day(f.rules, f.match)
    if f.groups.get("year"):
        year = int(f.groups["year"])
        return f.mention(iso(year, month, day) if valid(year, month, day) else None)
    if not 1 <= day <= 31:
        return None
    ref = f.ref
    if ref is None:
        return f.mention(None, pending=(month, day))
    year = shift_year(ref, month, day, f.ref_tense())
    return f.mention(iso(year, month, day) if valid(year, month, day) else None)


@resolver("month")
def _month(f: Found) -> DateMention | None:
    rules = f.rules
    mon_word = f.groups["mon"]
    pre = (f.groups.get("pre") or "").strip().lower()
    if mon_word in rules.ambiguous_months and not f.groups.get("year") and not pre:
        if f.word_before() not in rules.ambiguous_month_preps:
            return None
    month = rules.month_of[mon_word.lower()]
    if f.groups.get("year"):
        return f.mention(iso(int(f.groups["year"]), month))
    ref = f.ref
    if ref is None:
        return f.mention(None, pending=(month, None))
    relative = next((d for w, d in rules.month_relatives.items() if pre.startswith(w)), TENSE)
    if relative == CURRENT:
        return f.mention(iso(ref.year, month))
    direction = f.tense_of() if relative == TENSE else relative
    return f.mention(iso(shift_year(ref, month, None, direction), month))


@resolver("season")
def _season(f: Found) -> DateMention | None:
    rules = f.rules
    rel = (f.groups.get("rel") or "").lower()
    code = rules.season_of[f.groups["season"].lower()]
    if f.groups.get("year"):
        return f.mention(f"{int(f.groups['year']):04d}-{code}")
    # a bare season is a date only after a preposition of time ("by summer")
    if not rel and f.word_before() not in rules.season_preps:
        return None
    if f.published is None:
        return f.mention(None)
    step = rules.season_relatives[rel] if rel else TENSE
    if step == TENSE:
        year = shift_year(f.published, rules.season_months[code], None, f.tense_of())
    else:
        year = f.published.year + step
    return f.mention(f"{year:04d}-{code}")


@resolver("holiday")
def _holiday(f: Found) -> DateMention | None:
    hol = f.groups["hol"].lower()
    ref = f.ref
    if ref is None:
        return f.mention(None)
    if hol in f.rules.fixed:
        month, day = f.rules.fixed[hol]
        return f.mention(iso(shift_year(ref, month, day, f.ref_tense()), month, day))
    month, weekday, nth = f.rules.moving[hol]
    year = shift_year(ref, month, 15, f.ref_tense())
    return f.mention(_nth_weekday(year, month, weekday, nth).isoformat())


@resolver("year")
def _year(f: Found) -> DateMention | None:
    return f.mention(f.groups["year"])


@resolver("weekday")
def _weekday(f: Found) -> DateMention | None:
    published = f.published
    if published is None:
        return f.mention(None)
    target = f.rules.weekday_of[f.groups["wd"].lower()]
    rel = (f.groups.get("rel") or "").lower()
    direction = f.rules.weekday_relatives.get(rel, TENSE)
    if direction == TENSE:
        direction = f.tense_of()
    skip = 7 if rel in f.rules.weekday_strict_relatives else 0
    if direction == FUTURE:
        delta = (target - published.weekday()) % 7 or skip
        return f.mention((published + dt.timedelta(days=delta)).isoformat())
    delta = (published.weekday() - target) % 7 or skip
    return f.mention((published - dt.timedelta(days=delta)).isoformat())


@resolver("relday")
def _relday(f: Found) -> DateMention | None:
    if f.text[max(0, f.start - 4) : f.start] == "the " and f.match.group(0)[0].isupper():
        return None  # "the Today show"
    if f.published is None:
        return f.mention(None)
    shift = f.rules.relative_days[f.groups["rel"].lower()]
    return f.mention((f.published + dt.timedelta(days=shift)).isoformat())


@resolver("anchored")
def _anchored(f: Found) -> DateMention | None:
    if f.anchor is None:
        return f.mention(None)
    g, shifts = f.groups, f.rules.anchor_shifts
    if g.get("dir3"):
        shift = (_number(f.rules, g["n"]) or 1) * shifts["counted"][g["dir3"].lower()]
    elif g.get("dir"):
        shift = shifts["before_after"][g["dir"].lower()]
    else:
        shift = shifts["relative"][g["dir2"].lower()]
    return f.mention((f.anchor + dt.timedelta(days=shift)).isoformat())


@resolver("ago")
def _ago(f: Found) -> DateMention | None:
    published = f.published
    n = _number(f.rules, f.groups["n"])
    unit = f.groups["unit"].lower()
    if published is None or n is None or f.groups.get("mod"):
        return f.mention(None)  # "more than three months ago" has no one value
    if unit == "day":
        return f.mention((published - dt.timedelta(days=n)).isoformat())
    if unit == "month":
        return f.mention(_months_from(published, -n))
    if unit == "year":
        return f.mention(iso(published.year - n))
    if unit == "week":  # "one week ago" is the same weekday, seven days back
        return f.mention((published - dt.timedelta(days=7 * n)).isoformat())
    return f.mention(None)  # hours and decades are no calendar value


@resolver("set")
def _set(f: Found) -> DateMention | None:
    span = f.span
    if span is not None and span[0].lower_ in f.rules.frequency_words and span[0].pos_ == "ADJ":
        return None  # "daily talks"
    return f.mention(None, "set")


@resolver("period")
def _period(f: Found) -> DateMention | None:
    g = f.groups
    unit = (g.get("unit") or g.get("unit2") or g.get("unit3") or "").lower()
    step = f.rules.period_relatives.get((g.get("rel") or "").lower(), 0)
    if f.published is None:
        return f.mention(None)
    if unit == "month":
        return f.mention(_months_from(f.published, step))
    if unit == "year":
        return f.mention(iso(f.published.year + step))
    return f.mention(None)  # weeks and weekends stay null


@resolver("vague")
def _vague(f: Found) -> DateMention | None:
    return f.mention(None)


@resolver("duration")
def _duration(f: Found) -> DateMention | None:
    prep = f.groups.get("prep")
    start = f.start
    if prep and f.groups.get("the") and prep.strip().lower() not in f.rules.duration_kept_preps:
        start += len(prep)  # "for the past three weeks": the duration is "the past three weeks"
    return f.mention(None, "duration", start=start)
