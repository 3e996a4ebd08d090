"""Publication dates and where they came from.

Publishers state the date in several places of unequal reliability. JSON-LD is written for search
engines and is usually exact; OpenGraph is written for social cards; loose <meta> tags and dates in
the URL are conventions; htmldate's heuristics are the last resort. The first source that yields a
valid date wins, and which one it was is recorded so a consumer can weigh it.
"""

from __future__ import annotations

import datetime as dt
import re
from email.utils import parsedate_to_datetime
from typing import Any

from lxml import html as lxml_html

OG_PUBLISHED = ("article:published_time", "og:published_time", "og:article:published_time")
OG_MODIFIED = ("article:modified_time", "og:updated_time", "og:article:modified_time")
META_PUBLISHED = (
    "datepublished",
    "article:published_time",
    "article.published",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "published_time",
    "published-date",
    "dc.date.issued",
    "dc.date",
    "dcterms.issued",
    "dcterms.created",
    "dc.date.created",
    "sailthru.date",
    "parsely-pub-date",
    "date",
    "original-publish-date",
    "cxenseparse:recs:publishtime",
    "article_date_original",
    "citation_publication_date",
    "timestamp",
)
META_MODIFIED = ("datemodified", "dcterms.modified", "dc.date.modified", "last-modified", "lastmod")

_URL_DATE = (
    re.compile(r"/((?:19|20)\d{2})/(0?[1-9]|1[0-2])/(0?[1-9]|[12]\d|3[01])(?:/|$|[-_])"),
    re.compile(r"[/_-]((?:19|20)\d{2})-?(0[1-9]|1[0-2])-?(0[1-9]|[12]\d|3[01])(?:[/_.-]|$)"),
)
_URL_MONTH_DATE = re.compile(
    r"/((?:19|20)\d{2})/(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*/(0?[1-9]|[12]\d|3[01])(?:/|$)",
    re.IGNORECASE,
)
_MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}
_ISO = re.compile(r"((?:19|20)\d{2})-?(0[1-9]|1[0-2])-?(0[1-9]|[12]\d|3[01])")
_EARLIEST = dt.date(1995, 1, 1)


def parse_date(value: Any) -> str | None:
    """Normalise a date-ish value to 'YYYY-MM-DD' (the publisher's own calendar day) or None."""
    if value is None:
        return None
    if isinstance(value, list):
        value = value[0] if value else None
        if value is None:
            return None
    if isinstance(value, (int, float)) and value > 0:
        seconds = value / 1000 if value > 1e11 else value
        try:
            return _sane(dt.datetime.fromtimestamp(seconds, dt.UTC).date())
        except (OverflowError, OSError, ValueError):
            return None
    text = str(value).strip()
    if not text:
        return None
    if text.isdigit() and len(text) in (10, 13):
        return parse_date(int(text))
    match = _ISO.search(text)
    if match:
        try:
            return _sane(dt.date(*(int(g) for g in match.groups())))
        except ValueError:
            pass
    try:
        return _sane(parsedate_to_datetime(text).date())
    except (TypeError, ValueError, IndexError):
        pass
    for fmt in ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%m/%d/%Y", "%Y/%m/%d"):
        try:
            return _sane(dt.datetime.strptime(text[:40].strip(), fmt).date())
        except ValueError:
            continue
    return None


def _sane(day: dt.date) -> str | None:
    if day < _EARLIEST or day > dt.date.today() + dt.timedelta(days=2):
        return None
    return day.isoformat()


def published_date(
    jsonld: list[dict[str, Any]],
    meta: dict[str, str],
    tree: lxml_html.HtmlElement,
    url: str | None,
) -> tuple[str | None, str | None]:
    """(date, source) following the trust order JSON-LD, OpenGraph, meta, URL, htmldate."""
    for obj in jsonld:
        day = parse_date(obj.get("datePublished")) or parse_date(obj.get("dateCreated"))
        if day:
            return day, "jsonld"
    for key in OG_PUBLISHED:
        day = parse_date(meta.get(key))
        if day:
            return day, "opengraph"
    for key in META_PUBLISHED:
        day = parse_date(meta.get(key))
        if day:
            return day, "meta"
    for node in tree.xpath('//*[@itemprop="datePublished"][@datetime or @content]')[:1]:
        day = parse_date(node.get("datetime") or node.get("content"))
        if day:
            return day, "meta"
    day = url_date(url)
    if day:
        return day, "url"
    try:
        from htmldate import find_date

        day = parse_date(find_date(tree, url=url, extensive_search=True, original_date=True))
    except Exception:  # noqa: BLE001 - heuristics on hostile HTML must not lose the page
        day = None
    return (day, "htmldate") if day else (None, None)


def url_date(url: str | None) -> str | None:
    """A date in the URL path: /2024/05/07/, /2024-05-07-, /20240507/ or /2024/may/07/."""
    if not url:
        return None
    match = _URL_MONTH_DATE.search(url)
    if match:
        year, month, day = match.groups()
        try:
            return _sane(dt.date(int(year), _MONTHS[month.lower()], int(day)))
        except ValueError:
            pass
    for pattern in _URL_DATE:
        match = pattern.search(url)
        if match:
            try:
                return _sane(dt.date(*(int(g) for g in match.groups())))
            except ValueError:
                continue
    return None


def modified_date(jsonld: list[dict[str, Any]], meta: dict[str, str]) -> str | None:
    for obj in jsonld:
        day = parse_date(obj.get("dateModified"))
        if day:
            return day
    for key in OG_MODIFIED + META_MODIFIED:
        day = parse_date(meta.get(key))
        if day:
            return day
    return None
