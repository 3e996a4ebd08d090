"""``tablewatch_negotiation``: which watched negotiation each sentence is about.

Evidence per sentence: watchlist aliases named in it (strong), the parties it names (a union is
specific, the studio side is shared by many negotiations, so it counts little), all limited to
negotiations whose window covers the article's date. Sentences without evidence inherit the
negotiation last named in their paragraph, else the article's dominant one; an article with no
evidence at all gets ``null`` everywhere. Undated pages use the dates the article itself mentions
to pick between windows, and month-days that the dates component could not give a year get the
year that puts them inside the chosen negotiation's window.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from kernel.watchlist import Negotiation, load_watchlist
from nlp.components.dates import PENDING_KEY
from nlp.components.parties import UNIONS, UNRESOLVED_KEY
from nlp.extensions import RecordLocator, add_evidence, register_extensions

ALIAS_WEIGHT = 2.0
UNION_WEIGHT = 1.5
SHARED_WEIGHT = 0.25
SHARED_PARTIES = {"amptp", "studios"}
#: parties that say nothing about which negotiation it is (politicians, mediators, analysts)
IGNORED_PARTIES = {"other"}


def _date_range(value: str) -> tuple[dt.date, dt.date] | None:
    """The days a resolved date value covers (YYYY, YYYY-MM or YYYY-MM-DD; seasons are skipped)."""
    try:
        if len(value) == 4:
            year = int(value)
            return dt.date(year, 1, 1), dt.date(year, 12, 31)
        if len(value) == 7 and value[5:].isdigit():
            first = dt.date(int(value[:4]), int(value[5:]), 1)
            nxt = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
            return first, nxt - dt.timedelta(days=1)
        if len(value) == 10:
            day = dt.date.fromisoformat(value)
            return day, day
    except ValueError:
        return None
    return None


class NegotiationComponent:
    """Fills ``negotiation`` on every record (and late-resolved years of undated month-days)."""

    def __init__(self, nlp: Language, watchlist_path: str | Path | None = None) -> None:
        register_extensions()
        self.negotiations: dict[str, Negotiation] = {
            n.id: n for n in load_watchlist(watchlist_path)
        }
        self.aliases = PhraseMatcher(nlp.vocab, attr="NORM")
        for neg in self.negotiations.values():
            if neg.aliases:
                self.aliases.add(neg.id, list(nlp.tokenizer.pipe(neg.aliases)))

    def _candidates(self, doc: Doc, records: list[dict[str, Any]]) -> set[str]:
        published = doc._.tw_published
        if published is not None:
            return {n.id for n in self.negotiations.values() if n.covers(published)}
        votes: dict[str, int] = defaultdict(int)
        for record in records:
            for date in record["dates"]:
                span = _date_range(date["value"]) if date["value"] else None
                if span is None:
                    continue
                for neg in self.negotiations.values():
                    if span[0] <= neg.end and neg.start <= span[1]:
                        votes[neg.id] += 1
        if not votes:
            return set(self.negotiations)
        best = max(votes.values())
        return {nid for nid, v in votes.items() if v == best}

    def __call__(self, doc: Doc) -> Doc:
        locator = RecordLocator(doc)
        if not locator.pairs:
            return doc
        records = [record for record, _ in locator.pairs]
        allowed = self._candidates(doc, records)
        scores: list[dict[str, float]] = [defaultdict(float) for _ in records]
        hits: list[dict[str, tuple[str, int, int]]] = [{} for _ in records]
        for span in self.aliases(doc, as_spans=True):
            pos = locator.by_token(span.start)
            if pos is None or span.label_ not in allowed:
                continue
            scores[pos][span.label_] += ALIAS_WEIGHT
            hits[pos].setdefault(span.label_, (span.text, span.start_char, span.end_char))
        for pos, record in enumerate(records):
            for party in record["parties"]:
                if party in IGNORED_PARTIES:
                    continue
                weight = SHARED_WEIGHT if party in SHARED_PARTIES else UNION_WEIGHT
                for nid in allowed:
                    if party in self.negotiations[nid].parties:
                        scores[pos][nid] += weight
        article: dict[str, float] = defaultdict(float)
        strong_by_sentence = [
            {nid: v for nid, v in own.items() if v > SHARED_WEIGHT * 2 or nid in hits[pos]}
            for pos, own in enumerate(scores)
        ]
        for strong in strong_by_sentence:
            for nid, value in strong.items():
                article[nid] += value
        weak_only = not article
        if not article:
            # only shared parties (studios, AMPTP) named: enough only when one negotiation is open
            weak: dict[str, float] = defaultdict(float)
            for own in scores:
                for nid, value in own.items():
                    weak[nid] += value
            ranked = sorted(weak.values(), reverse=True)
            if not ranked or (len(ranked) > 1 and ranked[0] == ranked[1]):
                return doc
            article = weak
        order = list(self.negotiations)
        dominant = max(article, key=lambda nid: (article[nid], -order.index(nid)))
        text = doc.text
        last_named: str | None = None
        for pos, record in enumerate(records):
            if pos and "\n" in text[records[pos - 1]["end"] : record["start"]]:
                last_named = None  # a new paragraph starts over from the article's subject
            strong = strong_by_sentence[pos]
            if strong:
                # on a tie the negotiation named first in the sentence (its subject) wins
                nid = max(
                    strong,
                    key=lambda n: (
                        strong[n] + scores[pos][n],
                        article[n],
                        -hits[pos].get(n, ("", len(text), 0))[1],
                        -order.index(n),
                    ),
                )
                last_named = nid
                evidence = hits[pos].get(nid)
                if evidence:
                    add_evidence(record, "negotiation", nid, *evidence, "negotiation:alias")
                else:
                    add_evidence(
                        record,
                        "negotiation",
                        nid,
                        "",
                        record["start"],
                        record["start"],
                        "negotiation:parties",
                    )
            else:
                nid = last_named or dominant
                add_evidence(
                    record,
                    "negotiation",
                    nid,
                    "",
                    record["start"],
                    record["start"],
                    "negotiation:context",
                )
            record["negotiation"] = nid
        self._fill_years(doc, records)
        if not weak_only:
            self._fill_generic_unions(doc, records)
        self._employer_side(records)
        return doc

    def _employer_side(self, records: list[dict[str, Any]]) -> None:
        """The employers of a negotiation the watchlist lists as ``other`` (game companies facing
        the video-game performers) are not Hollywood studios, however generic the word
        ("the companies", "producers"): their ``studios`` mentions become ``other``."""
        for record in records:
            neg = self.negotiations.get(record["negotiation"] or "")
            if neg is None or "studios" not in record["parties"]:
                continue
            if "other" not in neg.parties or {"studios", "amptp"} & set(neg.parties):
                continue
            record["parties"] = [p for p in record["parties"] if p != "studios"]
            if "other" not in record["parties"]:
                record["parties"].append("other")
            for item in record["evidence"]:
                if item["field"] == "parties" and item["label"] == "studios":
                    item["label"] = "other"
                    item["rule"] += "+negotiation_employer"

    def _fill_generic_unions(self, doc: Doc, records: list[dict[str, Any]]) -> None:
        """ "The union" in an article that names no union is the union of its negotiation (when an
        alias or a union named it, not a guess from the studio side alone)."""
        context = doc._.tw_context or {}
        for pos, mention, start, end in context.get(UNRESOLVED_KEY, ()):
            record = records[pos] if pos < len(records) else None
            if record is None or record["negotiation"] is None:
                continue
            unions = [p for p in self.negotiations[record["negotiation"]].parties if p in UNIONS]
            if len(unions) != 1:
                continue
            if unions[0] not in record["parties"]:
                record["parties"].append(unions[0])
            add_evidence(
                record,
                "parties",
                unions[0],
                mention,
                start,
                end,
                "parties:generic_union+negotiation",
            )

    def _fill_years(self, doc: Doc, records: list[dict[str, Any]]) -> None:
        context = doc._.tw_context or {}
        for sent_index, date_index, (month, day) in context.get(PENDING_KEY, ()):
            record = records[sent_index] if sent_index < len(records) else None
            if record is None or record["negotiation"] is None:
                continue
            neg = self.negotiations[record["negotiation"]]
            years = []
            for year in range(neg.start.year, neg.end.year + 1):
                try:
                    first = dt.date(year, month, day or 1)
                except ValueError:
                    continue
                last = first if day else _date_range(f"{year:04d}-{month:02d}")[1]
                if first <= neg.end and neg.start <= last:
                    years.append(year)
            if len(years) == 1:
                value = f"{years[0]:04d}-{month:02d}" + (f"-{day:02d}" if day else "")
                record["dates"][date_index]["value"] = value
                for item in record["evidence"]:
                    if (
                        item["field"] == "dates"
                        and item["text"] == record["dates"][date_index]["text"]
                    ):
                        item["label"] = value
                        item["rule"] += "+negotiation_window"


@Language.factory("tablewatch_negotiation", default_config={"watchlist_path": None})
def make_negotiation(nlp: Language, name: str, watchlist_path: str | None) -> NegotiationComponent:
    return NegotiationComponent(nlp, watchlist_path)
