from __future__ import annotations

import codecs

import pytest

from crawlers.extraction import extract_page
from crawlers.extraction.encoding import decode_html

from .pages import PARAGRAPHS, article_html

CP1252_TEXT = "Café workers’ “final offer” — a naïve bet, señor"


def test_windows_1252_without_charset_comes_out_right() -> None:
    paragraphs = [PARAGRAPHS[0], CP1252_TEXT + ". " + PARAGRAPHS[1], *PARAGRAPHS[2:]]
    raw = article_html(paragraphs=paragraphs).encode("cp1252")
    assert b"charset" not in raw
    page = extract_page(raw, url="https://news.example.com/a")
    assert CP1252_TEXT in page["body"]
    assert "\ufffd" not in page["body"]


def test_latin1_declared_in_meta() -> None:
    html = article_html(
        head='<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'
    )
    raw = html.replace("Negotiators", "Négociateurs").encode("latin-1")
    assert "Négociateurs" in extract_page(raw)["body"]


def test_utf8_bom_and_http_header() -> None:
    text = "<html><body><p>Grève générale évitée</p></body></html>"
    assert decode_html(codecs.BOM_UTF8 + text.encode("utf-8")) == text
    assert (
        decode_html(text.encode("cp1252"), content_type="text/html; charset=windows-1252") == text
    )
    # a page that claims UTF-8 but is Windows-1252 is still read right
    claimed = '<meta charset="utf-8">' + text
    assert decode_html(claimed.encode("cp1252")) == claimed


def test_utf8_without_charset() -> None:
    raw = article_html(paragraphs=[p + " Zürich — 東京" for p in PARAGRAPHS]).encode("utf-8")
    assert "Zürich — 東京" in extract_page(raw)["body"]


@pytest.mark.parametrize(
    "html",
    [
        b"",
        "",
        None,
        b"   \n\t ",
        b"\x00\x01\x02\xff\xfe",
        b"<html><head><title>x</title></head><body></body></html>",
        b"<html><body><nav><a href='/'>Home</a></nav></body></html>",
        b"<?xml version='1.0' encoding='utf-8'?><html><body></body></html>",
        b"<<<>>><!-- <p unclosed",
    ],
)
def test_empty_or_garbage_never_raises(html: bytes | str | None) -> None:
    page = extract_page(html, url="https://news.example.com/empty")
    assert page["body"] is None
    assert set(page) == {
        "title",
        "authors",
        "published",
        "published_source",
        "modified",
        "language",
        "canonical_url",
        "body",
    }


def test_truncated_html_keeps_what_arrived() -> None:
    html = article_html()
    cut = html[: html.index(PARAGRAPHS[3][:40]) + 20]  # mid-tag, mid-paragraph, no closing tags
    page = extract_page(cut.encode("utf-8"), url="https://news.example.com/cut")
    assert page["title"]
    assert page["body"] is not None
    assert PARAGRAPHS[1] in page["body"]


def test_paragraphs_are_separated_by_blank_lines() -> None:
    page = extract_page(article_html(), url="https://news.example.com/a")
    assert page["body"].split("\n\n") == PARAGRAPHS


def test_str_and_bytes_give_the_same_record() -> None:
    html = article_html()
    assert extract_page(html, url="https://x.example/a") == extract_page(
        html.encode(), url="https://x.example/a"
    )


@pytest.mark.parametrize(
    ("text", "codec"),
    [
        (
            "<html><head><title>Résumé of talks</title></head><body><p>We met at the café naïvely.</p>",
            "latin-1",
        ),
        ("<p>Die Gewerkschaft verhandelte über Löhne und Zuschläge für Überstunden.</p>", "cp1252"),
        ("<p>Профсоюз докеров и операторы портов провели переговоры во вторник.</p>" * 3, "cp1251"),
        ("<p>港湾労働者の組合は火曜日に交渉を行った。</p>" * 3, "shift_jis"),
    ],
)
def test_undeclared_encodings_are_detected(text: str, codec: str) -> None:
    """Short Western pages must not be taken for Baltic or Central European codepages."""
    assert decode_html(text.encode(codec)) == text
