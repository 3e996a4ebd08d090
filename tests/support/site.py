"""A real HTTP server on 127.0.0.1 for crawler tests, with the faults the web serves.

Static routes are ``(status, headers, body)``; dynamic ones are callables that write the response
themselves (hanging, streaming, counting hits). Every request is logged with its headers, so tests
can assert what the crawler asked for, not only what it stored.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

Handler = Callable[[BaseHTTPRequestHandler], None]

ROBOTS = b"User-agent: *\nDisallow: /private/\n"


def article_html(
    title: str,
    paragraphs: list[str],
    published: str | None = "2023-07-14",
    canonical: str | None = None,
    charset: str | None = "utf-8",
    head_extra: str = "",
    aside: str = "",
) -> str:
    """An article page; ``head_extra`` adds markup to <head> (JSON-LD, Open Graph), ``aside``
    a box after the article (a "most read" list)."""
    head = [f"<title>{title}</title>", head_extra]
    if charset:
        head.append(f'<meta charset="{charset}">')
    if published:
        head.append(f'<meta property="article:published_time" content="{published}T10:00:00Z">')
    if canonical:
        head.append(f'<link rel="canonical" href="{canonical}">')
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<!doctype html><html lang="en"><head>{"".join(head)}</head><body><nav>Home | News</nav>'
        f"<article><h1>{title}</h1>{body}</article>{aside}<footer>(c) Fixture Press</footer>"
        "</body></html>"
    )


def jsonld(type_: str | list[str], headline: str = "", **extra: Any) -> str:
    """A JSON-LD <script> declaring the page's schema.org type."""
    data = {"@context": "https://schema.org", "@type": type_, "headline": headline, **extra}
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def og(type_: str) -> str:
    return f'<meta property="og:type" content="{type_}">'


def river_html(title: str, cards: list[tuple[str, str, str]], nav: list[str] = ()) -> str:
    """A section page laid out as real ones are: a menu of one-word links, then a river of teaser
    cards (link, headline, summary), as a section, a tag page or a paged archive shows them."""
    menu = "".join(f'<li><a href="{href}">{href.strip("/").rsplit("/", 1)[-1] or "Home"}</a></li>'
                   for href in nav)  # fmt: skip
    items = "".join(
        f'<div class="card"><h3><a href="{href}">{headline}</a></h3><p>{summary}</p></div>'
        for href, headline, summary in cards
    )
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>'
        f'<body><nav><ul>{menu}</ul></nav><main><h1>{title}</h1><div class="river">{items}</div>'
        "</main><footer>(c) Fixture Press</footer></body></html>"
    )


def rss(items: list[tuple[str, str | None]]) -> bytes:
    entries = "".join(
        f"<item><title>t</title><link>{link}</link>"
        + (f"<pubDate>{date}</pubDate>" if date else "")
        + "</item>"
        for link, date in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Fixture</title>'
        f"{entries}</channel></rss>"
    ).encode()


def news_sitemap(items: list[tuple[str, str | None]]) -> bytes:
    urls = "".join(
        f"<url><loc>{loc}</loc><news:news><news:publication>"
        "<news:name>Fixture</news:name><news:language>en</news:language></news:publication>"
        + (f"<news:publication_date>{date}</news:publication_date>" if date else "")
        + "<news:title>t</news:title></news:news></url>"
        for loc, date in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
        f"{urls}</urlset>"
    ).encode()


