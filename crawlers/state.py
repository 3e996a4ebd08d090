"""What earlier runs already did, read from the warehouse at the start of a crawl.

The crawler never writes the warehouse (the load stage is its single writer); it only opens the
published snapshot, or the main file read-only, so a crawl can run while readers do. Rows of the
day being crawled are ignored, and so are feed validators when that day was already loaded:
rerunning a day must reproduce that day's files, not an empty run.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from crawlers.fingerprints import PassageIndex, PassageParams, SimhashIndex, passages
from kernel.days import as_date
from kernel.errors import TablewatchError
from kernel.paths import Layout

log = logging.getLogger(__name__)
SEEN_STATUSES = ("relevant", "skipped", "duplicate")
KEPT_STATUSES = ("relevant", "skipped")


@dataclass
class CrawlState:
    """Seen URLs and fingerprints (mapping to the kept article_id) plus feed validators.
    ``passages`` starts empty: the dedupe pipeline fills it from recent stored bodies
    (``load_passage_history``), because only it knows the dedupe settings.

    ``copy_of`` (article_id of a copy -> the article it copies) and ``demoted`` (articles of this
    crawl kept at first, then found to be a copy of an earlier-published page that arrived later)
    are this crawl's dedupe decisions; the store pipeline applies ``demoted`` to the day's file
    when the crawl closes (``crawlers.pipelines``)."""

    max_distance: int = 6
    urls: dict[str, str] = field(default_factory=dict)
    body_hashes: dict[str, str] = field(default_factory=dict)
    simhashes: SimhashIndex = field(init=False)
    passages: PassageIndex = field(default_factory=PassageIndex)
    feeds: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    day_loaded: bool = False
    copy_of: dict[str, str] = field(default_factory=dict)
    demoted: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.simhashes = SimhashIndex(self.max_distance)


def state_file(db_path: Path | None) -> Path | None:
    """The snapshot when published (never locked by the writer), else the db itself."""
    if db_path is None:
        return None
    snapshot = Layout(Path(db_path)).snapshot
    for candidate in (snapshot, Path(db_path)):
        if candidate.is_file():
            return candidate
    return None


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    rows = con.execute(
        "select column_name from information_schema.columns where table_name = ?", [table]
    ).fetchall()
    return {r[0] for r in rows}


def _connect(path: Path) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise TablewatchError(f"cannot open warehouse {path} read-only: {exc}") from None


def load_state(db_path: Path | None, day: str, max_distance: int = 6) -> CrawlState:
    """Missing file or tables mean a first run: empty state, not an error."""
    state = CrawlState(max_distance=max_distance)
    path = state_file(db_path)
    if path is None:
        return state
    con = _connect(path)
    try:
        _load_articles(con, state, day)
        _load_feeds(con, state, day)
    except duckdb.Error as exc:
        raise TablewatchError(f"cannot read crawl state from {path}: {exc}") from None
    finally:
        con.close()
    log.info(
        "crawl state from %s: %d known urls, %d feeds", path, len(state.urls), len(state.feeds)
    )
    return state


def kept_article(copy_of: dict[str, str], article: str) -> str:
    """Follow ``copy_of`` until an article that copies nothing (cycles stop where they close)."""
    return _resolve(copy_of, article)


def _load_articles(con: duckdb.DuckDBPyConnection, state: CrawlState, day: str) -> None:
    cols = _columns(con, "articles")
    if not {"url", "canonical_url", "article_id", "status"} <= cols:
        return
    if "crawl_day" in cols:
        (same_day,) = con.execute(
            "select count(*) from articles where cast(crawl_day as varchar) = ?", [day]
        ).fetchone()
        state.day_loaded = same_day > 0
    other_day = (
        "cast(crawl_day as varchar) is distinct from ?" if "crawl_day" in cols else "? is not null"
    )
    body_hash = "body_hash" if "body_hash" in cols else "null"
    simhash = "simhash" if "simhash" in cols else "null"
    dup_of = "duplicate_of" if "duplicate_of" in cols else "null"
    kept_of = _kept_of(con, dup_of)
    cur = con.execute(
        f"""
        select url, canonical_url, coalesce({dup_of}, article_id) as kept_id, status,
               {body_hash} as body_hash, {simhash} as simhash
        from articles
        where status in ('relevant', 'skipped', 'duplicate') and {other_day}
        """,
        [day],
    )
    while rows := cur.fetchmany(10_000):
        for url, canonical, kept_id, status, bhash, shash in rows:
            kept_id = _resolve(kept_of, kept_id)
            for u in (url, canonical):
                if u:
                    state.urls.setdefault(u, kept_id)
            if status in KEPT_STATUSES:
                if bhash:
                    state.body_hashes.setdefault(bhash, kept_id)
                if shash:
                    try:
                        state.simhashes.add(int(shash, 16), kept_id)
                    except ValueError:
                        log.warning("ignoring malformed simhash %r of %s", shash, kept_id)


def _kept_of(con: duckdb.DuckDBPyConnection, dup_of: str) -> dict[str, str]:
    """duplicate article_id -> the id it points at, to follow chains left by older crawls."""
    if dup_of == "null":
        return {}
    rows = con.execute(
        f"select article_id, {dup_of} from articles"
        f" where status = 'duplicate' and {dup_of} is not null and {dup_of} <> article_id"
    ).fetchall()
    return dict(rows)


def _resolve(kept_of: dict[str, str], article: str) -> str:
    """Follow duplicate_of until a non-duplicate (cycles stop where they close), so a new copy
    never points at another copy."""
    seen = {article}
    while (nxt := kept_of.get(article)) is not None and nxt not in seen:
        seen.add(nxt)
        article = nxt
    return article


def load_passage_history(
    db_path: Path | None,
    day: str,
    params: PassageParams | None = None,
    days: int = 30,
    max_articles: int = 20_000,
) -> PassageIndex:
    """Passage fingerprints of the kept articles of the last ``days`` days before ``day`` (by
    publication or crawl day), newest first and at most ``max_articles``: syndicated copies
    appear within days of the original, and the bound keeps memory flat however old the
    warehouse. Rows of ``day`` itself are ignored, as in ``load_state``."""
    params = params or PassageParams()
    index = PassageIndex(params)
    path = state_file(db_path)
    if path is None or days <= 0 or max_articles <= 0:
        return index
    cutoff = as_date(day) - dt.timedelta(days=days)
    con = _connect(path)
    try:
        cols = _columns(con, "articles")
        if not {"article_id", "status", "crawl_day"} <= cols or not {
            "article_id",
            "body",
        } <= _columns(con, "article_bodies"):
            return index
        published = "a.published" if "published" in cols else "null"
        cur = con.execute(
            f"""
            select a.article_id, b.body
            from articles a join article_bodies b using (article_id)
            where a.status in ('relevant', 'skipped')
              and cast(a.crawl_day as varchar) is distinct from ?
              and (a.crawl_day >= ? or {published} >= ?)
            order by coalesce({published}, a.crawl_day) desc, a.article_id
            limit ?
            """,
            [day, cutoff, cutoff, max_articles],
        )

        def rows() -> Iterator[tuple[str, str]]:
            while batch := cur.fetchmany(2_000):
                yield from batch

        index.add_many((aid, passages(body, params)) for aid, body in rows() if body)
    except duckdb.Error as exc:
        raise TablewatchError(f"cannot read stored bodies from {path}: {exc}") from None
    finally:
        con.close()
    log.info("passage fingerprints of %d stored articles since %s", len(index), cutoff)
    return index


def _load_feeds(con: duckdb.DuckDBPyConnection, state: CrawlState, day: str) -> None:
    """Validators for conditional requests; none when ``day`` was already loaded, because a
    rerun of that day must see the listings again (a 304 would leave it with no articles)."""
    cols = _columns(con, "feed_state")
    if state.day_loaded or not {"url", "etag", "last_modified"} <= cols:
        return
    rows = con.execute("select url, etag, last_modified from feed_state").fetchall()
    for url, etag, last_modified in rows:
        if etag or last_modified:
            state.feeds[url] = (etag, last_modified)
