"""Doc extensions shared by every Tablewatch component (the contract in docs/interfaces.md).

Components never talk to each other directly: each reads and writes ``doc._.tw_sentences``, one dict
per ``doc.sents`` with the keys of the annotate output contract. Registering here, once and with
``force=False`` semantics, lets any component module be imported alone (tests, C2's components)
without caring which one ran first.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from typing import Any

import srsly
from spacy.tokens import Doc, Span

#: default value of every output field before a component fills it
SENTENCE_DEFAULTS: dict[str, Any] = {
    "negotiation": None,
    "issues": [],
    "signal": "none",
    #: probability that ``signal`` is right (tablewatch_signal_model); 0.0 = never assessed
    "signal_confidence": 0.0,
    "tone": 0,
    "tone_score": 0.0,
    "parties": [],
    "speaker": None,
    "dates": [],
    "evidence": [],
}

_EXTENSIONS: dict[str, Any] = {
    "tw_published": None,  # datetime.date | None, set by the caller before the pipeline runs
    "tw_anchor": None,  # datetime.date | None, reference date when the page shows none (optional)
    "tw_sentences": None,  # list[dict] | None, created by ensure_sentences()
    "tw_context": None,  # dict | None, article-level facts shared by components (e.g. the guild)
}


_DATE_KEY = "__tw_date__"


def _encode_date(obj: Any, chain: Any = None) -> Any:
    if isinstance(obj, dt.date):
        return {_DATE_KEY: obj.isoformat()}
    return obj if chain is None else chain(obj)


def _decode_date(obj: Any, chain: Any = None) -> Any:
    if isinstance(obj, dict) and _DATE_KEY in obj:
        return dt.date.fromisoformat(obj[_DATE_KEY])
    return obj if chain is None else chain(obj)


def register_extensions() -> None:
    """Register the ``tw_*`` Doc extensions; safe to call any number of times.

    Also teaches spaCy's msgpack to carry ``datetime.date`` (``tw_published``), which
    ``nlp.pipe(n_process=2)`` needs to ship Docs between processes.
    """
    for name, default in _EXTENSIONS.items():
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=default)
    if "tablewatch_date" not in srsly.msgpack_encoders.get_all():
        srsly.msgpack_encoders.register("tablewatch_date", func=_encode_date)
        srsly.msgpack_decoders.register("tablewatch_date", func=_decode_date)


def new_sentence_record(doc: Doc, index: int, start: int, end: int) -> dict[str, Any]:
    """One fresh output record; lists are copied so records never share state."""
    record: dict[str, Any] = {
        "sent_index": index,
        "sentence": doc.text[start:end],
        "start": start,
        "end": end,
    }
    for key, value in SENTENCE_DEFAULTS.items():
        record[key] = list(value) if isinstance(value, list) else value
    return record


def _trimmed(doc: Doc, sent: Span) -> tuple[int, int]:
    text = doc.text
    start, end = sent.start_char, sent.end_char
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _continues(text: str, prev_end: int, start: int) -> bool:
    """True when the parser split inside a sentence: ``"We got a deal!" the union said``.

    A sentence never starts with a lower-case word, so such a piece is glued back to the previous
    one, unless a line break separates them (a new paragraph is a new sentence).
    """
    if "\n" in text[prev_end:start]:
        return False
    for ch in text[start : start + 8]:
        if ch.isalnum():
            return ch.islower()
    return False


def ensure_sentences(doc: Doc) -> list[dict[str, Any]]:
    """Return ``doc._.tw_sentences``, creating one record per non-blank ``doc.sents`` on first use.

    Every component calls this instead of assuming an order, so a component can run alone in a test
    or in a pipeline missing some of its siblings. Offsets are character offsets into ``doc.text``,
    trimmed of surrounding whitespace; whitespace-only "sentences" (paragraph breaks) get no record
    and pieces the parser cut off mid-sentence (see ``_continues``) or punctuation-only pieces (a
    closing quote) are joined back.
    """
    register_extensions()
    records = doc._.tw_sentences
    if records is None:
        bounds: list[tuple[int, int]] = []
        text = doc.text
        carry: int | None = None  # start of a punctuation-only piece waiting for its sentence
        for sent in doc.sents:
            start, end = _trimmed(doc, sent)
            if end <= start:
                continue
            bare = not any(ch.isalnum() for ch in text[start:end])
            if (
                bounds
                and (bare or _continues(text, bounds[-1][1], start))
                and "\n" not in text[bounds[-1][1] : start]
            ):
                bounds[-1] = (bounds[-1][0], end)  # a closing quote or a mid-sentence cut
            elif bare:
                carry = start if carry is None else carry
            else:
                bounds.append((start if carry is None else carry, end))
                carry = None
        if carry is not None:
            bounds.append((carry, len(text.rstrip())))
        records = [new_sentence_record(doc, i, s, e) for i, (s, e) in enumerate(bounds)]
        doc._.tw_sentences = records
    return records


def sentence_pairs(doc: Doc) -> list[tuple[dict[str, Any], Span]]:
    """Each record with its Span (token-aligned, whitespace trimmed): what components iterate."""
    pairs = []
    for record in ensure_sentences(doc):
        span = doc.char_span(record["start"], record["end"], alignment_mode="expand")
        if span is not None:
            pairs.append((record, span))
    return pairs


def add_evidence(
    record: dict[str, Any],
    field: str,
    label: Any,
    text: str,
    start: int,
    end: int,
    rule: str,
) -> None:
    """Append why ``label`` was given to ``field``.

    ``start``/``end`` are character offsets into the document text (not the sentence), so evidence
    can be highlighted in the article without knowing the sentence's position.
    """
    record["evidence"].append(
        {"field": field, "label": label, "text": text, "start": start, "end": end, "rule": rule}
    )


register_extensions()


class RecordLocator:
    """Finds the sentence record that holds a token or character offset (matches -> sentences).

    Components match over the whole Doc once (much faster than per sentence) and then file each
    match under its sentence with a binary search.
    """

    def __init__(self, doc: Doc) -> None:
        self.pairs = sentence_pairs(doc)
        self._token_starts = [span.start for _, span in self.pairs]
        self._token_ends = [span.end for _, span in self.pairs]

    def by_token(self, i: int) -> int | None:
        """Index into ``pairs`` of the sentence containing token ``i``, or None (whitespace)."""
        pos = bisect_right(self._token_starts, i) - 1
        if pos >= 0 and i < self._token_ends[pos]:
            return pos
        return None
