"""``tablewatch_negotiation``: which watched negotiation each sentence is about.

Evidence per sentence: watchlist aliases named in it (strong, when only one negotiation lists the
alias), the parties it names (a union is specific, the studio side is shared by many
negotiations, so it counts little), all limited to negotiations whose window covers the article's
date. The article's dominant negotiation (its lede counts ``LEAD_WEIGHT`` times) is the subject
of every sentence that names none, and of every sentence that only names a union the two share
("SAG-AFTRA's board" in an article about the video-game strike); an article with no evidence at
all gets ``null`` everywhere. Undated pages weigh the dates the article itself mentions, and
month-days that the dates component could not give a year get the year that puts them inside
the chosen negotiation's window."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from kernel.watchlist import Negotiation, load_watchlist
from nlp.components.dates import PENDING_KEY, _rules
from nlp.components.parties import JOINT_KEY, UNIONS, UNRESOLVED_KEY
from nlp.extensions import RecordLocator, add_evidence, register_extensions

ALIAS_WEIGHT = 2.0
UNION_WEIGHT = 1.5
SHARED_WEIGHT = 0.25
#: the headline or lede (the first sentence naming a negotiation) states the article's subject
LEAD_WEIGHT = 3.0
#: per distinct date of an undated article inside a negotiation's window (under one alias)
VOTE_WEIGHT = 0.5
SHARED_PARTIES = {"amptp", "studios"}
#: parties that say nothing about which negotiation it is (politicians, mediators, analysts)
IGNORED_PARTIES = {"other"}


def _anchor_weekdays(records: list[dict[str, Any]]) -> None:
    """On an undated page a bare weekday has no publication date to count from, but a full date
    before it in the same sentence anchors it ("On Wednesday, November 8, SAG-AFTRA announced
    that the strike would end on Thursday"; "Feb. 9 - SAG-AFTRA opened talks Monday"): it is
    that weekday nearest the anchor (the guidelines' anchored dates)."""
    weekdays = _rules(None).weekday_of
    for record in records:
        anchor: dt.date | None = None
        for date in record["dates"]:
            value = date["value"]
            if value and len(value) == 10:
                anchor = dt.date.fromisoformat(value)
                continue
            words = date["text"].lower().split()
            if value or anchor is None or not words or words[0] not in weekdays or len(words) > 2:
                continue
            delta = (weekdays[words[0]] - anchor.weekday()) % 7
            day = anchor + dt.timedelta(days=delta if delta <= 3 else delta - 7)
            date["value"] = day.isoformat()
            for item in record["evidence"]:
                if item["field"] == "dates" and item["text"] == date["text"] and not item["label"]:
                    item["label"] = date["value"]
                    item["rule"] += "+anchor_weekday"


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

    def _candidates(
        self, doc: Doc, records: list[dict[str, Any]]
    ) -> tuple[set[str], dict[str, int]]:
        """Negotiations the article may be about, and how many of its dates fall in each window.

        A dated article: the windows covering its date. An undated one: every negotiation, each
        with the number of the article's dates inside its window; the votes weigh in
        (``VOTE_WEIGHT``) but do not rule, since an article about one negotiation often dates the
        one before or after it ("the contract ratified in 2023 expires June 30, 2026")."""
        published = doc._.tw_published
        if published is not None:
            return {n.id for n in self.negotiations.values() if n.covers(published)}, {}
        votes: dict[str, int] = defaultdict(int)
        values = {date["value"] for record in records for date in record["dates"] if date["value"]}
        for value in values:
            span = _date_range(value)
            if span is None:
                continue
            for neg in self.negotiations.values():
                if span[0] <= neg.end and neg.start <= span[1]:
                    votes[neg.id] += 1
        return set(self.negotiations), dict(votes)

    def __call__(self, doc: Doc) -> Doc:
        locator = RecordLocator(doc)
        if not locator.pairs:
            return doc
        records = [record for record, _ in locator.pairs]
        allowed, votes = self._candidates(doc, records)
        scores: list[dict[str, float]] = [defaultdict(float) for _ in records]
        hits: list[dict[str, list[tuple[str, int, int]]]] = [defaultdict(list) for _ in records]
        claims = self._claims(doc, locator, allowed)
        for (start, end), (pos, text, named) in claims.items():
            if len(named) != 1:
                continue
            (nid,) = named
            if not hits[pos][nid]:
                scores[pos][nid] += ALIAS_WEIGHT
            hits[pos][nid].append((text, start, end))
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
            {nid: v for nid, v in own.items() if v > SHARED_WEIGHT * 2 or hits[pos].get(nid)}
            for pos, own in enumerate(scores)
        ]
        lead = next((pos for pos, strong in enumerate(strong_by_sentence) if strong), None)
        for pos, strong in enumerate(strong_by_sentence):
            for nid, value in strong.items():
                article[nid] += value * (LEAD_WEIGHT if pos == lead else 1.0)
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
        for nid, count in votes.items():
            if nid in article:
                article[nid] += VOTE_WEIGHT * count
        order = list(self.negotiations)
        dominant = max(
            article, key=lambda nid: (article[nid], votes.get(nid, 0), -order.index(nid))
        )
        text = doc.text
        for pos, record in enumerate(records):
            strong = strong_by_sentence[pos]
            if strong:
                # on a tie the negotiation named first in the sentence (its subject) wins
                nid = max(
                    strong,
                    key=lambda n: (
                        strong[n] + scores[pos][n],
                        article[n],
                        -self._first_mention(n, record, hits[pos].get(n, ()), len(text)),
                        -order.index(n),
                    ),
                )
                if nid != dominant and dominant in scores[pos]:
                    if not self._distinctive(nid, dominant, record, hits[pos].get(nid, ())):
                        nid = dominant
                found = hits[pos].get(nid)
                if found:
                    add_evidence(record, "negotiation", nid, *found[0], "negotiation:alias")
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
                nid = dominant
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
        if doc._.tw_published is None:
            _anchor_weekdays(records)
        if not weak_only:
            self._fill_generic_unions(doc, records)
        self._employer_side(records)
        return doc

    def _claims(
        self, doc: Doc, locator: RecordLocator, allowed: set[str]
    ) -> dict[tuple[int, int], tuple[int, str, set[str]]]:
        """Alias spans -> (sentence, text, the allowed negotiations listing the span as an alias).

        Only a span one negotiation alone claims says which negotiation it is: "SAG-AFTRA" in an
        undated article is an alias of the 2023 and the 2026 TV contracts alike, so it names the
        union (its party weight counts that), while "Sean Astin" or "the 118-day strike" name one.
        """
        out: dict[tuple[int, int], tuple[int, str, set[str]]] = {}
        for span in self.aliases(doc, as_spans=True):
            pos = locator.by_token(span.start)
            if pos is None or span.label_ not in allowed:
                continue
            key = (span.start_char, span.end_char)
            entry = out.setdefault(key, (pos, span.text, set()))
            entry[2].add(span.label_)
        return out

    def _first_mention(self, nid: str, record: dict[str, Any], found: Any, default: int) -> int:
        """Offset of the first alias or union of ``nid`` in the sentence (its subject comes first:
        "The actors began striking on July 14, joining forces with the writers")."""
        parties = self.negotiations[nid].parties
        starts = [h[1] for h in found]
        starts += [
            e["start"]
            for e in record["evidence"]
            if e["field"] == "parties" and e["label"] in UNIONS and e["label"] in parties
        ]
        return min(starts, default=default)

    def _distinctive(self, nid: str, dominant: str, record: dict[str, Any], found: Any) -> bool:
        """Whether a sentence names ``nid`` as itself (an alias only it claims, or a union the
        article's own negotiation does not have), not just a union the two share: "SAG-AFTRA's
        board" in an article about the video-game strike is that strike."""
        if found:
            return True
        own = set(self.negotiations[dominant].parties)
        return any(
            p in UNIONS and p not in own and p in self.negotiations[nid].parties
            for p in record["parties"]
        )

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
        alias or a union named it, not a guess from the studio side alone); "both sides" and "the
        parties" are its union and its employer side (the first other party the watchlist lists)."""
        context = doc._.tw_context or {}
        for pos, mention, start, end in context.get(JOINT_KEY, ()):
            record = records[pos] if pos < len(records) else None
            if record is None or record["negotiation"] is None:
                continue
            parties = self.negotiations[record["negotiation"]].parties
            unions = [p for p in parties if p in UNIONS]
            employer = [p for p in parties if p not in UNIONS][:1]
            for label in [*unions, *employer]:
                if label not in record["parties"]:
                    record["parties"].append(label)
                add_evidence(
                    record, "parties", label, mention, start, end, "parties:joint_sides+negotiation"
                )
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
        """Years for month-days the dates component left pending (undated pages): the year that
        puts the day inside the sentence's negotiation window; when the window spans two
        candidate years, the year of a milestone on that day ("the strike begins July 26"), else
        the year most of the article's own resolved dates in that window fall in."""
        context = doc._.tw_context or {}
        article_years: dict[int, int] = defaultdict(int)
        for record in records:
            for date in record["dates"]:
                span = _date_range(date["value"]) if date["value"] else None
                if span is not None and span[0].year == span[1].year:
                    article_years[span[0].year] += 1
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
            if len(years) > 1:
                on_milestone = [
                    y
                    for y in years
                    if any(
                        (m.date.year, m.date.month) == (y, month) and (not day or m.date.day == day)
                        for m in neg.milestones
                    )
                ]
                ranked = sorted(years, key=lambda y: article_years.get(y, 0), reverse=True)
                if len(on_milestone) == 1:
                    years = on_milestone
                elif article_years.get(ranked[0], 0) > article_years.get(ranked[1], 0):
                    years = ranked[:1]
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
