"""Reading the shared dev corpus and finding each labelled sentence in its article.

Training (``nlp/train.py``) and the quality benchmark (``benchmarks/nlp_quality.py``) read the same
files the same way. The texts are read at run time from the sibling ``shared`` folder and never
copied into the repository.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEV_DIR = Path(__file__).resolve().parents[1] / ".." / "shared" / "dev-corpus"
#: the grouped folds every benchmark and training script uses (``benchmarks.folds`` re-exports)
SEED = 13
K = 5


@dataclass
class Article:
    url: str
    published: str | None
    body: str


def read_articles(dev_dir: Path = DEV_DIR) -> dict[str, Article]:
    """Dev articles by URL (``URL:`` / ``DATE:`` header, ``---``, body)."""
    out = {}
    for path in sorted((dev_dir / "articles").glob("*.txt")):
        head, _, body = path.read_text(encoding="utf-8").partition("\n---\n")
        meta = dict(line.split(": ", 1) for line in head.splitlines() if ": " in line)
        date = meta.get("DATE", "null").strip()
        out[meta["URL"].strip()] = Article(
            meta["URL"].strip(), None if date == "null" else date, body
        )
    return out


def read_sentences(dev_dir: Path = DEV_DIR) -> list[dict[str, Any]]:
    lines = (dev_dir / "dev_sentences.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def char_pos(text: str, flat_pos: int) -> int:
    """Map a position in the whitespace-normalised text back to the original text."""
    count = 0
    prev_space = True
    for i, ch in enumerate(text):
        if ch.isspace():
            if not prev_space:
                count += 1
            prev_space = True
        else:
            prev_space = False
            count += 1
        if count > flat_pos:
            return i
    return -1


def locate(article: Article | None, sentence: str) -> tuple[int, int] | None:
    """Character span of a labelled sentence in its article body (whitespace-tolerant), or None."""
    if article is None:
        return None
    pos = article.body.find(sentence)
    if pos < 0:
        flat = norm(article.body)
        pos = flat.find(norm(sentence))
        pos = -1 if pos < 0 else char_pos(article.body, pos)
    if pos < 0:
        return None
    return pos, pos + len(sentence)


def grouped_folds(docs: Iterable[str], k: int = K, seed: int = SEED) -> list[list[str]]:
    """The ``k`` folds of article stems; each article in exactly one fold.

    The distinct stems, sorted, shuffled with one fixed seed, dealt round-robin: every learned or
    hand-tuned figure is quoted from articles it was not fitted on, split the same way everywhere
    (the benchmarks, and the speaker model's choice of regularisation in ``nlp/train.py``).
    """
    stems = sorted(set(docs))
    random.Random(seed).shuffle(stems)
    return [sorted(stems[i::k]) for i in range(k)]


def fold_of(docs: Sequence[str], k: int = K, seed: int = SEED) -> dict[str, int]:
    """Article stem -> index of the fold that holds it out."""
    return {doc: i for i, fold in enumerate(grouped_folds(docs, k, seed)) for doc in fold}
