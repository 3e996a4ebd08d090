"""The records the stages hand each other through a run folder: one schema each, in code.

The writer builds these objects and the reader parses them back with ``from_json``, which accepts
exactly the documented keys (a missing or unknown key is an error naming the file, not a silent
``None``), so the file cannot drift away from its readers. ``docs/interfaces.md`` documents these
classes; ``tests/kernel/test_records.py`` holds the page and the code together.

``articles.jsonl`` (one ``ARTICLE_FIELDS`` object per handled page) and ``sentences.jsonl`` (the
annotate contract, ``SENTENCE_FIELDS`` plus the optional ``SENTENCE_OPTIONAL_FIELDS``) are lists
of field names rather than classes: they stream through DuckDB's JSON reader, which checks types.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

from kernel.errors import TablewatchError
from kernel.files import write_json

#: one line of ``articles.jsonl``, in this order
ARTICLE_FIELDS: tuple[str, ...] = (
    "article_id", "url", "canonical_url", "source", "status", "reason", "duplicate_of",
    "title", "authors", "published", "published_source", "modified", "language", "body",
    "body_hash", "simhash", "negotiations", "raw_path", "http_status", "fetched_at", "crawl_day",
)  # fmt: skip

#: one line of ``sentences.jsonl`` (the annotate contract's required keys)
SENTENCE_FIELDS: tuple[str, ...] = (
    "id", "sent_index", "sentence", "start", "end", "negotiation", "issues", "signal", "tone",
    "tone_score", "parties", "dates", "evidence",
)  # fmt: skip
#: keys the annotate contract allows but does not require
SENTENCE_OPTIONAL_FIELDS: tuple[str, ...] = ("signal_confidence", "speaker")


class _Record:
    """JSON round trip with exact keys: nested records are rebuilt, unknown keys refused."""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls, data: Any, where: str) -> Self:
        if not isinstance(data, dict):
            raise TablewatchError(f"{where}: expected a JSON object")
        fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        unknown = sorted(set(data) - set(fields))
        missing = sorted(
            name
            for name, f in fields.items()
            if name not in data
            and f.default is dataclasses.MISSING
            and f.default_factory is dataclasses.MISSING
        )
        if unknown or missing:
            raise TablewatchError(
                f"{where}: not a {cls.__name__} (unknown keys {unknown}, missing keys {missing})"
            )
        values = {}
        for name, value in data.items():
            nested = _NESTED.get((cls.__name__, name))
            if nested is None:
                values[name] = value
            elif isinstance(nested, list):
                if not isinstance(value, list):
                    raise TablewatchError(f"{where}.{name}: expected a list")
                values[name] = [
                    nested[0].from_dict(v, f"{where}.{name}[{i}]") for i, v in enumerate(value)
                ]
            else:
                values[name] = nested.from_dict(value, f"{where}.{name}")
        return cls(**values)

    def write(self, path: Path) -> None:
        write_json(path, self.to_dict())

    @classmethod
    def read(cls, path: Path) -> Self:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise TablewatchError(f"cannot read {path}: {exc.strerror}") from None
        except ValueError as exc:
            raise TablewatchError(f"{path}: not valid JSON ({exc})") from None
        return cls.from_dict(data, str(path))


@dataclass(frozen=True)
class CrawlCounts(_Record):
    """What one crawl did, counted by the spider's pipelines."""

    fetched: int  #: article pages fetched (listings not included)
    relevant: int  #: records with status relevant
    skipped: int  #: records with status skipped (not about a watched negotiation, ...)
    duplicate: int  #: records with status duplicate (syndicated copies)
    failed: int  #: records with status failed (HTTP errors, timeouts, extraction failures)
    items: int  #: article records written (the four statuses above)
    requests: int  #: HTTP requests, listings and robots.txt included
    listings: int  #: feeds, sitemaps and section pages read
    out_of_window: int  #: links listed with a date outside every watched window: never fetched
    already_stored: int  #: links of articles the warehouse already holds: never fetched
    elapsed_s: float  #: wall seconds of the crawl process
    links_dropped: int = 0  #: links past the per-listing cap (a listing's excess): never fetched


