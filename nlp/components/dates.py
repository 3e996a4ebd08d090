"""``tablewatch_dates``: find date expressions in a sentence and resolve them to calendar values.

Patterns are regular expressions assembled from the vocabulary in ``nlp/config/dates.yaml`` and run
over the sentence text (so every ``text`` is verbatim). Each match goes to the resolver its pattern
is mapped to in that file (``nlp/components/date_resolvers.py``). Resolution follows the guidelines:
relative expressions resolve against the publication date, anchored ones ("the day before")
against the last full date before them, weekdays backwards unless the clause is about the future
(tense read from the dependency parse), months without a year towards the tense, weeks and vague
spans to ``null``, durations and sets always ``null``. On undated pages a month-day without a year
is left for the negotiation component, which knows the negotiation's window.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from kernel.errors import ConfigError
from nlp.components.date_resolvers import (
    CURRENT,
    FUTURE,
    NEUTRAL,
    PAST,
    RESOLVERS,
    TENSE,
    DateMention,
    Found,
    month_day,
    valid,
)
from nlp.extensions import add_evidence, register_extensions, sentence_pairs
from nlp.rules import load_rules, str_list

__all__ = ["PENDING_KEY", "DateMention", "DateRules", "find_dates", "resolve_dates"]

DEFAULT_RULES = "dates.yaml"
INFINITIVE = "infinitive"
#: key in ``doc._.tw_context`` listing month-days whose year only the negotiation can tell
PENDING_KEY = "dates_pending_year"


def _alt(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


def _table(
    rules: dict[str, Any], key: str, where: str, names: Iterable[str] = (), numbers: bool = True
) -> dict[str, Any]:
    """One ``word: value`` table of the resolvers, keys lower-cased; values whole numbers (when
    ``numbers``) or one of ``names``, so a typo fails at load time rather than resolving wrongly."""
    table = rules.get(key)
    if not isinstance(table, dict) or not table:
        raise ConfigError(f"{where}: '{key}' must be a non-empty mapping")
    names = set(names)
    out: dict[str, Any] = {}
    for word, value in table.items():
        number = isinstance(value, int) and not isinstance(value, bool)
        if not ((numbers and number) or (isinstance(value, str) and value in names)):
            allowed = [*(["a whole number"] if numbers else []), *sorted(names)]
            raise ConfigError(
                f"{where}: '{key}.{word}' must be {' or '.join(allowed)}, got {value!r}"
            )
        out[str(word).lower()] = value
    return out


def _words(rules: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    words = str_list(rules.get(key), f"{where}: '{key}'")
    if not words:
        raise ConfigError(f"{where}: '{key}' must list at least one word")
    return words


class DateRules:
    """Compiled patterns and lookup tables of one ``dates.yaml``."""

    def __init__(self, rules: dict[str, Any], where: str = DEFAULT_RULES) -> None:
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
        self.future_auxiliaries = {w.lower() for w in _words(rules, "future_auxiliaries", where)}
        # what the resolvers look at (nlp/components/date_resolvers.py)
        self.ambiguous_months = set(_words(rules, "ambiguous_months", where))
        self.ambiguous_month_preps = {
            w.lower() for w in _words(rules, "ambiguous_month_preps", where)
        }
        self.month_relatives = _table(
            rules, "month_relatives", where, {PAST, FUTURE, CURRENT}, numbers=False
        )
        self.weekday_relatives = _table(
            rules, "weekday_relatives", where, {PAST, FUTURE, TENSE}, numbers=False
        )
        self.weekday_strict_relatives = {
            w.lower() for w in _words(rules, "weekday_strict_relatives", where)
        }
        self.season_relatives = _table(rules, "season_relatives", where, {TENSE})
        season_months = _table(rules, "season_months", where)
        self.season_months = {code.upper(): month for code, month in season_months.items()}
        self.relative_days = _table(rules, "relative_days", where)
        anchor = rules.get("anchor_shifts") or {}
        self.anchor_shifts = {
            k: _table(anchor, k, f"{where}: 'anchor_shifts'")
            for k in ("before_after", "relative", "counted")
        }
        self.period_relatives = _table(rules, "period_relatives", where)
        self.frequency_words = {w.lower() for w in _words(rules, "frequency_words", where)}
        self.duration_kept_preps = {w.lower() for w in _words(rules, "duration_kept_preps", where)}
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
        month_rel = _alt(self.month_relatives)
        shift_words = {k: _alt(v) for k, v in self.anchor_shifts.items()}
        duration_preps = _alt(_words(rules, "duration_preps", where))
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
                    rf"|(?:early|late|mid)[-\s]|(?:{month_rel}|(?i:{month_rel})\s+)\s*)?"
                    rf"(?P<mon>{mon})(?:,?\s+(?:of\s+)?{year})?{e}"
                ),
            ),
            (
                "season",
                re.compile(
                    rf"{b}(?:(?P<rel>{_alt(self.season_relatives)})[-\s]+)?(?P<season>{seasons})"
                    rf"(?:\s+(?:of\s+)?{year})?{e}",
                    ci,
                ),
            ),
            ("holiday", re.compile(rf"{b}(?P<hol>{holidays}){e}", ci)),
            ("year", re.compile(rf"(?<![\w$.,/#-]){year}(?!-\d|,\d|\.\d)")),
            (
                "weekday",
                re.compile(
                    rf"{b}(?:(?P<rel>(?i:{_alt(self.weekday_relatives)}))\s+)?(?P<wd>{wd})"
                    rf"(?:\s+(?P<part>{parts}))?{e}"
                ),
            ),
            (
                "relday",
                re.compile(
                    rf"{b}(?P<rel>{_alt(self.relative_days)}){e}",
                    ci,
                ),
            ),
            (
                "anchored",
                re.compile(
                    rf"{b}(?:(?:the\s+)?(?P<kind>day|night|evening|morning)\s+(?P<dir>{shift_words['before_after']})"
                    rf"|the\s+(?P<dir2>{shift_words['relative']})\s+(?:day|night|morning|evening)"
                    rf"|(?P<n>{num}|a|one)\s+days?\s+(?P<dir3>{shift_words['counted']}))(?=\s*(?:[,.;:!?)\"”]|$|and\b|when\b))",
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
                    rf"|{_alt(self.frequency_words)}|around the clock){e}",
                    ci,
                ),
            ),
            (
                "period",
                re.compile(
                    rf"{b}(?:(?P<pre>earlier|later|late|early)\s+)?(?P<rel>{_alt(self.period_relatives)})\s+(?P<unit>week|weekend|month|year){e}"
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
                    rf"{b}(?P<prep>(?:{duration_preps})\s+)?(?:(?P<the>the\s+(?:past|last|previous|first|final|next)\s+))?"
                    rf"(?:(?:{mods})\s+)?(?:(?P<n>{num}|{vague})|(?<=for )an?|(?<=over )an?|(?<=within )an?)"
                    rf"[\s-]+(?:(?:straight|consecutive|full|more|long|additional|extra)\s+)?(?P<unit>{unit})s?{e}"
                    rf"|{b}(?:over\s+)?the\s+(?:past|last|previous)\s+(?:(?:several|few|couple of|many)\s+)?(?P<unit2>{unit})s?{e}"
                    rf"|{b}(?:for|within|over)\s+(?:hours|days|weeks|months|years|decades){e}",
                    ci,
                ),
            ),
        ]
        self.resolver_of = _resolver_map(rules, [name for name, _ in self.patterns], where)


def _resolver_map(rules: dict[str, Any], patterns: list[str], where: str) -> dict[str, str]:
    """``resolvers:`` of dates.yaml, checked: every pattern has one, every name is registered."""
    table = rules.get("resolvers")
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: 'resolvers' must map each date pattern to a resolver")
    missing = [name for name in patterns if name not in table]
    unknown = [name for name in table if name not in patterns]
    if missing or unknown:
        raise ConfigError(
            f"{where}: 'resolvers' must name exactly the date patterns {patterns}"
            f" (missing {missing}, unknown {unknown})"
        )
    bad = {name: kind for name, kind in table.items() if kind not in RESOLVERS}
    if bad:
        raise ConfigError(
            f"{where}: 'resolvers' names no such resolver: {bad} (known: {sorted(RESOLVERS)})"
        )
    return dict(table)


@cache
def _rules(path: str | None) -> DateRules:
    return DateRules(load_rules(path, DEFAULT_RULES), path or DEFAULT_RULES)


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
        if any(a.lower_ in self.rules.future_auxiliaries for a in auxes):
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
        if year and valid(int(year), *month_day(rules, m)):
            explicit.append(dt.date(int(year), *month_day(rules, m)))
    ref_anchor = anchor
    for start, end, name, m in chosen:
        span = sent.doc.char_span(doc_offset + start, doc_offset + end, alignment_mode="expand")
        found = Found(
            rules,
            name,
            m,
            _groups(m),
            text,
            published,
            ref_anchor,
            explicit,
            _lazy(tense, span),
            span,
        )
        mention = _resolve(found)
        if mention is None:
            continue
        mentions.append(mention)
        if mention.type == "date" and mention.value and len(mention.value) == 10:
            ref_anchor = dt.date.fromisoformat(mention.value)
    return mentions


def _groups(m: re.Match[str]) -> dict[str, str | None]:
    groups = m.groupdict()
    if groups.get("year2"):
        groups["year"] = groups["year2"]  # the "14 July 2023" order names its year apart
    return groups


def _lazy(tense: _Tense, span: Span | None) -> Callable[[], str]:
    """The tense of ``span`` when a resolver asks: most dates never need the parse read."""
    return lambda: tense.of(span)


def _resolve(found: Found) -> DateMention | None:
    """A lookup of the match's resolver (``resolvers:`` in dates.yaml) and a call."""
    return RESOLVERS[found.rules.resolver_of[found.name]](found)


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
