"""Which bytes an outlet answers for a request target, as of a day; no sockets here.

Listings (home, section pages, feeds, sitemaps) are cached per (target, as_of) because a crawl
asks for them again and again with conditional headers; article pages are cheap and not cached.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from demosite import render
from demosite.catalog import Catalog
from demosite.corpus import Article
from demosite.outlets import OutletSpec

HTML = "text/html; charset=utf-8"
XML = "application/xml; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"
ATOM = "application/atom+xml; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
HOME_SIZE = 20
FEED_SIZE = 100
NEWS_SIZE = 100
SITEMAP_PAGE = 5000
_EPOCH = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


@dataclass
class Response:
    status: int
    content_type: str
    body: bytes
    last_modified: dt.datetime | None = None
    _etag: str | None = field(default=None, repr=False)
    _gz: bytes | None = field(default=None, repr=False)

    @property
    def etag(self) -> str:
        if self._etag is None:
            self._etag = '"' + hashlib.sha1(self.body).hexdigest()[:20] + '"'
        return self._etag

    def gzipped(self) -> bytes:
        if self._gz is None:
            self._gz = gzip.compress(self.body, compresslevel=1, mtime=0)
        return self._gz


def _ok(ctype: str, text: str, last_modified: dt.datetime | None = None) -> Response:
    return Response(200, ctype, text.encode("utf-8"), last_modified)


def _status(code: int, message: str) -> Response:
    return Response(code, TEXT, f"{code} {message}\n".encode())


class Router:
    """One outlet's URL space over a catalog; thread-safe (the cache is the only shared state)."""

    def __init__(
        self, spec: OutletSpec, catalog: Catalog, sitemap_page: int = SITEMAP_PAGE
    ) -> None:
        self.spec = spec
        self.catalog = catalog
        self.sitemap_page = sitemap_page
        self._cache: dict[tuple[str, dt.date | None, str], Response] = {}
        self._lock = threading.Lock()

    def handle(self, target: str, base: str, as_of: dt.date | None) -> Response:
        key = (target, as_of, base)
        with self._lock:
            hit = self._cache.get(key)
        if hit is not None:
            return hit
        resp, cacheable = self._route(target, base, as_of)
        if cacheable and resp.status == 200:
            with self._lock:
                if len(self._cache) > 512:
                    self._cache.clear()
                self._cache[key] = resp
        return resp

    def _route(self, target: str, base: str, as_of: dt.date | None) -> tuple[Response, bool]:
        spec = self.spec
        parts = urlsplit(target)
        path = parts.path or "/"
        if path == "/robots.txt":
            return _ok(TEXT, render.robots(spec, base)), True
        if path == "/search" or path.startswith("/search/"):
            return _ok(HTML, render.search_page(spec, base)), True
        if any(path.startswith(p) for p in ("/private/", "/account/", "/wp-admin/")):
            return _status(403, "Forbidden"), False
        if path in spec.other_pages or path.startswith("/author/"):
            title = path.strip("/").split("/")[-1].replace("-", " ").title()
            return _ok(HTML, render.index_page(spec, (), base, title, path)), True
        if path == "/":
            items = self.catalog.listing(spec.name, as_of)[:HOME_SIZE]
            pager = [("Labor coverage", spec.section_path)]
            html = render.index_page(spec, items, base, spec.title, "/", pager)
            return _ok(HTML, html, _newest(items)), True
        page = self._section_page(target, path, parts.query)
        if page is not None:
            return self._section(page, base, as_of), True
        if path == spec.feed_path:
            items = self.catalog.listing(spec.name, as_of)[:FEED_SIZE]
            ctype = ATOM if spec.feed_kind == "atom" else RSS
            return _ok(ctype, render.feed(spec, items, base), _newest(items)), True
        if path == spec.sitemap_path:
            return self._sitemap_root(base, as_of), True
        if spec.news_sitemap_path and path == spec.news_sitemap_path:
            items = self.catalog.listing(spec.name, as_of)[:NEWS_SIZE]
            return _ok(XML, render.news_urlset(spec, items, base), _newest(items)), True
        m = spec.sitemap_page_re.match(path)
        if m:
            return self._sitemap_page(int(m.group(1)), base, as_of), True
        art = self.catalog.find(spec.name, path)
        if art is None or (as_of is not None and art.published > as_of):
            return _status(404, "Not Found"), False
        related = [r for r in self.catalog.listing(spec.name, art.published)[:4] if r.id != art.id][
            :3
        ]
        return _ok(HTML, render.article_page(spec, art, base, related), art.published_at), False

    def _section_page(self, target: str, path: str, query: str) -> int | None:
        spec = self.spec
        if path == spec.section_path.split("?")[0]:
            if "?" in spec.section_page_path and query:
                values = parse_qs(query).get("page")
                return int(values[0]) if values and values[0].isdigit() else 1
            return 1
        m = spec.section_page_re.match(path) or spec.section_page_re.match(target)
        return int(m.group(1)) if m else None

    def _section(self, page: int, base: str, as_of: dt.date | None) -> Response:
        spec = self.spec
        items = self.catalog.section(spec.name, as_of)
        pages = max(1, -(-len(items) // spec.per_page))
        if not 1 <= page <= pages:
            return _status(404, "Not Found")
        chunk = items[(page - 1) * spec.per_page : page * spec.per_page]
        pager = []
        if page > 1:
            pager.append(("Newer stories", spec.section_url(page - 1)))
        if page < pages:
            pager.append(("Older stories", spec.section_url(page + 1)))
        heading = spec.section_label if page == 1 else f"{spec.section_label} - page {page}"
        html = render.index_page(spec, chunk, base, heading, spec.section_url(page), pager)
        return _ok(HTML, html, _newest(chunk))

    def _pages(self, as_of: dt.date | None) -> int:
        return max(1, -(-len(self.catalog.listing(self.spec.name, as_of)) // self.sitemap_page))

    def _sitemap_root(self, base: str, as_of: dt.date | None) -> Response:
        spec = self.spec
        items = self.catalog.listing(spec.name, as_of)
        if spec.sitemap_kind == "plain" and len(items) <= self.sitemap_page:
            return _ok(XML, render.urlset(spec, items, base), _newest(items))
        size = self.sitemap_page
        entries = [
            (base + spec.sitemap_page_url(p), items[(p - 1) * size].published if items else None)
            for p in range(1, self._pages(as_of) + 1)
        ]
        if spec.news_sitemap_path:
            entries.append((base + spec.news_sitemap_path, items[0].published if items else None))
        return _ok(XML, render.sitemap_index(entries), _newest(items))

    def _sitemap_page(self, page: int, base: str, as_of: dt.date | None) -> Response:
        items = self.catalog.listing(self.spec.name, as_of)
        if not 1 <= page <= self._pages(as_of):
            return _status(404, "Not Found")
        chunk = items[(page - 1) * self.sitemap_page : page * self.sitemap_page]
        return _ok(XML, render.urlset(self.spec, chunk, base), _newest(chunk))


def _newest(items: Sequence[Article]) -> dt.datetime:
    return items[0].published_at if len(items) else _EPOCH
