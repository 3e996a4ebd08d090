"""The baseline crawler for benchmarks/crawl.py: Scrapy's SitemapSpider fetching every page and
keeping nothing, so its speed is what Scrapy and the local server cost, and nothing else.

It writes ``{"pages", "requests", "crawl_s"}`` as JSON: ``crawl_s`` is Scrapy's own
``elapsed_time_seconds`` (engine open to close), the same figure `tablewatch crawl` stores in
its crawl_stats.json, so the two crawlers are compared with and without process start-up.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.spiders import SitemapSpider


class BareSpider(SitemapSpider):
    name = "bare"

    def parse(self, response: Any) -> None:
        self.crawler.stats.inc_value("bare/pages")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("sitemaps", nargs="+")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--settings-json", default="{}")
    args = parser.parse_args()
    settings = {"ROBOTSTXT_OBEY": False, "TELNETCONSOLE_ENABLED": False, "LOG_LEVEL": "WARNING"}
    settings.update(json.loads(args.settings_json))
    process = CrawlerProcess(settings=settings)
    crawler = process.create_crawler(BareSpider)
    process.crawl(crawler, sitemap_urls=args.sitemaps)
    process.start()
    stats = crawler.stats.get_stats()
    out = {
        "pages": int(stats.get("bare/pages", 0)),
        "requests": int(stats.get("downloader/request_count", 0)),
        "crawl_s": float(stats.get("elapsed_time_seconds", 0.0)),
    }
    args.out.write_text(json.dumps(out))


if __name__ == "__main__":
    main()
