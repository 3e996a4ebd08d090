"""Re-extraction rebuilds a day's article texts from the raw archive, fetching nothing."""

from __future__ import annotations

import json
from pathlib import Path

from crawlers.rawstore import RunArchive
from kernel.paths import layout
from tablewatch.pipeline import reextract_stage

PAGE = b"""<html><head><title>Guild and studios resume talks</title>
<meta property="article:published_time" content="2026-05-04T10:00:00Z"></head>
<body><nav>Home | News | Film</nav><article><h1>Guild and studios resume talks</h1>
<p>Negotiators for the guild and the studios returned to the table on Monday after a pause of two
weeks, both sides said in separate statements released in the afternoon.</p>
<p>The talks are expected to focus on minimum staffing and on the use of artificial intelligence
in writers' rooms, the two issues that had kept the sides apart in April.</p>
<p>Neither side would say how long the new round was scheduled to last this time.</p>
</article><footer>Copyright Example Media</footer></body></html>"""


def _record(article_id: str, raw_path: str | None, status: str = "relevant") -> dict:
    return {
        "article_id": article_id, "url": f"http://127.0.0.1/{article_id}", "source": "example",
        "status": status, "title": "stale", "body": "stale body", "published": None,
        "raw_path": raw_path, "body_hash": "x", "simhash": "0" * 16,
    }  # fmt: skip


def _archived(raw_dir: Path, page: bytes, headers: dict[str, str] | None = None) -> str:
    """One page in a published WARC file of 2026-05-04, as the crawl archives it."""
    run = RunArchive(raw_dir, "2026-05-04")
    run.open()
    raw_path = run.add("http://127.0.0.1/a", 200, headers or {}, page, "2026-05-04T10:00:00Z")
    run.publish()
    return raw_path


def test_bodies_come_back_from_the_archive_and_missing_pages_are_kept(tmp_path: Path) -> None:
    lay = layout(tmp_path / "tw.duckdb")
    raw_path = _archived(lay.raw_dir, PAGE)
    run_dir = lay.run_dir("2026-05-04")
    run_dir.mkdir(parents=True)
    records = [
        _record("a", raw_path),
        _record("b", "raw/ff/ffff.html.gz"),  # archive lost: keep what we had
        _record("c", raw_path, status="skipped"),  # only relevant articles are redone
    ]
    (run_dir / "articles.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))

    summary = reextract_stage(lay.db, "2026-05-04")

    out = [json.loads(line) for line in (run_dir / "articles.jsonl").read_text().splitlines()]
    assert (summary["reextracted"], summary["missing_raw"]) == (1, 1)
    assert out[0]["title"] == "Guild and studios resume talks"
    assert out[0]["published"] == "2026-05-04"
    assert "returned to the table on Monday" in out[0]["body"]
    assert "Copyright" not in out[0]["body"] and out[0]["body_hash"] != "x"
    assert out[1]["body"] == "stale body" and out[2]["body"] == "stale body"
    stamp = (run_dir / "articles.jsonl").stat().st_mtime_ns
    assert reextract_stage(lay.db, "2026-05-04")["reextracted"] == 1
    assert (run_dir / "articles.jsonl").stat().st_mtime_ns == stamp, (
        "unchanged output is not rewritten"
    )
    again = [json.loads(line) for line in (run_dir / "articles.jsonl").read_text().splitlines()]
    assert again == out, "re-extracting twice changes nothing"


def test_archived_charset_header_is_honoured_and_stale_sentences_go(tmp_path: Path) -> None:
    lay = layout(tmp_path / "tw.duckdb")
    # ISO-8859-2 bytes that a charset guess on a mostly-English page would read as Windows-1252
    page = PAGE.replace(
        b"pause of two",
        "pause of two (vyjedn\u00e1v\u00e1n\u00ed pokra\u010duje)".encode("iso-8859-2"),
    )
    raw_path = _archived(lay.raw_dir, page, {"Content-Type": "text/html; charset=iso-8859-2"})
    run_dir = lay.run_dir("2026-05-04")
    run_dir.mkdir(parents=True)
    (run_dir / "articles.jsonl").write_text(json.dumps(_record("a", raw_path)) + "\n")
    (run_dir / "sentences.jsonl").write_text('{"id": "a", "sent_index": 0}\n')

    reextract_stage(lay.db, "2026-05-04")

    body = json.loads((run_dir / "articles.jsonl").read_text())["body"]
    assert "pokra\u010duje" in body, "decoded with the server's charset"
    assert not (run_dir / "sentences.jsonl").exists(), "labels of the old text must not be loaded"
