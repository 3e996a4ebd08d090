"""The raw archive: one WARC file per crawl run, every page readable back by its raw_path."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawlers.rawstore import RunArchive, day_index, read_page, read_response
from kernel.errors import TablewatchError

PAGE = "<html><body><p>Talks resume on Monday. Crème brûlée for the negotiators.</p></body></html>"


def _run(
    raw_dir: Path, pages: list[tuple[str, bytes, dict[str, str]]]
) -> tuple[RunArchive, list[str]]:
    archive = RunArchive(raw_dir, "2026-05-04")
    archive.open()
    paths = [
        archive.add(url, 200, headers, body, "2026-05-04T10:00:00Z") for url, body, headers in pages
    ]
    return archive, paths


def test_pages_come_back_byte_for_byte_with_their_content_type(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    latin = PAGE.encode("iso-8859-1")
    archive, paths = _run(
        raw,
        [
            ("http://example.com/a", PAGE.encode("utf-8"), {"Content-Type": "text/html; charset=utf-8"}),
            # the body Scrapy hands over is already decoded: wire encodings must not be kept
            ("http://example.com/b", latin, {"Content-Type": "text/html", "Content-Encoding": "gzip",
                                            "Transfer-Encoding": "chunked"}),
        ],
    )  # fmt: skip
    archive.publish()

    assert read_page(tmp_path, paths[0]) == (PAGE.encode("utf-8"), "text/html; charset=utf-8")
    assert read_page(tmp_path, paths[1]) == (latin, "text/html")
    assert {p.split("#")[0] for p in paths} == {archive.path.relative_to(tmp_path).as_posix()}
    assert archive.path.parent == raw / "2026-05-04" and archive.path.name.endswith(".warc.gz")
    assert [p.name for p in archive.path.parent.iterdir()] == [archive.path.name]


def test_the_file_is_standard_warc(tmp_path: Path) -> None:
    archive, paths = _run(
        tmp_path / "raw",
        [
            (f"http://example.com/{i}", PAGE.encode(), {"Content-Type": "text/html"})
            for i in range(3)
        ],
    )
    archive.publish()
    with archive.path.open("rb") as fh:
        records = [
            (r.rec_type, r.rec_headers.get_header("WARC-Target-URI"), r.http_headers.get_statuscode(),
             r.content_stream().read())
            for r in ArchiveIterator(fh)
        ]  # fmt: skip
    assert records == [
        ("response", f"http://example.com/{i}", "200", PAGE.encode()) for i in range(3)
    ]
    assert [int(p.split("#")[1]) for p in paths] == sorted({int(p.split("#")[1]) for p in paths})


def test_an_unfinished_run_publishes_nothing(tmp_path: Path) -> None:
    archive, _ = _run(tmp_path / "raw", [("http://example.com/a", PAGE.encode(), {})])
    archive.discard()
    assert list((tmp_path / "raw").rglob("*")) == [tmp_path / "raw" / "2026-05-04"]
    empty, _ = _run(tmp_path / "raw2", [])
    empty.publish()
    assert not list((tmp_path / "raw2").rglob("*.warc.gz*")), "a run that fetched nothing"


def test_archives_of_older_installations_are_still_read(tmp_path: Path) -> None:
    page = tmp_path / "raw" / "ab" / "abcd.html.gz"
    page.parent.mkdir(parents=True)
    page.write_bytes(gzip.compress(PAGE.encode("iso-8859-1")))
    page.with_name("abcd.json").write_text(
        json.dumps({"headers": {"content-type": "text/html; charset=iso-8859-1"}})
    )
    assert read_page(tmp_path, "raw/ab/abcd.html.gz") == (
        PAGE.encode("iso-8859-1"),
        "text/html; charset=iso-8859-1",
    )


@pytest.mark.parametrize(
    "where", ["raw/2026-05-04/missing.warc.gz#0", "raw/ff/ffff.html.gz", "BAD#x"]
)
def test_an_unreadable_page_is_a_clear_error(tmp_path: Path, where: str) -> None:
    with pytest.raises(TablewatchError, match="cannot read archived page"):
        read_page(tmp_path, where)


def test_an_offset_inside_a_record_is_an_error(tmp_path: Path) -> None:
    archive, paths = _run(tmp_path / "raw", [("http://example.com/a", PAGE.encode(), {})])
    archive.publish()
    file, _ = paths[0].split("#")
    with pytest.raises(TablewatchError, match="cannot read archived page"):
        read_page(tmp_path, f"{file}#7")


def test_the_day_index_finds_pages_by_fetched_and_requested_url(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    first = RunArchive(raw, "2026-05-04")
    first.open()
    moved = first.add("http://example.com/new", 200, {"Content-Type": "text/html"}, b"<p>v1</p>",
                      "2026-05-04T10:00:00Z", requested_url="http://example.com/old")  # fmt: skip
    kept = first.add("http://example.com/kept", 200, {}, b"<p>kept</p>", "2026-05-04T10:00:01Z")
    first.publish()
    second = RunArchive(raw, "2026-05-04")  # a later run: its file name sorts after the first's
    second.open()
    again = second.add("http://example.com/new", 200, {}, b"<p>v2</p>", "2026-05-04T11:00:00Z")
    second.publish()
    unfinished = RunArchive(raw, "2026-05-04")
    unfinished.open()
    unfinished.add("http://example.com/unfinished", 200, {}, b"<p>x</p>", "2026-05-04T12:00:00Z")

    index = day_index(raw, "2026-05-04")

    assert index["http://example.com/old"].raw_path == moved  # asked for /old, redirected
    assert index["http://example.com/new"].raw_path == again  # the later file wins
    assert index["http://example.com/kept"].raw_path == kept
    assert index["http://example.com/kept"].fetched_at == "2026-05-04T10:00:01Z"
    assert "http://example.com/unfinished" not in index  # .tmp files are never read
    assert day_index(raw, "2026-05-05") == {}
    page = read_response(tmp_path, moved)
    assert (page.url, page.status, page.body) == ("http://example.com/new", 200, b"<p>v1</p>")
    assert ("Content-Type", "text/html") in page.headers
    assert not any(k.lower() == "content-length" for k, _ in page.headers)
    with pytest.raises(TablewatchError, match="names no WARC record"):
        read_response(tmp_path, "raw/2026-05-04/x.warc.gz")
