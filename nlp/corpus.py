"""Reading the shared dev corpus and finding each labelled sentence in its article.

Training (``nlp/train.py``) and the quality benchmark (``benchmarks/nlp_quality.py``) read the same
files the same way. The texts are read at run time from the sibling ``shared`` folder and never
copied into the repository.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEV_DIR = Path(__file__).resolve().parents[1] / ".." / "shared" / "dev-corpus"


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
