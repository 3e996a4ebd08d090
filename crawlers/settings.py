"""Scrapy settings for the Tablewatch crawler: polite by default, bounded in every dimension.

Every value below can be overridden per run (``crawlers.run.crawl(settings={...})``); tests use that
for short timeouts and no delays. The ``TABLEWATCH_*`` keys are read by the spider and pipelines.
"""

import os

BOT_NAME = "tablewatch"
SPIDER_MODULES = ["crawlers.spiders"]
NEWSPIDER_MODULE = "crawlers.spiders"

# Who we are and how to reach us: site operators who see unusual traffic should be able to
# find the project and ask us to stop, instead of blocking an anonymous bot.
TABLEWATCH_CONTACT_URL = os.environ.get(
    "TABLEWATCH_CONTACT_URL", "https://github.com/tablewatch/tablewatch#crawler"
)
USER_AGENT = f"TablewatchBot/0.1 (+{TABLEWATCH_CONTACT_URL})"
# robots.txt groups are matched on the product token, not the whole UA string.
ROBOTSTXT_USER_AGENT = "TablewatchBot"

# Publishers say where bots may go; a monitor that ignores them deserves to be blocked.
ROBOTSTXT_OBEY = True

# AutoThrottle adapts the delay to each server's latency, so a slow site gets fewer requests.
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
# A floor under AutoThrottle: never more than about one request a second per site.
DOWNLOAD_DELAY = 1.0
# A news site is one server farm: two parallel requests per domain at most, 16 across sites.
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2

# A hanging server must cost seconds, not the run; news pages come back well within this.
DOWNLOAD_TIMEOUT = 30
# Article pages are tens of kB; anything this big is not an article (or is an attack).
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
# Sitemaps may legally hold 50,000 URLs (50 MB uncompressed); listings get their own cap.
TABLEWATCH_LISTING_MAXSIZE = 50 * 1024 * 1024

# Transient failures (rate limits, 5xx, timeouts) are retried a little, with exponential backoff,
# and a server's Retry-After is honoured up to RETRY_AFTER_MAX seconds (longer: give up today).
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
RETRY_BACKOFF_BASE = 2.0
RETRY_BACKOFF_MAX = 60.0
RETRY_AFTER_MAX = 120.0

# Redirect chains longer than this are loops or traps.
REDIRECT_MAX_TIMES = 5

# No sessions: articles do not need cookies, and cookies would make us a tracked visitor.
COOKIES_ENABLED = False
# No remote shell or remote-control HTTP port into a running crawler.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
LOG_LEVEL = "INFO"

DOWNLOADER_MIDDLEWARES = {
    # A rerun of a day answers its page requests from the day's raw archive (listings never).
    "crawlers.middlewares.DayArchiveMiddleware": 40,
    # Checks requests produced by redirects before anything else touches them.
    "crawlers.middlewares.OffsiteRedirectMiddleware": 60,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawlers.middlewares.RetryAfterMiddleware": 550,
}

# Extraction runs in worker processes beside the reactor (crawlers/extraction_workers.py), so
# parsing one page never stalls the downloads of the next. 0 = in the crawl's own process (for
# debuggers and profilers). A page still being extracted after TIMEOUT seconds is recorded as failed.
TABLEWATCH_EXTRACT_WORKERS = 1
TABLEWATCH_EXTRACT_TIMEOUT = 60.0
# An article response yields one item and the pipelines are synchronous, so Scrapy's default of
# 100 parallel item slots only costs: it starts 100 asyncio tasks per response, measured at ~5 ms
# of the reactor's CPU per page on the benchmark site (benchmarks/crawl.py).
CONCURRENT_ITEMS = 1
# Downloads go on while pages wait for the extraction worker; Scrapy stops downloading when the
# responses waiting in the scraper add up to this many bytes. Its default (5 MB) let a fast local
# site queue ~1,200 small pages and added ~45 MiB of RSS between the 1,000- and 5,000-article
# benchmark sites; 1 MB still keeps the worker busy (same speed, measured).
SCRAPER_SLOT_MAX_ACTIVE_SIZE = 1_000_000

# The crawl process's cyclic garbage collector: Python's default (a young collection every 700 new
# container objects, a full one when the survivors grow by a quarter) scans the crawl's live heap
# (the scheduler's queued requests, the dedupe state, Scrapy's and Twisted's modules) over and
# over: 3.3 of the reactor's 25 CPU s on the 5,000-article benchmark site, and about 5 s with the
# cache misses it causes. A young collection every 50,000 objects, with the start-up objects
# frozen out of every scan (gc.freeze), keeps the crawl's pages and items from piling up while
# barely collecting; same peak RSS on that site. 0 keeps Python's default (crawlers.run).
TABLEWATCH_GC_THRESHOLD = 50_000

# Running counts for the parent process (crawlers/progress.py); on when the parent names the file.
EXTENSIONS = {"crawlers.progress.ProgressFile": 500}
TABLEWATCH_PROGRESS_INTERVAL = 1.0