def sitemap_index(locs: list[str]) -> bytes:
    inner = "".join(f"<sitemap><loc>{loc}</loc></sitemap>" for loc in locs)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{inner}</sitemapindex>'
    ).encode()


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
ROOT_OPEN<title>&lol9;</title><link>&lol9;</link>ROOT_CLOSE
"""


def bomb(root_open: str, root_close: str) -> bytes:
    return BILLION_LAUGHS.replace(b"ROOT_OPEN", root_open.encode()).replace(
        b"ROOT_CLOSE", root_close.encode()
    )


class FixtureSite:
    """Context manager: ``base_url`` (127.0.0.1) and ``foreign_url`` (localhost, same server)."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, dict[str, str], bytes] | Handler] = {
            "/robots.txt": (200, {"Content-Type": "text/plain"}, ROBOTS)
        }
        self.hits: list[tuple[str, dict[str, str]]] = []
        #: what a path without a route gets
        self.default: tuple[int, dict[str, str], bytes] = (
            404,
            {"Content-Type": "text/html"},
            b"<html><body>Not here</body></html>",
        )
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        site = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                with site._lock:
                    site.hits.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                route = site.routes.get(self.path) or site.routes.get(urlsplit(self.path).path)
                if route is None:
                    route = site.default
                if callable(route):
                    route(self)
                    return
                status, headers, body = route
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        class _Server(ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # clients hanging up mid-response are part of the tests

        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.foreign_url = f"http://localhost:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FixtureSite:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def page(
        self,
        path: str,
        html: str | bytes,
        content_type: str = "text/html; charset=utf-8",
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> str:
        body = html.encode("utf-8") if isinstance(html, str) else html
        self.routes[path] = (status, {"Content-Type": content_type, **(headers or {})}, body)
        return self.base_url + path

    def paths(self) -> list[str]:
        with self._lock:
            return [p for p, _ in self.hits]

    def write_sources(
        self,
        path: Path,
        feeds: list[str] = (),
        sitemaps: list[str] = (),
        start_urls: list[str] = (),
    ) -> Path:
        data = {
            "sources": [
                {
                    "name": "fixture",
                    "allowed_domains": ["127.0.0.1"],
                    "feeds": [self.base_url + f for f in feeds],
                    "sitemaps": [self.base_url + s for s in sitemaps],
                    "start_urls": [self.base_url + s for s in start_urls],
                }
            ]
        }
        path.write_text(yaml.safe_dump(data), encoding="utf-8")
        return path


class FailingSite(FixtureSite):
    """An outlet whose server answers 500 to everything, robots.txt included."""

    def __init__(self) -> None:
        super().__init__()
        self.routes.clear()
        self.default = (500, {"Content-Type": "text/plain"}, b"500 Internal Server Error\n")


def hang(site: FixtureSite, seconds: float = 15.0) -> Handler:
    """Accept the request, then say nothing."""

    def handler(req: BaseHTTPRequestHandler) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not site.stopping.is_set():
            time.sleep(0.05)

    return handler


def stream_bytes(total: int) -> Handler:
    """A huge page sent without Content-Length, so only the received size can stop it."""

    def handler(req: BaseHTTPRequestHandler) -> None:
        req.protocol_version = "HTTP/1.0"
        req.send_response(200)
        req.send_header("Content-Type", "text/html")
        req.send_header("Connection", "close")
        req.end_headers()
        chunk = b"<p>" + b"x" * 65530 + b"</p>"
        sent = 0
        try:
            while sent < total:
                req.wfile.write(chunk)
                sent += len(chunk)
        except OSError:
            pass  # the crawler hung up, as it should
        req.close_connection = True

    return handler


def flaky(
    first: tuple[int, dict[str, str], bytes],
    then: tuple[int, dict[str, str], bytes],
    times: int = 1,
) -> Handler:
    """Serve ``first`` for the first ``times`` hits, then ``then``."""
    count = {"n": 0}

    def handler(req: BaseHTTPRequestHandler) -> None:
        count["n"] += 1
        status, headers, body = first if count["n"] <= times else then
        req.send_response(status)
        for name, value in headers.items():
            req.send_header(name, value)
        req.send_header("Content-Length", str(len(body)))
        req.end_headers()
        req.wfile.write(body)

    return handler


def conditional(body: bytes, etag: str, content_type: str = "application/rss+xml") -> Handler:
    """A feed that answers 304 when the crawler sends back its ETag."""

    def handler(req: BaseHTTPRequestHandler) -> None:
        if req.headers.get("If-None-Match") == etag:
            req.send_response(304)
            req.send_header("ETag", etag)
            req.send_header("Content-Length", "0")
            req.end_headers()
            return
        req.send_response(200)
        req.send_header("Content-Type", content_type)
        req.send_header("ETag", etag)
        req.send_header("Last-Modified", "Wed, 12 Jul 2023 10:00:00 GMT")
        req.send_header("Content-Length", str(len(body)))
        req.end_headers()
        req.wfile.write(body)

    return handler
