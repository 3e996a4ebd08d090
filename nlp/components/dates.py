"""``tablewatch_dates``: find date expressions in a sentence and resolve them to calendar values.

Patterns are regular expressions assembled from the vocabulary in ``nlp/config/dates.yaml`` and run
over the sentence text (so every ``text`` is verbatim). Resolution follows the guidelines:
relative expressions resolve against the publication date, anchored ones ("the day before")
against the last full date before them, weekdays backwards unless the clause is about the future
(tense read from the dependency parse), months without a year towards the tense, weeks and vague
spans to ``null``, durations and sets always ``null``. On undated pages a month-day without a year
is left for the negotiation component, which knows the negotiation's window.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from nlp.extensions import add_evidence, register_extensions, sentence_pairs
from nlp.rules import load_rules

DEFAULT_RULES = "dates.yaml"
PAST, FUTURE, NEUTRAL = "past", "future", "neutral"
INFINITIVE = "infinitive"
#: key in ``doc._.tw_context`` listing month-days whose year only the negotiation can tell
PENDING_KEY = "dates_pending_year"
_FUTURE_AUX = {"will", "shall", "'ll", "would", "could", "might", "may", "wo"}


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


def _alt(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


class DateRules:
    """Compiled patterns and lookup tables of one ``dates.yaml``."""

    def __init__(self, rules: dict[str, Any]) -> None:
        self.month_of = {w.lower(): int(m) for m, ws in rules["months"].items() for w in ws}
        self.weekday_of = {w.lower(): int(d) for d, ws in rules["weekdays"].items() for w in ws}
        self.number_of = {str(k).lower(): int(v) for k, v in rules["numbers"].items()}
        self.season_of = {w.lower(): s for s, ws in rules["seasons"].items() for w in ws}
        hol = rules.get("holidays") or {}
        self.fixed = {
            k.lower(): tuple(int(x) for x in v.split("-"))
            for k, v in (hol.get("fixed") or {}).items()
        }
        self.moving = {
            k.lower(): tuple(int(x) for x in v) for k, v in (hol.get("moving") or {}).items()
        }
        self.future_verbs = {w.lower() for w in rules.get("future_verbs", [])}
        self.present_future_verbs = {w.lower() for w in rules.get("present_future_verbs", [])}
        self.past_markers = {w.lower() for w in rules.get("past_markers", [])}
        self.extension_verbs = {w.lower() for w in rules.get("extension_verbs", [])}
        self.end_preps = {w.lower() for w in rules.get("end_preps", [])}
        self.season_preps = {w.lower() for w in rules.get("season_preps", [])}
        mon = _alt([w for ws in rules["months"].values() for w in ws])
        wd = _alt([w for ws in rules["weekdays"].values() for w in ws])
        parts = _alt(rules.get("day_parts", []))
        num_words = [k for k in self.number_of if k not in ("a", "an")]
        num = rf"(?:\d+(?:\.\d+)?|{_alt(num_words)})"
        vague = _alt(rules.get("vague_quantities", []))
        mods = _alt(rules.get("quantity_modifiers", []))
        unit = _alt(rules.get("units", []))
        seasons = _alt(list(self.season_of))
        holidays = _alt(list(self.fixed) + list(self.moving))
        year = r"(?P<year>(?:19|20)\d{2})(?![\d%])"
        day = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?(?!\d|%|:)"
        b = r"(?<![\w.])"
        e = r"(?![\w-])"
        ci = re.IGNORECASE
        self.patterns: list[tuple[str, re.Pattern[str]]] = [
            ("week_of", re.compile(rf"{b}the week of (?P<mon>{mon})\s+{day}(?:,?\s+{year})?", ci)),
            (
                "monthday",
                re.compile(
                    rf"{b}(?:(?P<wd>{wd}),?\s+)?(?:(?P<mon>{mon})\s+{day}(?:,?\s+{year})?"
                    rf"|(?:the\s+)?{day.replace('day>', 'day2>')}\s+(?:of\s+)?(?P<mon2>{mon})"
                    rf"(?:,?\s+{year.replace('year>', 'year2>')})?)"
                    rf"(?:\s+(?P<part>{parts}))?{e}"
                ),
            ),
            (
                "month",
                re.compile(
                    rf"{b}(?P<pre>(?:the\s+)?(?:end|beginning|start|middle|first half|second half)\s+of\s+"
                    rf"|(?:early|late|mid)[-\s]|(?:this|last|next|(?i:this|last|next)\s+)\s*)?"
                    rf"(?P<mon>{mon})(?:,?\s+(?:of\s+)?{year})?{e}"
                ),
            ),
            (
                "season",
                re.compile(
                    rf"{b}(?:(?P<rel>this|last|next|the|early|late|mid)[-\s]+)?(?P<season>{seasons})"
                    rf"(?:\s+(?:of\s+)?{year})?{e}",
                    ci,
                ),
            ),
            ("holiday", re.compile(rf"{b}(?P<hol>{holidays}){e}", ci)),
            ("year", re.compile(rf"(?<![\w$.,/#-]){year}(?!-\d|,\d|\.\d)")),
            (
                "weekday",
                re.compile(
                    rf"{b}(?:(?P<rel>(?i:this coming|this past|last|next|this|coming|past))\s+)?(?P<wd>{wd})"
                    rf"(?:\s+(?P<part>{parts}))?{e}"
                ),
            ),
            (
                "relday",
                re.compile(
                    rf"{b}(?P<rel>today|tonight|yesterday|tomorrow|this (?:morning|afternoon|evening)){e}",
                    ci,
                ),
            ),
            (
                "anchored",
                re.compile(
                    rf"{b}(?:(?:the\s+)?(?P<kind>day|night|evening|morning)\s+(?P<dir>before|after)"
                    rf"|the\s+(?P<dir2>previous|next|following)\s+(?:day|night|morning|evening)"
                    rf"|(?P<n>{num}|a|one)\s+days?\s+(?P<dir3>later|earlier))(?=\s*(?:[,.;:!?)\"”]|$|and\b|when\b))",
                    ci,
                ),
            ),
            (
                "ago",
                re.compile(
                    rf"{b}(?P<mod>(?:{mods})\s+)?(?P<n>{num}|a|an|{vague})\s+(?P<unit>{unit})s?\s+ago{e}",
                    ci,
                ),
            ),
            (
                "set",
                re.compile(
                    rf"{b}(?:(?:every|each)\s+(?:other\s+)?(?:day|week|month|year|morning|night|evening|weekday|weekend|{wd})"
                    rf"|(?:\d+|{_alt(num_words)})\s+(?:hours?|days?)\s+(?:a|per|each)\s+(?:day|week)"
                    rf"|(?:once|twice|(?:\d+|{_alt(num_words)})\s+times)\s+(?:a|per)\s+(?:day|week|month|year)"
                    rf"|daily|weekly|nightly|around the clock){e}",
                    ci,
                ),
            ),
            (
                "period",
                re.compile(
                    rf"{b}(?:(?P<pre>earlier|later|late|early)\s+)?(?P<rel>this past|this coming|this|last|next)\s+(?P<unit>week|weekend|month|year){e}"
                    rf"|{b}(?:(?:over|during)\s+)?(?:the|that)\s+(?P<unit2>weekend){e}"
                    rf"|{b}(?:the\s+)?end\s+of\s+(?:the|this)\s+(?P<unit3>week|month|year){e}",
                    ci,
                ),
            ),
            (
                "vague",
                re.compile(
                    rf"{b}the\s+(?:coming|next|following)\s+(?:(?:few|several|couple of)\s+)?"
                    rf"(?:days|weeks|months)(?:\s+or\s+(?:days|weeks|months))?{e}|{b}recently{e}|{b}days ahead{e}",
                    ci,
                ),
            ),
            (
                "duration",
                re.compile(
                    rf"{b}(?P<prep>(?:over|for|within|during)\s+)?(?:(?P<the>the\s+(?:past|last|previous|first|final|next)\s+))?"
                    rf"(?:(?:{mods})\s+)?(?:(?P<n>{num}|{vague})|(?<=for )an?|(?<=over )an?|(?<=within )an?)"
                    rf"[\s-]+(?:(?:straight|consecutive|full|more|long|additional|extra)\s+)?(?P<unit>{unit})s?{e}"
                    rf"|{b}(?:over\s+)?the\s+(?:past|last|previous)\s+(?:(?:several|few|couple of|many)\s+)?(?P<unit2>{unit})s?{e}"
                    rf"|{b}(?:for|within|over)\s+(?:hours|days|weeks|months|years|decades){e}",
                    ci,
                ),
            ),
        ]


@cache
def _rules(path: str | None) -> DateRules:
    return DateRules(load_rules(path, DEFAULT_RULES))


def _shift_year(ref: dt.date, month: int, day: int | None, tense: str) -> int:
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


def _valid(year: int, month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]


def _iso(year: int, month: int | None = None, day: int | None = None) -> str:
    if month is None:
        return f"{year:04d}"
    if day is None:
        return f"{year:04d}-{month:02d}"
    return f"{year:04d}-{month:02d}-{day:02d}"


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> dt.date:
    days = [
        d
        for d in range(1, calendar.monthrange(year, month)[1] + 1)
        if dt.date(year, month, d).weekday() == weekday
    ]
    return dt.date(year, month, days[nth - 1] if nth > 0 else days[nth])


class _Tense:
    """Past / future / neutral for the clause a date sits in, from the dependency parse."""

    def __init__(self, rules: DateRules) -> None:
        self.rules = rules

    def of(self, span: Span | None) -> str:
        if span is None or len(span) == 0:
            return NEUTRAL
        token: Token = span.root
        infinitive = False
        for _ in range(10):
            if token.lower_ in self.rules.past_markers and token.pos_ in ("ADP", "SCONJ", "ADV"):
                return PAST
            if (
                token.lower_ in self.rules.end_preps
                and token.head.lemma_.lower() in self.rules.extension_verbs
            ):
                return FUTURE  # "extended the contract until Jan. 15": the new end lies ahead
            if token.pos_ in ("VERB", "AUX") and token.i not in range(span.start, span.end):
                verdict = self._verb(token)
                if verdict == INFINITIVE:
                    infinitive = True
                elif verdict is not None:
                    return verdict
            if token.head.i == token.i:
                if token.pos_ == "NOUN" and token.lemma_.lower() in self.rules.present_future_verbs:
                    return FUTURE  # the small model reads "Talks resume Monday" as a noun phrase
                break
            token = token.head
        # a bare infinitive nobody governs is a headline's future: "Studios to meet Friday"
        return FUTURE if infinitive else NEUTRAL

    def _verb(self, verb: Token) -> str | None:
        auxes = [c for c in verb.children if c.dep_ in ("aux", "auxpass")]
        if verb.dep_ == "conj":
            auxes += [c for c in verb.head.children if c.dep_ in ("aux", "auxpass")]
        if any(a.lower_ in _FUTURE_AUX for a in auxes):
            return FUTURE
        tag = verb.tag_
        past_form = tag == "VBD" or any(a.tag_ == "VBD" or a.lower_ == "had" for a in auxes)
        lemma = verb.lemma_.lower()
        if lemma == "go":
            if tag == "VBG" and any(a.lemma_ == "be" for a in auxes):
                return NEUTRAL if past_form else FUTURE  # "are going back to the table on Tuesday"
        elif lemma in self.rules.future_verbs:
            # "expected to meet Friday" looks ahead from now; "expected a reply Sunday" from then
            return NEUTRAL if past_form else FUTURE
        if any(a.lower_ == "to" for a in auxes):
            return INFINITIVE  # the governing verb decides
        if tag == "VBD" or (
            tag == "VBN" and (auxes or verb.dep_ in ("acl", "relcl", "advcl", "ROOT"))
        ):
            return PAST
        if tag == "VBG":
            if any(a.lemma_ == "be" and a.tag_ in ("VBZ", "VBP") for a in auxes):
                return FUTURE
            return None
        if tag in ("VBZ", "VBP"):
            # present tense: "talks resume Monday" is ahead, "the news follows Wednesday's" is not
            return FUTURE if lemma in self.rules.present_future_verbs else NEUTRAL
        return None


def find_dates(
    sent: Span,
    published: dt.date | None,
    anchor: dt.date | None = None,
    rules_path: str | None = None,
) -> list[DateMention]:
    """All date expressions of ``sent``, resolved; see the module docstring for the rules."""
    rules = _rules(rules_path)
    text = sent.text
    candidates: list[tuple[int, int, str, re.Match[str]]] = []
    for name, pattern in rules.patterns:
        for m in pattern.finditer(text):
            if m.end() > m.start():
                candidates.append((m.start(), m.end(), name, m))
    candidates.sort(key=lambda c: (c[0], -(c[1] - c[0])))
    chosen: list[tuple[int, int, str, re.Match[str]]] = []
    last_end = -1
    for cand in candidates:
        if cand[0] >= last_end:
            chosen.append(cand)
            last_end = cand[1]
    tense = _Tense(rules)
    doc_offset = sent.start_char
    mentions: list[DateMention] = []
    explicit = []
    for _, _, name, m in chosen:
        year = (
            (m.groupdict().get("year") or m.groupdict().get("year2"))
            if name == "monthday"
            else None
        )
        if year and _valid(int(year), *_month_day(rules, m)):
            explicit.append(dt.date(int(year), *_month_day(rules, m)))
    ref_anchor = anchor
    for start, end, name, m in chosen:
        span = sent.doc.char_span(doc_offset + start, doc_offset + end, alignment_mode="expand")
        mention = _resolve(
            rules, name, m, text, published, ref_anchor, explicit, lambda s=span: tense.of(s), span
        )
        if mention is None:
            continue
        mentions.append(mention)
        if mention.type == "date" and mention.value and len(mention.value) == 10:
            ref_anchor = dt.date.fromisoformat(mention.value)
    return mentions


def _month_day(rules: DateRules, m: re.Match[str]) -> tuple[int, int]:
    groups = m.groupdict()
    mon = groups.get("mon") or groups.get("mon2")
    day = groups.get("day") or groups.get("day2")
    return rules.month_of[mon.lower()], int(day) if day else 0


def _resolve(
    rules: DateRules,
    name: str,
    m: re.Match[str],
    text: str,
    published: dt.date | None,
    anchor: dt.date | None,
    explicit: list[dt.date],
    tense_of: Any,
    span: Span | None,
) -> DateMention | None:
    start, end = m.start(), m.end()
    g = m.groupdict()
    if g.get("year2"):
        g["year"] = g["year2"]

    def mention(
        value: str | None, kind: str = "date", s: int = start, pending: Any = None
    ) -> DateMention:
        return DateMention(s, end, text[s:end], kind, value, f"dates:{name}", pending)

    if name in ("monthday", "week_of"):
        month, day = _month_day(rules, m)
        if g.get("year"):
            year = int(g["year"])
            return mention(_iso(year, month, day) if _valid(year, month, day) else None)
        if not 1 <= day <= 31:
            return None
        ref = published or _nearest(explicit, anchor)
        if ref is None:
            return mention(None, pending=(month, day))
        year = _shift_year(ref, month, day, tense_of() if published else NEUTRAL)
        return mention(_iso(year, month, day) if _valid(year, month, day) else None)
    if name == "month":
        mon_word = g["mon"]
        pre = (g.get("pre") or "").strip().lower()
        if mon_word == "May" and not g.get("year") and not pre:
            before = text[:start].rstrip().rsplit(" ", 1)[-1].lower()
            if before not in (
                "in",
                "of",
                "since",
                "until",
                "by",
                "through",
                "before",
                "after",
                "during",
                "from",
                "to",
                "early",
                "late",
                "mid",
            ):
                return None
        month = rules.month_of[mon_word.lower()]
        s = start
        if g.get("year"):
            return mention(_iso(int(g["year"]), month), s=s)
        ref = published or _nearest(explicit, anchor)
        if ref is None:
            return mention(None, s=s, pending=(month, None))
        direction = (
            PAST if pre.startswith("last") else FUTURE if pre.startswith("next") else tense_of()
        )
        if pre.startswith("this"):
            return mention(_iso(ref.year, month), s=s)
        return mention(_iso(_shift_year(ref, month, None, direction), month), s=s)
    if name == "season":
        rel = (g.get("rel") or "").lower()
        code = rules.season_of[g["season"].lower()]
        if g.get("year"):
            return mention(f"{int(g['year']):04d}-{code}")
        if not rel:
            # a bare season is a date only after a preposition of time ("by summer")
            before = text[: m.start()].rstrip().rsplit(" ", 1)[-1].lower()
            if before not in rules.season_preps:
                return None
            rel = "the"
        if published is None:
            return mention(None)
        year = published.year + (1 if rel == "next" else -1 if rel == "last" else 0)
        if rel in ("the", "early", "late", "mid"):
            season_month = {"SP": 4, "SU": 7, "FA": 10, "WI": 1}[code]
            year = _shift_year(published, season_month, None, tense_of())
        return mention(f"{year:04d}-{code}")
    if name == "holiday":
        hol = g["hol"].lower()
        ref = published or _nearest(explicit, anchor)
        if ref is None:
            return mention(None)
        if hol in rules.fixed:
            month, day = rules.fixed[hol]
            year = _shift_year(ref, month, day, tense_of() if published else NEUTRAL)
            return mention(_iso(year, month, day))
        month, weekday, nth = rules.moving[hol]
        year = _shift_year(ref, month, 15, tense_of() if published else NEUTRAL)
        return mention(_nth_weekday(year, month, weekday, nth).isoformat())
    if name == "year":
        return mention(g["year"])
    if name == "weekday":
        if published is None:
            return mention(None)
        target = rules.weekday_of[g["wd"].lower()]
        rel = (g.get("rel") or "").lower()
        direction = (
            PAST
            if rel in ("last", "this past", "past")
            else FUTURE
            if rel in ("next", "this coming", "coming")
            else tense_of()
        )
        if direction == FUTURE:
            delta = (target - published.weekday()) % 7 or (7 if rel == "next" else 0)
            return mention((published + dt.timedelta(days=delta)).isoformat())
        delta = (published.weekday() - target) % 7 or (7 if rel == "last" else 0)
        return mention((published - dt.timedelta(days=delta)).isoformat())
    if name == "relday":
        if text[max(0, start - 4) : start] == "the " and m.group(0)[0].isupper():
            return None  # "the Today show"
        if published is None:
            return mention(None)
        shift = {"yesterday": -1, "tomorrow": 1}.get(g["rel"].lower(), 0)
        return mention((published + dt.timedelta(days=shift)).isoformat())
    if name == "anchored":
        base = anchor
        if base is None:
            return mention(None)
        if g.get("dir3"):
            n = _number(rules, g["n"]) or 1
            shift = n if g["dir3"].lower() == "later" else -n
        else:
            word = (g.get("dir") or g.get("dir2") or "").lower()
            shift = -1 if word in ("before", "previous") else 1
        return mention((base + dt.timedelta(days=shift)).isoformat())
    if name == "ago":
        n = _number(rules, g["n"])
        unit = g["unit"].lower()
        if published is None or n is None or g.get("mod") or unit in ("week", "hour", "decade"):
            return mention(None)
        if unit == "day":
            return mention((published - dt.timedelta(days=n)).isoformat())
        if unit == "month":
            total = published.year * 12 + published.month - 1 - n
            return mention(_iso(total // 12, total % 12 + 1))
        return mention(_iso(published.year - n))
    if name == "set":
        if (
            span is not None
            and span[0].lower_ in ("daily", "weekly", "nightly")
            and span[0].pos_ == "ADJ"
        ):
            return None
        return mention(None, "set")
    if name == "period":
        unit = (g.get("unit") or g.get("unit2") or g.get("unit3") or "").lower()
        rel = (g.get("rel") or "this").lower()
        if unit in ("week", "weekend") or published is None:
            return mention(None)
        step = {"last": -1, "this past": -1, "next": 1, "this coming": 1}.get(rel, 0)
        if unit == "month":
            total = published.year * 12 + published.month - 1 + step
            return mention(_iso(total // 12, total % 12 + 1))
        return mention(_iso(published.year + step))
    if name == "vague":
        return mention(None)
    if name == "duration":
        s = start
        prep = g.get("prep")
        if prep and g.get("the") and not prep.lower().startswith("over"):
            s = start + len(prep)
        return DateMention(s, end, text[s:end], "duration", None, "dates:duration")
    return None


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


def resolve_dates(
    sent_span: Span, published: dt.date | None, anchor: dt.date | None = None
) -> list[dict[str, Any]]:
    """``[{text, value, type}]`` for one sentence: the clean entry point for benchmarks.

    ``anchor`` is the last full date of the preceding text, for "the day before" and, on undated
    pages, for month-days given without a year.
    """
    return [m.as_dict() for m in find_dates(sent_span, published, anchor)]


class DatesComponent:
    """Fills ``dates`` on every record; carries the anchor date from sentence to sentence."""

    def __init__(self, rules_path: str | Path | None = None) -> None:
        register_extensions()
        self.rules_path = str(rules_path) if rules_path else None
        _rules(self.rules_path)  # fail on a broken rule file at load time, not mid-run

    def __call__(self, doc: Doc) -> Doc:
        published = doc._.tw_published
        anchor: dt.date | None = doc._.tw_anchor
        pending: list[tuple[int, int, tuple[int, int | None]]] = []
        for record, span in sentence_pairs(doc):
            mentions = find_dates(span, published, anchor, self.rules_path)
            base = span.start_char
            for mention in mentions:
                record["dates"].append(mention.as_dict())
                if mention.pending is not None:
                    pending.append(
                        (record["sent_index"], len(record["dates"]) - 1, mention.pending)
                    )
                add_evidence(
                    record,
                    "dates",
                    mention.value,
                    mention.text,
                    base + mention.start,
                    base + mention.end,
                    mention.rule,
                )
                if mention.type == "date" and mention.value and len(mention.value) == 10:
                    anchor = dt.date.fromisoformat(mention.value)
        if pending:
            context = doc._.tw_context if doc._.tw_context is not None else {}
            context[PENDING_KEY] = pending
            doc._.tw_context = context
        return doc


@Language.factory("tablewatch_dates", default_config={"rules_path": None})
def make_dates(nlp: Language, name: str, rules_path: str | None) -> DatesComponent:
    return DatesComponent(rules_path)
