"""The demo site: one local HTTP server per fictional outlet, standard library only.

Tests, benchmarks and ``tablewatch demo`` need real HTTP (robots.txt, conditional requests,
404s, redirects of tracking URLs to nothing) without the network, so each outlet runs a
ThreadingHTTPServer on 127.0.0.1 in a background thread. ``as_of`` replays the storyline: the
site shows only what had been published by that day, as a daily crawl would have seen it.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

from demosite.catalog import Catalog, CorpusCatalog
from demosite.corpus import default_corpus, validate
from demosite.generated import GeneratedCatalog
from demosite.outlets import Outlet, OutletSpec, load_outlets
from demosite.render import article_path
from demosite.routes import SITEMAP_PAGE, Response, Router
from kernel.days import as_date
from kernel.errors import TablewatchError

HOST = "127.0.0.1"


@dataclass(frozen=True)
class ArticleInfo:
    """What a test or the demo summary needs to know about a served article."""

    id: str
    outlet: str
    url: str
    published: dt.date
    negotiation: str | None
    title: str
    syndicated_from: str | None = None
    url_variants: tuple[str, ...] = ()


LOCAL_CRAWL_SETTINGS = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: crawls make thousands of small requests
    server_version = "TablewatchDemo/1.0"
    timeout = 30
    # Headers and body in one segment: unbuffered writes + Nagle + delayed ACK cost 40 ms a request.
    wbufsize = 64 * 1024
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self._serve(send_body=True)

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def log_message(self, format: str, *args: Any) -> None:
        return  # a crawl of 20,000 pages must not flood stderr

    def _serve(self, send_body: bool) -> None:
        srv: _OutletServer = self.server  # type: ignore[assignment]
        try:
            resp = srv.router.handle(self.path, srv.base_url, srv.site.as_of)
        except Exception:  # a demo server answers 500 rather than hanging up
            resp = Response(500, "text/plain; charset=utf-8", b"500 Internal Server Error\n")
        if resp.status == 200 and self._not_modified(resp):
            self.send_response(304)
            self._validators(resp)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = resp.body
        gz = (
            resp.status == 200
            and len(body) > 1024
            and "gzip" in self.headers.get("Accept-Encoding", "")
        )
        if gz:
            body = resp.gzipped()
        self.send_response(resp.status)
        self.send_header("Content-Type", resp.content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Vary", "Accept-Encoding")
        if gz:
            self.send_header("Content-Encoding", "gzip")
        if resp.status == 200:
            self._validators(resp)
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def _validators(self, resp: Response) -> None:
        self.send_header("ETag", resp.etag)
        if resp.last_modified is not None:
            self.send_header(
                "Last-Modified", format_datetime(resp.last_modified.astimezone(dt.UTC), usegmt=True)
            )

    def _not_modified(self, resp: Response) -> bool:
        """If-None-Match wins over If-Modified-Since, as RFC 9110 says."""
        inm = self.headers.get("If-None-Match")
        if inm is not None:
            tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
            return "*" in tags or resp.etag in tags
        ims = self.headers.get("If-Modified-Since")
        if ims and resp.last_modified is not None:
            try:
                since = parsedate_to_datetime(ims)
            except (TypeError, ValueError):
                return False
            if since.tzinfo is None:
                since = since.replace(tzinfo=dt.UTC)
            return resp.last_modified.replace(microsecond=0) <= since
        return False


class _OutletServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    router: Router
    site: DemoSite
    base_url: str


class DemoSite:
    """Three fictional outlets serving the demo storyline (or a generated large site).

    Use as a context manager; ``set_as_of`` may be called while running, from any thread.
    """

    def __init__(
        self,
        as_of: dt.date | str | None = None,
        generated: int | None = None,
        port_base: int | None = None,
        sitemap_page: int = SITEMAP_PAGE,
    ) -> None:
        self._specs: tuple[OutletSpec, ...] = load_outlets()
        if generated is not None:
            if generated < 1:
                raise TablewatchError(f"--generated must be a positive count, got {generated}")
            self.catalog: Catalog = GeneratedCatalog(generated, self._specs)
        else:
            corpus = default_corpus()
            validate(corpus, [s.name for s in self._specs])
            self.catalog = CorpusCatalog(corpus, self._specs)
        self._as_of: dt.date | None = None
        self.set_as_of(as_of)
        self._port_base = port_base
        self._sitemap_page = sitemap_page
        self._servers: list[_OutletServer] = []
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> DemoSite:
        with self._lock:
            if self._servers:
                return self
            try:
                for k, spec in enumerate(self._specs):
                    port = 0 if self._port_base is None else self._port_base + k
                    srv = _OutletServer((HOST, port), _Handler)
                    srv.router = Router(spec, self.catalog, self._sitemap_page)
                    srv.site = self
                    srv.base_url = f"http://{HOST}:{srv.server_address[1]}"
                    self._servers.append(srv)
            except OSError as exc:
                self._close()
                raise TablewatchError(
                    f"demo site cannot listen on {HOST}:{port}: {exc.strerror}"
                ) from None
            for srv in self._servers:
                t = threading.Thread(
                    target=srv.serve_forever,
                    kwargs={"poll_interval": 0.1},
                    daemon=True,
                    name=f"demosite-{srv.router.spec.name}",
                )
                t.start()
                self._threads.append(t)
        return self

    def stop(self) -> None:
        with self._lock:
            for srv in self._servers:
                srv.shutdown()
            self._close()
            for t in self._threads:
                t.join(timeout=5)
            self._threads.clear()

    def _close(self) -> None:
        for srv in self._servers:
            srv.server_close()
        self._servers.clear()

    def __enter__(self) -> DemoSite:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what is served ------------------------------------------------------------------------
    @property
    def as_of(self) -> dt.date | None:
        return self._as_of

    def set_as_of(self, day: dt.date | str | None) -> None:
        """Replay the storyline up to ``day`` (inclusive); None shows everything."""
        self._as_of = None if day is None else as_date(day, "as_of")

    @property
    def outlets(self) -> list[Outlet]:
        if not self._servers:
            raise TablewatchError(
                "demo site is not running: call start() or use it in a with block"
            )
        return [Outlet(s.router.spec.name, s.base_url) for s in self._servers]

    @property
    def base_urls(self) -> list[str]:
        return [o.base_url for o in self.outlets]

    @property
    def base_url(self) -> str:
        """The first outlet's address, for callers that want just one site."""
        return self.base_urls[0]

    def _base(self, outlet: str) -> str:
        for s in self._servers:
            if s.router.spec.name == outlet:
                return s.base_url
        return ""

    @property
    def articles(self) -> Sequence[ArticleInfo]:
        """Every article with its canonical URL (a path while the site is not running)."""
        specs = {s.name: s for s in self._specs}
        bases = {name: self._base(name) for name in specs}
        return [
            ArticleInfo(
                id=a.id,
                outlet=a.outlet,
                url=bases[a.outlet] + article_path(specs[a.outlet], a),
                published=a.published,
                negotiation=a.negotiation,
                title=a.title,
                syndicated_from=a.syndicated_from,
                url_variants=a.url_variants,
            )
            for a in self.catalog.all()
        ]

    def sources(self) -> list[dict[str, Any]]:
        """Entries in the crawlers/sources.yaml format for the running outlets."""
        out = []
        for s in self._servers:
            spec = s.router.spec
            out.append(
                {
                    "name": spec.name,
                    "allowed_domains": [HOST],
                    "feeds": [s.base_url + spec.feed_path],
                    "sitemaps": [s.base_url + spec.sitemap_path],
                    "start_urls": [s.base_url + spec.section_path],
                }
            )
        if not out:
            raise TablewatchError("demo site is not running: start it before writing sources")
        return out

    def write_sources(self, path: str | Path) -> Path:
        """A sources file a crawl can be pointed at; valid only while this site runs."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        header = "# Written by demosite for a running demo site (ports change per run).\n"
        # A local site needs no politeness delay: the crawl's own settings would only measure it.
        data = {"sources": self.sources(), "settings": LOCAL_CRAWL_SETTINGS}
        path.write_text(header + yaml.safe_dump(data, sort_keys=False))
        return path
