"""Pages, feeds, sitemaps and robots.txt of one outlet, from the templates folder.

Rendering is pure (article + outlet + base URL in, text out) so the server can cache it and the
tests can read it; each outlet's HTML templates differ the way real sites do (see outlets.yaml).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from email.utils import format_datetime
from functools import lru_cache
from html import escape
from pathlib import Path
from string import Template

from demosite.corpus import Article
from demosite.outlets import OutletSpec

TEMPLATES = Path(__file__).resolve().parent / "templates"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"


@lru_cache(maxsize=32)
def template(name: str) -> Template:
    return Template((TEMPLATES / name).read_text(encoding="utf-8"))


def article_path(spec: OutletSpec, art: Article, variant: str = "") -> str:
    return spec.article_url_path(art.slug, art.published) + variant


def _variant(art: Article, k: int) -> str:
    """Where an outlet links the same story under tracking parameters (feed: 0, listings: 1)."""
    return art.url_variants[k] if len(art.url_variants) > k else ""


def _human(when: dt.datetime) -> str:
    hour = when.hour % 12 or 12
    ampm = "am" if when.hour < 12 else "pm"
    return f"{when:%B} {when.day}, {when.year} {hour}:{when.minute:02d}{ampm} PT"


def _author_slug(author: str) -> str:
    return "-".join(author.lower().replace(".", "").split())


def _common(spec: OutletSpec, base: str) -> dict[str, str]:
    return {
        "site_title": spec.title,
        "section_label": spec.section_label,
        "section_path": spec.section_path,
        "feed_url": base + spec.feed_path,
        "home": base + "/",
    }


def _jsonld(spec: OutletSpec, art: Article, canonical: str) -> str:
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": art.title,
        "datePublished": art.published_at.isoformat(),
        "dateModified": art.published_at.isoformat(),
        "author": [{"@type": "Person", "name": art.author}],
        "publisher": {"@type": "Organization", "name": spec.title},
        "mainEntityOfPage": canonical,
        "articleSection": spec.section_label if art.negotiation else "Film",
    }
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")


def article_page(spec: OutletSpec, art: Article, base: str, related: Iterable[Article]) -> str:
    canonical = base + article_path(spec, art)
    body = "\n".join(f"<p>{escape(p, quote=False)}</p>" for p in art.paragraphs)
    rel = "\n".join(
        f'<li><a href="{escape(base + article_path(spec, r, _variant(r, 1)))}">{escape(r.title)}</a></li>'
        for r in related
    )
    comments = "\n".join(
        f'<div class="comment"><b class="comment-author">{escape(c["name"])}</b>'
        f"<p>{escape(c['text'])}</p></div>"
        for c in spec.comments[: 1 + len(art.id) % max(1, len(spec.comments))]
    )
    return template(f"{spec.templates}/article.html").substitute(
        _common(spec, base),
        title=escape(art.title),
        canonical=escape(canonical),
        description=escape(art.summary[:200]),
        author=escape(art.author),
        author_slug=_author_slug(art.author),
        date_iso=art.published_at.isoformat(),
        date_human=_human(art.published_at),
        body=body,
        related=rel,
        comments=comments,
        jsonld=_jsonld(spec, art, canonical),
    )


def index_page(
    spec: OutletSpec,
    items: Sequence[Article],
    base: str,
    heading: str,
    canonical_path: str,
    pager: Sequence[tuple[str, str]] = (),
) -> str:
    item_tpl = template(f"{spec.templates}/item.html")
    rows = "\n".join(
        item_tpl.substitute(
            url=escape(base + article_path(spec, a, _variant(a, 1))),
            title=escape(a.title),
            summary=escape(a.summary[:180]),
            author=escape(a.author),
            date_human=_human(a.published_at),
        )
        for a in items
    )
    links = " ".join(f'<a href="{escape(href)}">{escape(label)}</a>' for label, href in pager)
    return template(f"{spec.templates}/index.html").substitute(
        _common(spec, base),
        heading=escape(heading),
        canonical=escape(base + canonical_path),
        items=rows,
        pager=links,
    )


def feed(spec: OutletSpec, items: Sequence[Article], base: str) -> str:
    updated = items[0].published_at if items else dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    kind = "atom" if spec.feed_kind == "atom" else "rss"
    item_tpl = template("feeds/atom_entry.xml" if kind == "atom" else "feeds/rss_item.xml")
    rows = "\n".join(
        item_tpl.substitute(
            title=escape(a.title),
            url=escape(base + article_path(spec, a, _variant(a, 0))),
            guid=escape(f"{spec.name}:{a.id}"),
            date_rfc822=format_datetime(a.published_at),
            date_iso=a.published_at.isoformat(),
            author=escape(a.author),
            section_label=escape(spec.section_label if a.negotiation else "Film"),
            summary=escape(a.summary[:300]),
        )
        for a in items
    )
    return template(f"feeds/{kind}.xml").substitute(
        title=escape(spec.feed_title),
        home=base + "/",
        self=base + spec.feed_path,
        updated_rfc822=format_datetime(updated),
        updated_iso=updated.isoformat(),
        items=rows,
    )


def urlset(spec: OutletSpec, items: Iterable[Article], base: str) -> str:
    rows = "".join(
        f"<url><loc>{escape(base + article_path(spec, a))}</loc>"
        f"<lastmod>{a.published.isoformat()}</lastmod></url>\n"
        for a in items
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{SITEMAP_NS}">\n{rows}</urlset>\n'
    )


def news_urlset(spec: OutletSpec, items: Iterable[Article], base: str) -> str:
    rows = "".join(
        f"<url><loc>{escape(base + article_path(spec, a))}</loc><news:news><news:publication>"
        f"<news:name>{escape(spec.title)}</news:name><news:language>en</news:language>"
        f"</news:publication><news:publication_date>{a.published_at.isoformat()}"
        f"</news:publication_date><news:title>{escape(a.title)}</news:title></news:news></url>\n"
        for a in items
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{SITEMAP_NS}" '
        f'xmlns:news="{NEWS_NS}">\n{rows}</urlset>\n'
    )


def sitemap_index(entries: Iterable[tuple[str, dt.date | None]]) -> str:
    rows = "".join(
        f"<sitemap><loc>{escape(loc)}</loc>"
        + (f"<lastmod>{day.isoformat()}</lastmod>" if day else "")
        + "</sitemap>\n"
        for loc, day in entries
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="{SITEMAP_NS}">\n'
        f"{rows}</sitemapindex>\n"
    )


def robots(spec: OutletSpec, base: str) -> str:
    lines = ["User-agent: *", *(f"Disallow: {p}" for p in spec.robots_disallow), ""]
    lines.append(f"Sitemap: {base}{spec.sitemap_path}")
    if spec.news_sitemap_path:
        lines.append(f"Sitemap: {base}{spec.news_sitemap_path}")
    return "\n".join(lines) + "\n"


def search_page(spec: OutletSpec, base: str) -> str:
    """What a crawler ignoring robots.txt would get: a page with no article on it."""
    return index_page(spec, (), base, "Search results", "/search")
