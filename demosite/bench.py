"""How fast the demo site serves, so crawl benchmarks measure the crawler and not the site.

Baselines from the same run: start-up and memory of the small written corpus, and requests per
second for robots.txt (the cheapest route) on the same keep-alive connection as the article pages.
Wire it into ``benchmarks/`` with ``from demosite.bench import run``.
"""

from __future__ import annotations

import http.client
import os
import sys
import time
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import psutil

from demosite.server import DemoSite

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def _rps(base: str, paths: list[str]) -> float:
    """Requests per second over one keep-alive connection (what Scrapy does per host)."""
    conn = http.client.HTTPConnection(urlsplit(base).netloc, timeout=30)
    t = time.perf_counter()
    for p in paths:
        conn.request("GET", p)
        resp = conn.getresponse()
        resp.read()
        if resp.status != 200:
            raise RuntimeError(f"{p}: HTTP {resp.status}")
    conn.close()
    return len(paths) / (time.perf_counter() - t)


def _walk(url: str, conn_cache: dict[str, http.client.HTTPConnection]) -> list[str]:
    parts = urlsplit(url)
    conn = conn_cache.setdefault(parts.netloc, http.client.HTTPConnection(parts.netloc, timeout=30))
    conn.request("GET", parts.path)
    root = ET.fromstring(conn.getresponse().read())
    if root.tag == f"{SM}sitemapindex":
        return [u for loc in root.iter(f"{SM}loc") for u in _walk(loc.text, conn_cache)]
    return [loc.text for loc in root.iter(f"{SM}loc")]


def _measure(generated: int | None) -> dict[str, float]:
    proc = psutil.Process(os.getpid())
    rss0 = proc.memory_info().rss
    t = time.perf_counter()
    with DemoSite(generated=generated) as site:
        start = time.perf_counter() - t
        t = time.perf_counter()
        conns: dict[str, http.client.HTTPConnection] = {}
        urls = {u for src in site.sources() for u in _walk(src["sitemaps"][0], conns)}
        walk = time.perf_counter() - t
        base = site.outlets[0].base_url
        pages = sorted(u for u in urls if u.startswith(base))[:300]
        paths = [urlsplit(u).path for u in pages]
        article_rps = _rps(base, paths)
        robots_rps = _rps(base, ["/robots.txt"] * len(paths))
        rss = (proc.memory_info().rss - rss0) / 2**20
        for c in conns.values():
            c.close()
    return {
        "urls": len(urls),
        "start": start,
        "walk": walk,
        "article_rps": article_rps,
        "robots_rps": robots_rps,
        "rss": rss,
    }


def run(quick: bool = False) -> str:
    sizes = [1000] if quick else [1000, 5000, 20000]
    base = _measure(None)
    rows = [
        "### Demo site serving speed",
        "",
        "| site | URLs via sitemaps | start s | sitemap walk s | article pages/s | robots.txt/s "
        "(baseline) | article/robots | RSS growth MiB |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]

    def row(name: str, m: dict[str, float]) -> str:
        return (
            f"| {name} | {m['urls']:.0f} | {m['start']:.3f} | {m['walk']:.3f} | "
            f"{m['article_rps']:.0f} | {m['robots_rps']:.0f} | "
            f"{m['article_rps'] / m['robots_rps']:.2f} | {m['rss']:.1f} |"
        )

    rows.append(row("written corpus (baseline)", base))
    for n in sizes:
        rows.append(row(f"generated={n}", _measure(n)))
    rows.append("")
    rows.append(
        "Start-up stays flat as the generated site grows because articles are computed per request; "
        "RSS growth is the cached sitemaps plus this benchmark's own set of URLs."
    )
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv))