@dataclass(frozen=True)
class SourceScope(_Record):
    """One source as the crawl saw it: the warehouse's ``sources`` table keeps its domains."""

    name: str  #: the source's short id
    allowed_domains: list[str]  #: hosts (optionally host:port) its requests may reach


#: what a part is: being crawled, crawled, or failed (after the attempt that wrote it)
PART_STATUSES: tuple[str, ...] = ("running", "ok", "failed")


@dataclass(frozen=True)
class CrawlPart(_Record):
    """One outlet's share of a day's crawl: ``part.json`` of ``parts/<source>/`` (written by the
    one-outlet crawl, read by the merge) and one entry of the day's ``CrawlStats.parts``."""

    source: str  #: the source's short id
    status: str  #: running / ok / failed; a part left running was interrupted, so it failed
    error: str | None = None  #: why it failed (one line), else null
    articles: int = 0  #: records of the outlet in the day's articles.jsonl (any status)


@dataclass(frozen=True)
class CrawlStats(_Record):
    """``crawl_stats.json``: written by the crawl when it finished, read by the CLI and the load."""

    day: str  #: the run's logical day, YYYY-MM-DD
    started_at: str  #: UTC, ISO 8601
    finished_at: str  #: UTC, ISO 8601
    sources_file: str  #: absolute path of the sources file the crawl read
    sources: list[SourceScope]  #: every source of that file, with its allowed domains
    counts: CrawlCounts  #: what the crawl did
    listing_errors: dict[str, str] = field(default_factory=dict)  #: listing URL -> why it failed
    scrapy: dict[str, Any] = field(
        default_factory=dict
    )  #: Scrapy's stats, free-form, diagnosis only
    parts: list[CrawlPart] = field(default_factory=list)  #: per outlet: ok, or failed and why


@dataclass(frozen=True)
class AnnotateStats(_Record):
    """``annotate_stats.json``: which NLP version labelled the day's ``sentences.jsonl``."""

    day: str  #: the run's logical day, YYYY-MM-DD
    nlp_version: str  #: ``nlp.NLP_VERSION`` that labelled the sentences; stored with each row
    documents: int  #: relevant articles annotated
    sentences: int  #: lines of sentences.jsonl


#: (record, key) -> the record class of a nested object, or ``[class]`` for a list of them
_NESTED: dict[tuple[str, str], Any] = {
    ("CrawlStats", "counts"): CrawlCounts,
    ("CrawlStats", "sources"): [SourceScope],
    ("CrawlStats", "parts"): [CrawlPart],
}


def markdown() -> str:
    """The run-folder files and the records, as docs/interfaces.md shows them (generated here so
    the page cannot drift from the code: ``python -m kernel.records`` prints it)."""
    import inspect
    import re

    from kernel.paths import RunFolder

    out = ["| file | what |", "| --- | --- |"]
    for name, prop in vars(RunFolder).items():
        if isinstance(prop, property) and name != "day":
            path = prop.fget(RunFolder(Path("runs/<day>")))  # type: ignore[misc]
            doc = " ".join((prop.__doc__ or "").split())
            out.append(f"| `{path.as_posix()}` | {doc} |")
    for cls in (CrawlStats, CrawlCounts, SourceScope, CrawlPart, AnnotateStats):
        docs = dict(re.findall(r"^\s+(\w+): .*?#: (.*)$", inspect.getsource(cls), re.M))
        out += ["", f"### `{cls.__name__}`", "", " ".join((cls.__doc__ or "").split()), ""]
        out += ["| key | type | meaning |", "| --- | --- | --- |"]
        for f in dataclasses.fields(cls):
            out.append(f"| `{f.name}` | `{f.type}` | {docs.get(f.name, '')} |")
    out += ["", "### `articles.jsonl` keys", "", ", ".join(f"`{k}`" for k in ARTICLE_FIELDS)]
    out += ["", "### `sentences.jsonl` keys", "", ", ".join(f"`{k}`" for k in SENTENCE_FIELDS)]
    out += ["", "optional: " + ", ".join(f"`{k}`" for k in SENTENCE_OPTIONAL_FIELDS)]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
