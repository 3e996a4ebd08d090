"""Finding article URLs: RSS/Atom feeds, sitemaps (index, urlset, Google News), section pages.

Pure functions over bytes, kept apart from extraction and from Scrapy so each is tested alone.
Listings are untrusted XML: entity declarations are refused outright (billion laughs, external
entities) and lxml never resolves entities, loads DTDs, touches the network or lifts its size caps.
Scrapy's own sitemap parser keeps only direct child text, so ``news:`` fields are read here.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import gzip
import io
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

from lxml import etree
from lxml import html as lxml_html

from crawlers.urls import host_allowed

GZIP_MAGIC = b"\x1f\x8b"


class ListingError(ValueError):
    """A feed or sitemap that cannot be used; ``reason`` is a short machine-readable code."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


@dataclass(frozen=True)
class Entry:
    """A listed URL. ``published`` is only ever a publication date (pubDate, Atom published,
    news:publication_date): modification dates (lastmod, Atom updated) go to ``modified``,
    because an old article edited today must not look new, nor a new one old."""

    url: str
    published: dt.date | None = None
    title: str | None = None
    modified: dt.date | None = None


@dataclass
class Listing:
    """kind: feed | sitemap | sitemapindex. ``children`` are sub-sitemaps of an index."""

    kind: str
    entries: list[Entry] = field(default_factory=list)
    children: list[Entry] = field(default_factory=list)
    recovered: bool = False


def _parser(recover: bool) -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        recover=recover,
        remove_comments=True,
        remove_pis=True,
    )


def gunzip_capped(body: bytes, max_size: int) -> bytes:
    """Sitemaps are often served as .xml.gz files; a zip bomb must stop at max_size."""
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=io.BytesIO(body)) as fh:
        while chunk := fh.read(65536):
            out.write(chunk)
            if max_size and out.tell() > max_size:
                raise ListingError("too_large", f"gunzipped listing exceeds {max_size} bytes")
    return out.getvalue()


def _refuse_entities(root: etree._Element) -> etree._Element:
    """A listing that declares entities is refused, whatever its encoding: the parser never
    expands them (``resolve_entities=False``), and a feed has no use for them but an attack."""
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise ListingError("xml_entities", "entity declarations are refused (entity expansion)")
    return root


def parse_xml(body: bytes) -> tuple[etree._Element, bool]:
    """Root element and whether lxml had to recover from malformed markup."""
    if not body or not body.strip():
        raise ListingError("empty_listing")
    try:
        return _refuse_entities(etree.fromstring(body, _parser(recover=False))), False
    except etree.XMLSyntaxError as strict_error:
        try:
            root = etree.fromstring(body, _parser(recover=True))
        except etree.XMLSyntaxError:
            root = None
        if root is None:
            raise ListingError("malformed_xml", str(strict_error)) from None
        return _refuse_entities(root), True


def _local(tag: object) -> str:
    return etree.QName(tag).localname.lower() if isinstance(tag, str) else ""


def _children(el: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in el if _local(c.tag) == name]


def _text(el: etree._Element | None, name: str) -> str | None:
    if el is None:
        return None
    for c in el.iter():
        if c is not el and _local(c.tag) == name and c.text and c.text.strip():
            return c.text.strip()
    return None


def parse_date(value: str | None) -> dt.date | None:
    """ISO 8601 (Atom, sitemaps) or RFC 822 (RSS); unparseable dates count as undated."""
    if not value:
        return None
    value = value.strip()
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        pass
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed.date() if parsed else None


def parse_listing(body: bytes, base_url: str, max_size: int = 0) -> Listing:
    """Route on the root element, not on what the sources file calls the URL."""
    if body[:2] == GZIP_MAGIC:
        try:
            body = gunzip_capped(body, max_size)
        except (OSError, EOFError) as exc:
            raise ListingError("bad_gzip", str(exc)) from None
    root, recovered = parse_xml(body)
    kind = _local(root.tag)
    if kind in ("rss", "rdf"):
        listing = Listing("feed", entries=_rss_entries(root, base_url))
    elif kind == "feed":
        listing = Listing("feed", entries=_atom_entries(root, base_url))
    elif kind == "urlset":
        listing = Listing("sitemap", entries=_sitemap_entries(root, base_url, "url"))
    elif kind == "sitemapindex":
        listing = Listing("sitemapindex", children=_sitemap_entries(root, base_url, "sitemap"))
    else:
        raise ListingError("not_a_listing", f"unexpected root element <{kind}>")
    listing.recovered = recovered
    return listing


def _rss_entries(root: etree._Element, base_url: str) -> list[Entry]:
    out = []
    for item in root.iter():
        if _local(item.tag) != "item":
            continue
        link = _text(item, "link")
        if not link:
            guid = next((g for g in _children(item, "guid")), None)
            if guid is not None and (guid.get("isPermaLink") or "true").lower() != "false":
                link = (guid.text or "").strip() or None
        if link:
            date = _text(item, "pubdate") or _text(item, "date")
            out.append(Entry(urljoin(base_url, link), parse_date(date), _text(item, "title")))
    return out


def _atom_entries(root: etree._Element, base_url: str) -> list[Entry]:
    out = []
    for entry in _children(root, "entry"):
        href = None
        for link in _children(entry, "link"):
            if (link.get("rel") or "alternate") == "alternate" and link.get("href"):
                href = link.get("href")
                break
        if href:
            out.append(
                Entry(
                    urljoin(base_url, href.strip()),
                    parse_date(_text(entry, "published")),
                    _text(entry, "title"),
                    parse_date(_text(entry, "updated")),
                )
            )
    return out


def _sitemap_entries(root: etree._Element, base_url: str, child: str) -> list[Entry]:
    out = []
    for el in _children(root, child):
        loc = next((c.text.strip() for c in _children(el, "loc") if c.text), None)
        if not loc:
            continue
        # news:publication_date sits two levels down (news:news/news:publication_date).
        out.append(
            Entry(
                urljoin(base_url, loc),
                parse_date(_text(el, "publication_date")),
                _text(el, "title"),
                parse_date(_text(el, "lastmod")),
            )
        )
    return out


def section_links(
    html: str, base_url: str, allowed_domains: tuple[str, ...], pattern: re.Pattern[str]
) -> list[str]:
    """Article links of a section page: same-site hrefs whose path looks like an article."""
    try:
        tree = lxml_html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return []
    seen: dict[str, None] = {}
    for href in tree.xpath("//a/@href"):
        url = urljoin(base_url, str(href).strip()).split("#", 1)[0]
        if url.startswith(("http://", "https://")) and host_allowed(url, allowed_domains):
            if pattern.search(url.split("?", 1)[0]):
                seen.setdefault(url, None)
    return list(seen)
