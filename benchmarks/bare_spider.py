"""The baseline crawler for benchmarks/crawl.py: Scrapy's SitemapSpider fetching every page and
keeping nothing, so its speed is what Scrapy and the local server cost, and nothing else."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from scrapy.crawler import CrawlerProcess
from scrapy.spiders import SitemapSpider


class BareSpider(SitemapSpider):
    name = "bare"
    pages = 0

    def parse(self, response):  # noqa: ANN001, ANN201 - Scrapy callback
        BareSpider.pages += 1
        return None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("sitemaps", nargs="+")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--settings-json", default="{}")
    args = parser.parse_args()
    settings = {"ROBOTSTXT_OBEY": False, "TELNETCONSOLE_ENABLED": False, "LOG_LEVEL": "WARNING"}
    settings.update(json.loads(args.settings_json))
    process = CrawlerProcess(settings=settings)
    process.crawl(BareSpider, sitemap_urls=args.sitemaps)
    process.start()
    args.out.write_text(str(BareSpider.pages))


if __name__ == "__main__":
    main()
