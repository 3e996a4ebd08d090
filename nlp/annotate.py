"""The annotate stage: documents in, one labelled record per sentence out (the annotate contract).

Input lines are ``{"id", "text", "published": "YYYY-MM-DD"|null, "url"?}``; output lines follow
``../shared/contracts/annotate-output.schema.json``. Work streams: documents go through
``nlp.pipe`` in batches and every sentence is written as soon as its document is done, so memory
does not grow with the input. A file is validated completely before any NLP work and written
through a temporary file, so a bad line never leaves a half-written output behind.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from kernel.errors import TablewatchError
from kernel.records import SENTENCE_FIELDS
from nlp.extensions import SENTENCE_DEFAULTS, ensure_sentences, register_extensions

log = logging.getLogger(__name__)

#: longest piece of text handed to spaCy at once; longer documents are cut at paragraph breaks
CHUNK_CHARS = 100_000
#: below this share of English stop words (among >= MIN_WORDS words) a text is not English
MIN_STOP_SHARE = 0.12
MIN_WORDS = 20
#: the contract's required keys, then the optional ones this pipeline fills
OUTPUT_KEYS = (*SENTENCE_FIELDS, "signal_confidence", "speaker")


def parse_published(value: Any, where: str = "", warn: bool = True) -> dt.date | None:
    """``YYYY-MM-DD`` (a longer ISO timestamp is cut to its date); anything else counts as undated.

    A bad date is not worth losing the article for: it is annotated as undated (relative dates stay
    null) and a warning names it.
    """
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            pass
    if warn:
        log.warning("%sbad published date %r: treated as undated", where, value)
    return None


def validate_record(record: Any, where: str, warn: bool = True) -> dict[str, Any]:
    """Check one input record; ``where`` names it in the error ("input.jsonl line 7: ")."""
    if not isinstance(record, dict):
        raise TablewatchError(f"{where}expected a JSON object, got {type(record).__name__}")
    doc_id = record.get("id")
    if isinstance(doc_id, int) and not isinstance(doc_id, bool):
        doc_id = str(doc_id)
    if not isinstance(doc_id, str) or not doc_id:
        raise TablewatchError(f"{where}'id' must be a non-empty string")
    text = record.get("text")
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise TablewatchError(f"{where}'text' must be a string or null")
    return {
        "id": doc_id,
        "text": text,
        "published": parse_published(record.get("published"), where, warn),
    }


def split_text(text: str, limit: int) -> list[tuple[int, str]]:
    """``(offset, piece)`` pieces of at most ``limit`` chars, cut at paragraph, line or space breaks."""
    if len(text) <= limit:
        return [(0, text)]
    pieces: list[tuple[int, str]] = []
    start = 0
    while len(text) - start > limit:
        window = text[start : start + limit]
        cut = -1
        for sep in ("\n\n", "\n", ". ", " "):
            found = window.rfind(sep, limit // 2)
            if found > 0:
                cut = found + len(sep)
                break
        if cut <= 0:
            cut = limit
        pieces.append((start, text[start : start + cut]))
        start += cut
    pieces.append((start, text[start:]))
    return pieces


def _is_english(doc: Doc) -> bool:
    words = [t for t in doc if t.is_alpha]
    if len(words) < MIN_WORDS:
        return True
    return sum(t.is_stop for t in words) / len(words) >= MIN_STOP_SHARE


def _docs(
    nlp: Language, records: Iterable[dict[str, Any]], limit: int
) -> Iterator[tuple[Doc, tuple]]:
    for index, raw in enumerate(records):
        record = validate_record(raw, f"record {index}: ")
        text = record["text"]
        if not text.strip():
            continue
        for offset, piece in split_text(text, limit):
            if not piece.strip():
                continue
            doc = nlp.make_doc(piece)
            doc._.tw_published = record["published"]
            yield doc, (record["id"], offset, text)


def _output(
    doc: Doc, doc_id: str, offset: int, text: str, sent_index: int
) -> Iterator[dict[str, Any]]:
    english = _is_english(doc)
    for record in ensure_sentences(doc):
        start, end = record["start"] + offset, record["end"] + offset
        out: dict[str, Any] = {
            "id": doc_id,
            "sent_index": sent_index,
            "sentence": text[start:end],
            "start": start,
            "end": end,
        }
        if english:
            for key in OUTPUT_KEYS[5:]:
                out[key] = record.get(key, SENTENCE_DEFAULTS[key])
            for item in out["evidence"]:
                item["start"] += offset
                item["end"] += offset
        else:
            for key in OUTPUT_KEYS[5:]:
                default = SENTENCE_DEFAULTS[key]
                out[key] = list(default) if isinstance(default, list) else default
            out["evidence"] = [
                {
                    "field": "language",
                    "label": "not_english",
                    "text": "",
                    "start": start,
                    "end": start,
                    "rule": "annotate:stop_word_share",
                }
            ]
        sent_index += 1
        yield out


def annotate_records(
    records: Iterable[dict[str, Any]],
    batch_size: int = 32,
    n_process: int = 1,
    nlp: Language | None = None,
    watchlist_path: str | Path | None = None,
) -> Iterator[dict[str, Any]]:
    """Annotate documents lazily: one output dict per sentence, in input order.

    Empty or whitespace-only texts yield nothing; texts longer than ``CHUNK_CHARS`` are processed
    in pieces whose offsets are mapped back, so ``sentence == text[start:end]`` always holds.
    Non-English texts keep their sentences with default labels and a ``language`` evidence item.
    """
    register_extensions()
    if nlp is None:
        from nlp.pipeline import load_pipeline

        nlp = load_pipeline(watchlist_path)
    limit = max(1000, min(CHUNK_CHARS, nlp.max_length - 1))
    stream = nlp.pipe(
        _docs(nlp, records, limit),
        as_tuples=True,
        batch_size=batch_size,
        n_process=max(1, n_process),
    )
    current: str | None = None
    current_text: str | None = None
    sent_index = 0
    for doc, (doc_id, offset, text) in stream:
        if doc_id != current or text is not current_text or offset == 0:
            current, current_text, sent_index = doc_id, text, 0
        for out in _output(doc, doc_id, offset, text, sent_index):
            sent_index += 1
            yield out


def read_input(input_path: str | Path, warn: bool = True) -> Iterator[dict[str, Any]]:
    """Records of a JSONL file, validated; blank lines are skipped."""
    path = Path(input_path)
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise TablewatchError(f"cannot read annotate input {path}: {exc.strerror}") from None
    with handle:
        for lineno, line in enumerate(handle, 1):
            if not line.strip():
                continue
            where = f"{path} line {lineno}: "
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as exc:
                raise TablewatchError(f"{where}not valid JSON ({exc.msg})") from None
            yield validate_record(raw, where, warn)


def _count_valid(input_path: Path) -> int:
    return sum(1 for record in read_input(input_path, warn=False) if record["text"].strip())


def annotate_file(
    input_path: str | Path,
    output_path: str | Path,
    batch_size: int = 32,
    n_process: int = 1,
    progress: bool = True,
    watchlist_path: str | Path | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> int:
    """Annotate a JSONL file into a JSONL file; returns the number of sentences written.

    ``on_progress(done, total)`` is called as documents come out of the pipeline (the caller
    decides how to show it); without it ``progress`` draws a bar when stderr is a terminal.

    The whole input is validated first (a bad line raises TablewatchError naming it, before any
    work), then the output is written to a temporary file and moved into place, so a rerun simply
    replaces the previous result.
    """
    input_path, output_path = Path(input_path), Path(output_path)
    total = _count_valid(input_path)
    output_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = output_path.with_name(output_path.name + f".tmp{os.getpid()}")
    count = 0
    show = on_progress is None and progress and sys.stderr.isatty()
    started, last_id = 0, None
    try:
        with tmp.open("w", encoding="utf-8") as out:
            records = read_input(input_path)
            if show:
                records = _with_progress(records, total)
            for sentence in annotate_records(
                records, batch_size=batch_size, n_process=n_process, watchlist_path=watchlist_path
            ):
                out.write(json.dumps(sentence, ensure_ascii=False) + "\n")
                count += 1
                if on_progress is not None and sentence["id"] != last_id:
                    last_id, started = sentence["id"], started + 1
                    on_progress(started - 1, total)  # the documents before this one are done
        os.replace(tmp, output_path)
        if on_progress is not None:
            on_progress(total, total)
    finally:
        tmp.unlink(missing_ok=True)
    return count


def _with_progress(records: Iterable[dict[str, Any]], total: int) -> Iterator[dict[str, Any]]:
    from rich.progress import Progress

    with Progress(transient=True) as bar:
        task = bar.add_task("annotating", total=total)
        for record in records:
            yield record
            if record["text"].strip():
                bar.advance(task)
