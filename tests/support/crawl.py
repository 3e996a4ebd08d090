"""Shared bits of the crawler tests: fast settings, article text, reading the run's files."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import duckdb

# Small timeouts, one retry, no politeness delays: a local server does not need them.
FAST = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_TIMEOUT": 3,
    "RETRY_TIMES": 1,
    "RETRY_BACKOFF_BASE": 0.05,
    "DOWNLOAD_MAXSIZE": 1_000_000,
    "DOWNLOAD_WARNSIZE": 500_000,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "LOG_LEVEL": "INFO",
}

_WORDS = (
    "negotiators studios proposal counteroffer residuals streaming minimums health pension plan "
    "committee members bargaining session meeting weekend statement spokesperson deadline "
    "contract extension picket lines producers performers guild leadership vote ratification "
    "industry analysts productions shutdown economy workers wages protections artificial "
    "intelligence consent compensation talks resumed paused federal mediator"
).split()


def paragraphs(seed: int, lead: str, words: int = 180) -> list[str]:
    """Distinct, article-like text per seed: body hashes and simhashes differ between seeds."""
    rng = random.Random(seed)
    text = [lead]
    sentence: list[str] = []
    for _ in range(words):
        sentence.append(rng.choice(_WORDS))
        if len(sentence) >= rng.randint(9, 16):
            text.append(" ".join(sentence).capitalize() + ".")
            sentence = []
    chunks = [" ".join(text[i : i + 4]) for i in range(0, len(text), 4)]
    return chunks


def records(run_dir: Path) -> list[dict[str, Any]]:
    path = run_dir / "articles.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def by_path(recs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Records keyed by the path of the requested (canonical) URL."""
    out = {}
    for r in recs:
        path = r["canonical_url"].split("/", 3)[3]
        out["/" + path] = r
    return out


ARTICLE_COLUMNS = (
    "(article_id, url, canonical_url, status, duplicate_of, body_hash, simhash, crawl_day)"
)


def warehouse_with_articles(db: Path, rows_sql: str) -> duckdb.DuckDBPyConnection:
    """A warehouse built by the real migrations, holding the given ``articles`` rows (SQL values
    in ARTICLE_COLUMNS order), so crawler tests read the schema the load stage really writes."""
    from warehouse.db import migrate

    con = duckdb.connect(str(db))
    migrate(con)
    con.execute(f"insert into articles {ARTICLE_COLUMNS} values {rows_sql}")
    return con
