"""Entry points: one page, one file, one directory of pages."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from lxml import etree
from lxml import html as lxml_html

from crawlers.extraction import dates, metadata
from crawlers.extraction.encoding import decode_html
from crawlers.extraction.rules import load_rules
from kernel.errors import TablewatchError
from kernel.files import write_text

EMPTY: dict[str, Any] = {
    "title": None,
    "authors": [],
    "published": None,
    "published_source": None,
    "modified": None,
    "language": None,
    "canonical_url": None,
    "body": None,
}


def _parse(text: str) -> lxml_html.HtmlElement | None:
    text = text.replace("\x00", "")
    if not text.strip():
        return None
    # lxml refuses str input carrying an XML encoding declaration.
    if text.lstrip().startswith("<?xml"):
        text = text.split("?>", 1)[-1]
    try:
        tree = lxml_html.document_fromstring(
            text, parser=lxml_html.HTMLParser(remove_comments=True)
        )
    except (etree.ParserError, ValueError, TypeError):
        return None
    return tree if tree is not None and len(tree) else None


def _host(url: str | None) -> str | None:
    try:
        return urlsplit(url).hostname if url else None
    except ValueError:
        return None


def extract_page(
    html: bytes | str | None,
    url: str | None = None,
    source: str | None = None,
    fetched: dt.datetime | dt.date | str | None = None,
) -> dict[str, Any]:
    """Everything downstream needs from one page; never raises on bad HTML (body is then None).

    ``fetched`` (when the page was fetched: a datetime, a date or an ISO string) lets the date
    finder read a byline's "3 hours ago" and bounds the future; without it relative dates are
    ignored.

    A broken rules file is the one exception: it is a configuration error the user must fix, and
    silently extracting without rules would store worse bodies for a whole crawl.
    """
    rules = load_rules(source, host=_host(url))
    record = dict(EMPTY, authors=[], canonical_url=url)
    try:
        tree = _parse(decode_html(html) if html is not None else "")
    except Exception:  # noqa: BLE001 - a hostile page must cost its body, never the crawl
        tree = None
    if tree is None:
        return record
    jsonld: list[dict[str, Any]] = []
    meta: dict[str, str] = {}
    try:
        jsonld = metadata.jsonld_objects(tree)
        meta = metadata.meta_map(tree)
        published, published_source = dates.published_date(jsonld, meta, tree, url, fetched)
        record.update(
            title=metadata.title(jsonld, meta, tree),
            authors=metadata.authors(jsonld, meta),
            published=published,
            published_source=published_source,
            modified=dates.modified_date(jsonld, meta),
            language=metadata.language(jsonld, meta, tree),
            canonical_url=metadata.canonical_url(tree, meta, url),
        )
    except Exception:  # noqa: BLE001 - partial metadata beats none
        pass
    # imported here: trafilatura is the heaviest import of the crawl, and a process that only
    # imports this module (the crawler's reactor, a CLI's --help) never extracts a body
    from crawlers.extraction.body import extract_body

    try:
        titles = [record["title"], *metadata.title_variants(jsonld, meta)]
        own_urls = (record["canonical_url"], meta.get("og:url"))
        record["body"] = extract_body(tree, url, jsonld, titles, rules, own_urls)
    except Exception:  # noqa: BLE001
        record["body"] = None
    return record


def read_page(path: Path) -> bytes:
    """Bytes of a saved page, gunzipped when the name ends in .gz."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise TablewatchError(f"cannot read page {path}: {exc.strerror}") from None
    if str(path).endswith(".gz"):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise TablewatchError(f"{path} is not a valid gzip file: {exc}") from None
    return data


def extract_file(path: Path, url: str | None = None, fetched: str | None = None) -> dict[str, Any]:
    return extract_page(read_page(path), url=url, fetched=fetched)


def page_id(path: Path) -> str:
    name = Path(path).name
    for suffix in (".html.gz", ".htm.gz", ".html", ".htm"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def extract_dir(html_dir: Path, output: Path) -> int:
    """Extract every saved page of a folder into one JSON file (the benchmark's format)."""
    html_dir = Path(html_dir)
    if not html_dir.is_dir():
        raise TablewatchError(f"not a directory: {html_dir}")
    files = sorted(p for p in html_dir.iterdir() if p.is_file() and page_id(p) != p.name)
    out: dict[str, dict[str, Any]] = {}
    for path in files:
        page = extract_file(path)
        out[page_id(path)] = {
            "articleBody": page["body"] or "",
            "title": page["title"],
            "published": page["published"],
        }
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    write_text(output, json.dumps(out, ensure_ascii=False, indent=1))
    return len(out)