ITEM_PIPELINES = {
    "crawlers.pipelines.ValidatePipeline": 100,
    "crawlers.pipelines.DedupePipeline": 200,
    "crawlers.pipelines.RelevancePipeline": 300,
    "crawlers.pipelines.ArchivePipeline": 400,
    "crawlers.pipelines.StorePipeline": 500,
}

# Near-duplicate threshold: with TABLEWATCH_DEDUPE_BY_SIMHASH, bodies whose 64-bit simhashes differ
# in at most this many bits are treated as copies (bylines, footers, light edits of one text).
TABLEWATCH_SIMHASH_MAX_DISTANCE = 6
# Off by default: the rewritten lede of a syndicated copy moves its simhash 12-19 bits, as far as
# an unrelated article on the same story, while distinct short articles built from the same stock
# sentences (the generated benchmark site: other vote shares, other days, even other unions) land
# 4-6 bits apart. Passage fingerprints (below) decide instead; the simhash column is still written.
TABLEWATCH_DEDUPE_BY_SIMHASH = False
# Syndicated copies (rewritten headline and lede, same wire text below) are found by passage
# fingerprints: hashes of every window of TABLEWATCH_DEDUPE_WINDOW consecutive sentences (fragments
# under TABLEWATCH_DEDUPE_MIN_SENTENCE_WORDS words join the next sentence). A page is a copy of a
# kept article when the sentences of the windows they share hold at least MIN_COVERAGE of the
# shorter body's words and at least MIN_SHARED_WORDS words. Measured on the demo storyline: its two
# wire copies share 0.66 and 0.71, no other pair of its 73 articles shares a single window (one
# shared boilerplate sentence never fills a window). On the generated site, whose distinct articles
# reshuffle a small pool of stock sentences, windows of 2 sentences put 1 article in 7 over 0.5,
# and distinct stories sharing a run of 4 stock sentences reach 0.57; hence 3 and 0.6.
TABLEWATCH_DEDUPE_WINDOW = 3
TABLEWATCH_DEDUPE_MIN_SENTENCE_WORDS = 5
TABLEWATCH_DEDUPE_MIN_COVERAGE = 0.6
TABLEWATCH_DEDUPE_MIN_SHARED_WORDS = 30
# Which copy is kept does not depend on arrival order: within one crawl the earliest `published`
# day wins, then the outlet listed first in the sources file, then the canonical URL (a better copy
# arriving later demotes the kept one; duplicate_of is re-pointed when the crawl closes). Across
# days the stored copy stays kept: loaded days are never rewritten (crawlers.pipelines).
# Copies of stored articles are looked for among the kept articles published or crawled in the
# last HISTORY_DAYS days (syndication follows the original within days), newest first, at most
# HISTORY_MAX of them (about 12 bytes per sentence window in memory).
TABLEWATCH_DEDUPE_HISTORY_DAYS = 30
TABLEWATCH_DEDUPE_HISTORY_MAX = 20_000
# Shorter extracted bodies are navigation stubs or paywalls, not articles.
TABLEWATCH_MIN_BODY_CHARS = 100
# Listing entries with a publication date outside every watched window cannot pass the relevance
# gate; skipping them before the request saves most of a sitemap's traffic. Slack in days.
# Set TABLEWATCH_PREFILTER_BY_WINDOW = False to fetch them anyway (e.g. to compare crawlers).
TABLEWATCH_PREFILTER_BY_WINDOW = True
TABLEWATCH_WINDOW_SLACK_DAYS = 3
# Hard cap per feed/sitemap (the sitemap protocol's own maximum), so one runaway listing
# cannot flood the queue.
TABLEWATCH_MAX_LINKS_PER_LISTING = 50_000
# Sitemap indexes may nest; deeper than this is a trap.
TABLEWATCH_MAX_SITEMAP_DEPTH = 2
# Section pages: which links are articles (a source may set its own `article_pattern`).
TABLEWATCH_ARTICLE_URL_PATTERN = r"/\d{4}/\d{2}/|/[a-z0-9]+(?:-[a-z0-9]+){3,}/?(?:\.html?)?$"
# A rerun of a day reuses the pages that day's finished crawls archived (raw/<day>/*.warc.gz)
# and fetches only the listings and pages it has not seen yet: same records, no second round of
# politeness delays. False fetches every page again.
TABLEWATCH_REUSE_DAY_ARCHIVE = True
# Section pages: links whose URL does not look like an article (a one-word slug, /story/aftermath/)
# may still be one. They are fetched after every likely link, while the source's page budget
# lasts, and the fetched page decides (JSON-LD / og:type, else a body of at least
# ARTICLE_MIN_BODY_CHARS not made of teasers); a listing is used for its links, never stored.
# CANDIDATE_HOPS: how many such links deep from a configured section page (0 = URL pattern only).
TABLEWATCH_CANDIDATE_HOPS = 1
TABLEWATCH_ARTICLE_MIN_BODY_CHARS = 400
# Most pages (articles and candidates; not the configured feeds, sitemaps and section pages) one
# source may have requested in one run; 0 = no limit. Links past it are counted, not fetched.
TABLEWATCH_MAX_PAGES_PER_SOURCE = 10_000
