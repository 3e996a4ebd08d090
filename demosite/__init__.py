"""A local, offline stand-in for the trade press: three fictional outlets serving an original
storyline about the 2026 Hollywood guild negotiations (or a generated large site for benchmarks).

``with DemoSite() as site: site.write_sources(path)`` gives the crawler real HTTP to work on.
"""

from demosite.corpus import Article, load_corpus, load_storyline
from demosite.outlets import Outlet
from demosite.server import ArticleInfo, DemoSite

__all__ = ["Article", "ArticleInfo", "DemoSite", "Outlet", "load_corpus", "load_storyline"]
