"""Finding article URLs: RSS/Atom feeds, sitemaps (index, urlset, Google News), section pages.

Pure functions over bytes, kept apart from Scrapy so each is tested alone (``page_signals`` reads
JSON-LD with the extraction library's reader, so both agree on what a page declares).
Listings are untrusted XML: entity declarations are refused outright (billion laughs, external
entities) and lxml never resolves entities, loads DTDs, touches the network or lifts its size caps.
Scrapy's own sitemap parser keeps only direct child text, so ``news:`` fields are read here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import email.utils
import gzip
import io
import posixpath
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


# Links that are files, not pages: images, media, archives, documents, code.
_FILE_EXTENSIONS = frozenset(
    "." + e
    for e in (
        "jpg jpeg png gif webp svg ico bmp tif tiff avif mp3 mp4 m4a m4v mov avi wmv webm ogg "
        "wav flac zip gz tgz bz2 rar 7z tar pdf doc docx xls xlsx ppt pptx odt ods csv exe dmg "
        "apk iso bin css js json xml rss atom txt"
    ).split()
)


def page_links(
    html: str, base_url: str, allowed_domains: tuple[str, ...], pattern: re.Pattern[str]
) -> list[tuple[str, bool]]:
    """Every same-site page link of a page, in page order, with whether its URL looks like an
    article (matches ``pattern``). Fragments, the page itself and links to files are left out.

    A URL that does not look like an article may still be one (``/story/aftermath/``: a one-word
    slug), so the spider fetches those too, after the likely ones and within the page budget, and
    lets the fetched page decide (``page_kind``).
    """
    try:
        tree = lxml_html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return []
    own = base_url.split("#", 1)[0]
    seen: dict[str, bool] = {}
    for href in tree.xpath("//a/@href"):
        url = urljoin(base_url, str(href).strip()).split("#", 1)[0]
        if url == own or not url.startswith(("http://", "https://")):
            continue
        if not host_allowed(url, allowed_domains):
            continue
        path = url.split("?", 1)[0]
        if posixpath.splitext(path.rsplit("/", 1)[-1])[1].lower() in _FILE_EXTENSIONS:
            continue
        seen.setdefault(url, bool(pattern.search(path)))
    return list(seen.items())


def section_links(
    html: str, base_url: str, allowed_domains: tuple[str, ...], pattern: re.Pattern[str]
) -> list[str]:
    """Article links of a section page: same-site hrefs whose path looks like an article."""
    return [url for url, likely in page_links(html, base_url, allowed_domains, pattern) if likely]


# -- is a fetched page an article? ------------------------------------------------------------

# schema.org types that say "this page is one article" (lower-cased, without the vocabulary URL).
ARTICLE_TYPES = frozenset(
    {
        "article",
        "newsarticle",
        "reportagenewsarticle",
        "analysisnewsarticle",
        "opinionnewsarticle",
        "reviewnewsarticle",
        "backgroundnewsarticle",
        "askpublicnewsarticle",
        "blogposting",
        "liveblogposting",
        "report",
    }
)
# ... and those that say "this page lists other pages".
LISTING_TYPES = frozenset({"collectionpage", "itemlist", "searchresultspage", "profilepage"})
# A headline link: anchor text of at least this many words (menus say "Home", "Film", "Awards").
_HEADLINE_WORDS = 4
# A teaser card (a headline link and its summary) is short; above this it is a page region.
_CARD_MAX_CHARS = 600
# A page with this many teaser cards holding at least half of its extracted text is a listing,
# and so is one with this many headline links and no body of its own.
LISTING_MIN_CARDS = 3
LISTING_MIN_HEADLINES = 5


@dataclass(frozen=True)
class PageSignals:
    """What a fetched page says and shows about itself, read in the extraction worker.

    ``declared`` is the publisher's own statement, "article" or "listing" (JSON-LD ``@type``,
    Open Graph ``og:type``), with ``declared_by`` naming it. ``headline_links`` counts distinct
    links whose text reads like a headline; ``cards`` the teaser cards around them (the largest
    short block holding one headline link) and ``teaser_chars`` their text outside the links: a
    river of teasers, whose summaries extraction may take for a body, has most of its text there,
    an article's "most read" box has none.
    """

    declared: str | None = None
    declared_by: str | None = None
    headline_links: int = 0
    cards: int = 0
    teaser_chars: int = 0

    def to_dict(self) -> dict[str, object]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, object] | None) -> PageSignals:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in (data or {}).items() if k in names})  # type: ignore[arg-type]


def _schema_types(obj: dict[str, object]) -> set[str]:
    raw = obj.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    return {str(v).rsplit("/", 1)[-1].lower() for v in values if v}


def _declared(tree: lxml_html.HtmlElement) -> tuple[str | None, str | None]:
    """The page's own statement: JSON-LD first (one article object = an article; a collection,
    or several article objects, = a listing), then ``og:type``."""
    from crawlers.extraction.metadata import jsonld_objects, meta_map

    articles: list[str] = []
    listing: str | None = None
    for obj in jsonld_objects(tree):
        types = _schema_types(obj)
        if types & LISTING_TYPES:
            listing = listing or sorted(types & LISTING_TYPES)[0]
        elif hit := types & ARTICLE_TYPES:
            articles.append(sorted(hit)[0])
    if listing is not None:
        return "listing", f"jsonld:{listing}"
    if len(articles) > 1:
        return "listing", f"jsonld:{len(articles)} articles"
    if articles:
        return "article", f"jsonld:{articles[0]}"
    og = meta_map(tree).get("og:type", "").strip().lower()
    if og == "article" or og.startswith("article:"):
        return "article", "og:type"
    return None, None


def _visible(el: etree._Element) -> str:
    return " ".join(el.text_content().split())


def _cards(headlines: list[etree._Element]) -> tuple[int, int]:
    """(teaser cards, their text outside links): each headline link climbs to the largest
    ancestor that holds no other headline link and stays short."""
    marks = set(headlines)
    cards: dict[etree._Element, None] = {}
    for a in headlines:
        card = a
        for up in a.iterancestors():
            if up.tag in ("body", "html") or len(_visible(up)) > _CARD_MAX_CHARS:
                break
            if sum(1 for x in up.iter("a") if x in marks) > 1:
                break
            card = up
        if card is not a:
            cards.setdefault(card, None)
    chars = 0
    for card in cards:
        links = sum(len(_visible(x)) for x in card.iter("a"))
        chars += max(0, len(_visible(card)) - links)
    return len(cards), chars


def page_signals(html: str) -> PageSignals:
    """Read a page's article-ness signals; an unparseable page says nothing."""
    try:
        tree = lxml_html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return PageSignals()
    try:
        declared, declared_by = _declared(tree)
    except Exception:  # noqa: BLE001 - broken metadata must cost the signal, not the page
        declared, declared_by = None, None
    for junk in tree.xpath("//script|//style|//noscript|//template"):
        junk.drop_tree()
    headlines: dict[str, etree._Element] = {}
    for a in tree.iter("a"):
        href = (a.get("href") or "").strip()
        if href and not href.startswith("#") and len(_visible(a).split()) >= _HEADLINE_WORDS:
            headlines.setdefault(href, a)
    cards, teaser_chars = _cards(list(headlines.values()))
    return PageSignals(declared, declared_by, len(headlines), cards, teaser_chars)


def page_kind(signals: PageSignals, body: str | None, min_body_chars: int) -> str | None:
    """ "article", "listing" or None (the page neither says nor shows which).

    The publisher's declaration decides first. Otherwise a page whose extracted text sits mostly
    in teaser cards is a listing, and one with at least ``min_body_chars`` of text of its own is
    an article; a page without a body that carries several headline links is a listing.
    """
    if signals.declared:
        return signals.declared
    length = len(" ".join(body.split())) if body else 0
    teasers = signals.teaser_chars
    if signals.cards >= LISTING_MIN_CARDS and teasers > 0 and teasers * 2 >= length:
        return "listing"
    if length >= min_body_chars:
        return "article"
    if signals.headline_links >= LISTING_MIN_HEADLINES:
        return "listing"
    return None
