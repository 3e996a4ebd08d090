"""Page metadata besides dates: JSON-LD objects, <meta> values, title, authors, language, URL.

Each field is read from the most deliberate statement first (JSON-LD, then OpenGraph / <meta>,
then the visible markup), because those are what publishers curate for search and social cards.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin

from lxml import html as lxml_html

ARTICLE_TYPES = {
    "article",
    "newsarticle",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "reviewnewsarticle",
    "backgroundnewsarticle",
    "blogposting",
    "socialmediaposting",
    "liveblogposting",
    "techarticle",
    "scholarlyarticle",
    "report",
    "webpage",
}

_LANG = re.compile(r"^([a-zA-Z]{2,3})(?:[-_].*)?$")
_SPACE = re.compile(r"\s+")


def _walk(node: Any, listed: bool = False) -> Iterator[tuple[dict[str, Any], bool]]:
    """Every JSON-LD object, including those nested in @graph, lists and mainEntity, each with
    whether it sits in an ItemList (then it is another page: a teaser, a related story)."""
    if isinstance(node, list):
        for item in node:
            yield from _walk(item, listed)
    elif isinstance(node, dict):
        yield node, listed
        for key, value in node.items():
            if key in ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement") or (
                isinstance(value, (list, dict)) and key == "@list"
            ):
                yield from _walk(value, listed or key == "itemListElement")


def object_types(obj: dict[str, Any]) -> set[str]:
    """The lower-cased schema.org types of one JSON-LD object."""
    raw = obj.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    return {str(v).rsplit("/", 1)[-1].lower() for v in values if v}


def jsonld_objects(tree: lxml_html.HtmlElement) -> list[dict[str, Any]]:
    """JSON-LD objects of the page, article-like ones first; tolerant of broken scripts."""
    found: list[dict[str, Any]] = []
    listed: list[dict[str, Any]] = []
    for script in tree.iter("script"):  # a walk over <script> only: an XPath scans every node
        if "ld+json" not in (script.get("type") or "").lower():
            continue
        text = (script.text or "").strip()
        if not text:
            continue
        text = re.sub(r"^\s*(?://\s*)?<!\[CDATA\[|\]\]>\s*$|^<!--|-->$", "", text).strip()
        try:
            data = json.loads(text, strict=False)
        except ValueError:
            continue
        for obj, in_list in _walk(data):
            (listed if in_list else found).append(obj)
    articles = [o for o in found if object_types(o) & (ARTICLE_TYPES - {"webpage"})]
    pages = [o for o in found if "webpage" in object_types(o)]
    rest = [o for o in found if o not in articles and o not in pages]
    return articles + pages + rest + listed


def meta_map(tree: lxml_html.HtmlElement) -> dict[str, str]:
    """<meta> values by lower-cased name/property/itemprop/http-equiv; the first one wins."""
    out: dict[str, str] = {}
    for meta in tree.iter("meta"):
        content = meta.get("content")
        if content is None:
            content = meta.get("datetime")
        if content is None or not content.strip():
            continue
        for attr in ("property", "name", "itemprop", "http-equiv"):
            key = meta.get(attr)
            if key:
                out.setdefault(key.strip().lower(), content.strip())
    return out


def _names(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [n for item in value for n in _names(item)]
    if isinstance(value, dict):
        return _names(value.get("name"))
    text = _SPACE.sub(" ", str(value)).strip()
    if not text or text.startswith("http") or len(text) > 80:
        return []
    return [text]


def _dedupe(items: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for item in items:
        if item.lower() not in seen:
            seen.add(item.lower())
            out.append(item)
    return out


def title(
    jsonld: list[dict[str, Any]], meta: dict[str, str], tree: lxml_html.HtmlElement
) -> str | None:
    candidates: list[Any] = [o.get("headline") for o in jsonld[:3]]
    candidates += [meta.get("og:title"), meta.get("twitter:title")]
    h1 = tree.find(".//h1")
    if h1 is not None:
        candidates.append(h1.text_content())
    node = tree.find(".//title")
    if node is not None:
        candidates.append(node.text_content())
    for value in candidates:
        if isinstance(value, list):
            value = value[0] if value else None
        if isinstance(value, str):
            text = _SPACE.sub(" ", value).strip()
            if text:
                return text
    return None


def title_variants(jsonld: list[dict[str, Any]], meta: dict[str, str]) -> list[str]:
    """Every way the page states its headline; used to strip it from the body."""
    out = [meta.get(k) for k in ("og:title", "twitter:title", "title", "sailthru.title")]
    out += [o.get("headline") for o in jsonld[:3]] + [o.get("name") for o in jsonld[:1]]
    return [v for v in out if isinstance(v, str) and v.strip()]


def authors(jsonld: list[dict[str, Any]], meta: dict[str, str]) -> list[str]:
    for obj in jsonld:
        names = _names(obj.get("author")) or _names(obj.get("creator"))
        if names:
            return _dedupe(names)
    for key in (
        "author",
        "article:author",
        "dc.creator",
        "parsely-author",
        "sailthru.author",
        "byl",
    ):
        value = meta.get(key)
        if value:
            value = re.sub(r"^by\s+", "", value, flags=re.I)
            names = [n.strip() for n in re.split(r"\s*(?:,|;|\band\b|&)\s*", value) if n.strip()]
            names = [n for n in names if not n.startswith("http") and len(n) <= 80]
            if names:
                return _dedupe(names)
    return []


def language(
    jsonld: list[dict[str, Any]], meta: dict[str, str], tree: lxml_html.HtmlElement
) -> str | None:
    candidates = [tree.get("lang"), tree.get("xml:lang"), meta.get("content-language")]
    candidates += [meta.get("og:locale"), meta.get("language"), meta.get("dc.language")]
    candidates += [o.get("inLanguage") for o in jsonld[:2]]
    for value in candidates:
        if isinstance(value, str):
            match = _LANG.match(value.strip())
            if match:
                return match.group(1).lower()
    return None


def canonical_url(tree: lxml_html.HtmlElement, meta: dict[str, str], url: str | None) -> str | None:
    for link in tree.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        href = (link.get("href") or "").strip()
        if "canonical" in rel and href:
            return urljoin(url or "", href)
    og = meta.get("og:url")
    if og and og.startswith("http"):
        return og
    return url
