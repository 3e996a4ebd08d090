"""The raw archive: every page a crawl fetched, kept so extraction can be rerun without refetching.

Each crawl run writes one WARC file (ISO 28500, the format of web archives and of crawlers such
as Heritrix and Common Crawl), one ``response`` record per page, so the archive opens in standard
tools (``warcio``, ``pywb``). A page is located as CDX indexes locate it: the file and the byte
offset of its record, ``raw/<day>/<run>.warc.gz#<offset>``; every record is its own gzip member,
so a reader seeks and decompresses one page.

One file per run rather than one per page: creating two small files per page cost the crawl more
CPU than its downloads (benchmarks/crawl.py), and years of daily crawls would be millions of
inodes. The file is written as ``.tmp`` and renamed only when the crawl finishes, like the run's
other files, so an interrupted crawl publishes no records and no record points into a missing file.

The day's files are also the cache of a rerun of that day: ``day_index`` maps every URL they
archived (and, after a redirect, the URL asked for) to its record, and the crawl's
``DayArchiveMiddleware`` answers page requests from it with ``read_response``.

Older installations archived ``raw/<h[:2]>/<h>.html.gz`` plus a ``.json`` of the response
headers per page; ``read_page`` still reads those.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import logging
import os
import uuid
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any, BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from kernel.errors import TablewatchError

log = logging.getLogger(__name__)

# The stored body is the one Scrapy decoded; headers that describe the wire encoding would make
# WARC readers decode it a second time.
_WIRE_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}
# Records are written here rather than with warcio's writer: the format is a few header lines,
# and warcio's two SHA-1 digests and chunked gzip writes cost ~0.8 ms of the crawl's CPU per page
# (benchmarks/crawl.py). The digests are optional in WARC 1.1; readers (warcio included) do not
# need them, and tests/crawlers/test_rawstore.py reads every file back with warcio.
_CRLF = b"\r\n"


def _http_message(status: int, headers: dict[str, str], body: bytes) -> bytes:
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:  # a status no RFC names
        reason = ""
    lines = [f"HTTP/1.1 {status} {reason}".rstrip()]
    lines += [f"{k}: {v}" for k, v in headers.items() if k.lower() not in _WIRE_HEADERS]
    lines.append(f"Content-Length: {len(body)}")
    head = "\r\n".join(lines).encode("latin-1", "replace")
    return head + _CRLF + _CRLF + body


# Extension field (WARC 1.1 lets writers add named fields; readers ignore those they do not know):
# the URL the crawler asked for when a redirect ended at WARC-Target-URI, so a rerun of the day
# finds the page by the link it follows.
REQUESTED_URI = "Tablewatch-Requested-URI"


def _warc_record(url: str, date: str, block: bytes, requested: str | None = None) -> bytes:
    extra = f"{REQUESTED_URI}: {requested}\r\n" if requested and requested != url else ""
    head = (
        "WARC/1.1\r\n"
        "WARC-Type: response\r\n"
        f"WARC-Record-ID: <urn:uuid:{uuid.uuid4()}>\r\n"
        f"WARC-Date: {date}\r\n"
        f"WARC-Target-URI: {url}\r\n"
        f"{extra}"
        "Content-Type: application/http; msgtype=response\r\n"
        f"Content-Length: {len(block)}\r\n\r\n"
    ).encode()
    return head + block + _CRLF + _CRLF


class RunArchive:
    """The WARC file of one crawl run: ``open``, ``add`` each page, then ``publish`` or
    ``discard``. Paths returned by ``add`` are relative to the folder holding ``raw_dir``."""

    def __init__(self, raw_dir: Path, day: str) -> None:
        self.raw_dir = Path(raw_dir)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
        self.path = self.raw_dir / day / f"tablewatch-{day}-{stamp}-{os.getpid()}.warc.gz"
        self._tmp = self.path.with_name(self.path.name + ".tmp")
        self._fh: BinaryIO | None = None
        self.records = 0

    def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = open(self._tmp, "wb")  # noqa: SIM115 - closed by publish/discard

    def add(
        self,
        url: str,
        status: int,
        headers: dict[str, str],
        body: bytes,
        fetched_at: str,
        requested_url: str | None = None,
    ) -> str:
        """Append one response record (its own gzip member); return its ``<path>#<offset>``.
        ``requested_url``: the URL asked for, when a redirect led to ``url``."""
        if self._fh is None:
            raise RuntimeError("RunArchive.add before open")
        record = _warc_record(url, fetched_at, _http_message(status, headers, body), requested_url)
        offset = self._fh.tell()
        self._fh.write(gzip.compress(record, compresslevel=6, mtime=0))
        self.records += 1
        relative = self.path.relative_to(self.raw_dir.parent).as_posix()
        return f"{relative}#{offset}"

    def _close(self) -> None:
        if self._fh is not None and not self._fh.closed:
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._fh.close()

    def publish(self) -> None:
        """Make the records visible under their final name (an empty run leaves no file)."""
        self._close()
        if not self._tmp.exists():
            return
        if self.records:
            os.replace(self._tmp, self.path)
        else:
            self._tmp.unlink()

    def discard(self) -> None:
        self._close()
        self._tmp.unlink(missing_ok=True)


@dataclass(frozen=True)
class ArchivedPage:
    """Where one archived response lies (``raw_path`` as ``RunArchive.add`` returned it) and
    when it was fetched (its WARC-Date, the record's ``fetched_at``)."""

    raw_path: str
    fetched_at: str
    target_url: str


@dataclass(frozen=True)
class ArchivedResponse:
    """One archived response as the crawler received it (body decoded, as Scrapy gave it)."""

    url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    fetched_at: str


def day_index(raw_dir: Path, day: str) -> dict[str, ArchivedPage]:
    """Every page the finished crawls of ``day`` archived, by the URL they were fetched from
    (WARC-Target-URI) and, after a redirect, the URL asked for. Files are read in the order they
    were written (their names carry the time), so a page archived again later wins: the latest
    crawl's copy is the one its ``articles.jsonl`` names. Unfinished (``.tmp``) files are never
    read; an unreadable file is skipped with the records read before the damage."""
    index: dict[str, ArchivedPage] = {}
    folder = Path(raw_dir) / day
    if not folder.is_dir():
        return index
    for file in sorted(folder.glob("*.warc.gz")):
        relative = file.relative_to(Path(raw_dir).parent).as_posix()
        try:
            with open(file, "rb") as fh:
                records = ArchiveIterator(fh)
                for record in records:
                    if record.rec_type != "response":
                        continue
                    head = record.rec_headers
                    target = head.get_header("WARC-Target-URI")
                    if not target:
                        continue
                    page = ArchivedPage(
                        f"{relative}#{records.get_record_offset()}",
                        head.get_header("WARC-Date") or "",
                        target,
                    )
                    index[target] = page
                    requested = head.get_header(REQUESTED_URI)
                    if requested:
                        index[requested] = page
        except (OSError, ValueError, EOFError, ArchiveLoadFailed) as exc:
            log.warning("raw archive %s is damaged after %d pages: %s", file, len(index), exc)
    return index


def read_response(root: Path, raw_path: str) -> ArchivedResponse:
    """The whole archived response (status, headers, body); TablewatchError when unreadable."""
    path, sep, offset = raw_path.partition("#")
    if not sep:
        raise TablewatchError(f"{raw_path} names no WARC record")
    try:
        with open(Path(root) / path, "rb") as fh:
            fh.seek(int(offset))
            record = next(iter(ArchiveIterator(fh)))
            if record.rec_type != "response" or record.http_headers is None:
                raise ValueError(f"record at {offset} is not an HTTP response")
            http = record.http_headers
            return ArchivedResponse(
                url=record.rec_headers.get_header("WARC-Target-URI") or "",
                status=int(http.get_statuscode() or 0),
                headers=[(k, v) for k, v in http.headers if k.lower() not in _WIRE_HEADERS],
                body=record.content_stream().read(),
                fetched_at=record.rec_headers.get_header("WARC-Date") or "",
            )
    except (OSError, ValueError, EOFError, StopIteration, ArchiveLoadFailed) as exc:
        raise TablewatchError(f"cannot read archived page {raw_path}: {exc}") from None


def read_page(root: Path, raw_path: str) -> tuple[bytes, str | None]:
    """The archived body and its Content-Type header; TablewatchError when it cannot be read."""
    path, sep, offset = raw_path.partition("#")
    file = Path(root) / path
    try:
        if sep:
            return _read_record(file, int(offset))
        return _read_legacy(file)
    except (OSError, ValueError, EOFError, StopIteration, ArchiveLoadFailed) as exc:
        raise TablewatchError(f"cannot read archived page {raw_path}: {exc}") from None


def _read_record(file: Path, offset: int) -> tuple[bytes, str | None]:
    with open(file, "rb") as fh:
        fh.seek(offset)
        # Every record is its own gzip member, so an offset must start one. warcio would
        # otherwise read the compressed bytes as a plain stream and, now and then, find
        # something that passes for a record.
        if fh.read(2) != b"\x1f\x8b":
            raise ValueError(f"offset {offset} does not start a record")
        fh.seek(offset)
        record = next(iter(ArchiveIterator(fh)))
        if record.rec_type != "response":
            raise ValueError(f"record at {offset} is a {record.rec_type!r}, not a response")
        content_type = (
            record.http_headers.get_header("Content-Type") if record.http_headers else None
        )
        return record.content_stream().read(), content_type


def _read_legacy(page: Path) -> tuple[bytes, str | None]:
    body = gzip.decompress(page.read_bytes())
    meta = page.with_name(page.name.removesuffix(".html.gz") + ".json")
    try:
        headers: dict[str, Any] = json.loads(meta.read_text(encoding="utf-8")).get("headers") or {}
    except (OSError, ValueError):
        headers = {}
    for key, value in headers.items():
        if key.lower() == "content-type":
            return body, value[0] if isinstance(value, list) else value
    return body, None
