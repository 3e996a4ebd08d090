"""Re-running extraction on a day's archived pages, without fetching anything.

After an extraction fix, history can be rebuilt from the raw archive: titles, dates and bodies of the
day's relevant articles are extracted again from the stored HTML, decoded with the charset the
server sent (as the crawl did); statuses, URLs and dedupe decisions stay as the crawl made them.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from kernel.errors import TablewatchError
from kernel.files import AtomicResult, atomic_write, iter_jsonl
from kernel.paths import RunFolder

log = logging.getLogger(__name__)

#: what extraction decides; everything else in an ArticleRecord is the crawl's
EXTRACTED_FIELDS = (
    "title",
    "authors",
    "published",
    "published_source",
    "modified",
    "language",
    "body",
    "body_hash",
    "simhash",
)


@dataclass(frozen=True)
class Reextracted:
    reextracted: int
    missing_raw: int
    changed: bool


def reextract_run(root: Path, run: RunFolder) -> Reextracted:
    """Rewrite ``run.articles`` with fresh extractions; an unchanged result leaves the file alone."""
    from crawlers.extraction_workers import analyse_page
    from crawlers.rawstore import read_page

    articles = run.articles
    if not articles.exists():
        raise TablewatchError(f"no crawl output for {run.day} ({articles}): nothing to re-extract")
    redone = missing = 0
    written = AtomicResult()
    with atomic_write(articles, result=written) as out:
        for rec in iter_jsonl(articles):
            if rec.get("status") == "relevant" and rec.get("raw_path"):
                try:
                    html, content_type = read_page(root, rec["raw_path"])
                except TablewatchError:
                    missing += 1
                else:
                    fresh = analyse_page(
                        html, content_type, rec.get("url"), rec.get("source"), rec.get("fetched_at")
                    )
                    if fresh.get("body"):
                        for key in EXTRACTED_FIELDS:
                            rec[key] = fresh.get(key, rec.get(key))
                        redone += 1
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")
    if missing:
        log.warning(
            "re-extract %s: %d archived pages missing; their previous text is kept",
            run.day,
            missing,
        )
    return Reextracted(redone, missing, written.changed)
