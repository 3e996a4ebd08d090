"""Throughput of the full Tablewatch pipeline against bare ``en_core_web_sm`` on the same texts.

The dev-corpus articles (read at run time from ``../shared``, never copied) are repeated to a few
thousand sentences. Both pipelines run in the same process, alternately, best of the rounds, so
the ratio holds on a busy machine even when absolute figures wander. Target: full >= 0.7x bare.
``scaling()`` (used by the scaling benchmark) annotates synthetic documents with one and two
processes.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path
from typing import Any

import spacy

DEV_DIR = Path(__file__).resolve().parents[1] / ".." / "shared" / "dev-corpus" / "articles"
TARGET_SENTENCES = 3000
QUICK_SENTENCES = 600


def load_articles() -> list[dict[str, Any]]:
    """Input records (annotate contract) of the dev-corpus articles."""
    records = []
    for path in sorted(DEV_DIR.glob("*.txt")):
        head, _, body = path.read_text(encoding="utf-8").partition("\n---\n")
        fields = dict(line.split(": ", 1) for line in head.splitlines() if ": " in line)
        published = fields.get("DATE", "null").strip()
        records.append(
            {
                "id": path.stem,
                "text": body.strip(),
                "published": None if published == "null" else published,
            }
        )
    return records


def _corpus(sentences: int) -> list[dict[str, Any]]:
    base = load_articles()
    per_round = sum(r["text"].count(". ") + r["text"].count("\n\n") + 1 for r in base)
    rounds = max(1, round(sentences / max(1, per_round)))
    return [{**r, "id": f"{r['id']}-{i}"} for i in range(rounds) for r in base]


def _bare(nlp: spacy.language.Language, texts: list[str]) -> tuple[float, int, int]:
    started = time.perf_counter()
    sents = words = 0
    for doc in nlp.pipe(texts, batch_size=32):
        sents += sum(1 for _ in doc.sents)
        words += sum(1 for t in doc if not (t.is_space or t.is_punct))
    return time.perf_counter() - started, sents, words


def _full(records: list[dict[str, Any]]) -> tuple[float, int]:
    from nlp.annotate import annotate_records

    started = time.perf_counter()
    count = sum(1 for _ in annotate_records(records, batch_size=32))
    return time.perf_counter() - started, count


def run(quick: bool = False) -> str:
    from nlp.pipeline import BASE_MODEL, load_pipeline

    records = _corpus(QUICK_SENTENCES if quick else TARGET_SENTENCES)
    texts = [r["text"] for r in records]
    bare = spacy.load(BASE_MODEL)
    full = load_pipeline()
    _bare(bare, texts[:5])  # warm both up
    _full(records[:5])
    bare_best = full_best = float("inf")
    sents = words = out_sents = 0
    for _ in range(1 if quick else 2):
        took, sents, words = _bare(bare, texts)
        bare_best = min(bare_best, took)
        took, out_sents = _full(records)
        full_best = min(full_best, took)
    ratio = bare_best / full_best
    components = ", ".join(p for p in full.pipe_names if p.startswith("tablewatch_"))
    return (
        "### NLP speed: full pipeline vs bare en_core_web_sm\n\n"
        f"{len(records)} documents (the {len(load_articles())} dev-corpus articles repeated), "
        f"{sents} sentences / {words} words as the bare model splits them "
        f"({out_sents} output sentences); best of {1 if quick else 2} alternating rounds, batch 32, "
        f"1 process. Full = `annotate_records` end to end ({components}).\n\n"
        "| pipeline | seconds | sentences/s | words/s | speed vs bare |\n"
        "| --- | ---: | ---: | ---: | ---: |\n"
        f"| bare en_core_web_sm (baseline) | {bare_best:.2f} | {sents / bare_best:.0f} | "
        f"{words / bare_best:.0f} | 1.00x |\n"
        f"| Tablewatch full pipeline | {full_best:.2f} | {sents / full_best:.0f} | "
        f"{words / full_best:.0f} | {ratio:.2f}x (target >= 0.70x) |\n"
    )


_SYNTHETIC = [
    "SAG-AFTRA and the AMPTP will resume talks on Monday, the union said on {day}.",
    "Negotiators for the Writers Guild said residuals and AI protections remain the sticking points.",
    "The studios offered a 5% general wage increase and more money for the health plan.",
    "Fran Drescher told members that the strike, now in its {n}th day, would continue.",
    "Talks broke down on Oct. {n} after the companies rejected a share of streaming revenue.",
    "Boeing machinists picketed 24 hours a day for more than seven weeks.",
]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]


def synthetic_docs(n_docs: int, sentences_per_doc: int = 12) -> list[dict[str, Any]]:
    """``n_docs`` input records built from fixed templates (no shared text involved)."""
    docs = []
    start = dt.date(2023, 7, 1)
    for i in range(n_docs):
        lines = [
            _SYNTHETIC[(i + j) % len(_SYNTHETIC)].format(day=_DAYS[(i + j) % 5], n=(i + j) % 28 + 1)
            for j in range(sentences_per_doc)
        ]
        text = " ".join(lines[:6]) + "\n\n" + " ".join(lines[6:])
        docs.append(
            {
                "id": f"syn{i}",
                "text": text,
                "published": (start + dt.timedelta(days=i % 120)).isoformat(),
            }
        )
    return docs


def scaling(n_docs: int = 400, quick: bool = False) -> str:
    """Markdown section: synthetic documents annotated with 1 and 2 processes (same docs, same run)."""
    from nlp.annotate import annotate_records
    from nlp.pipeline import load_pipeline

    docs = synthetic_docs(60 if quick else n_docs)
    load_pipeline()
    rows = []
    base = None
    for n_process in (1, 2):
        started = time.perf_counter()
        count = sum(1 for _ in annotate_records(docs, batch_size=16, n_process=n_process))
        took = time.perf_counter() - started
        base = base or took
        rows.append(
            f"| {n_process} | {took:.2f} | {len(docs) / took:.1f} | {count / took:.0f} | {base / took:.2f}x |"
        )
    return (
        f"### NLP scaling: n_process 1 vs 2 ({len(docs)} synthetic documents)\n\n"
        "Includes starting the worker processes; 1 process is the baseline.\n\n"
        "| n_process | seconds | docs/s | sentences/s | speed-up |\n| ---: | ---: | ---: | ---: | ---: |\n"
        + "\n".join(rows)
        + "\n"
    )


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv))
