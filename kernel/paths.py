"""Where a warehouse keeps its files.

Everything lives next to the DuckDB file, so a test with a temporary ``--db`` gets an isolated raw
store and run folders, and moving one folder moves a whole installation.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parent.parent
#: relative to the working directory (the CLI); the DAGs resolve it against ``REPO_DIR``
DEFAULT_DB = Path("data/tablewatch.duckdb")

ARTICLES_FILE = "articles.jsonl"
FEED_STATE_FILE = "feed_state.jsonl"
CRAWL_STATS_FILE = "crawl_stats.json"
CRAWL_LOG_FILE = "crawl.log"
CRAWL_PROGRESS_FILE = "crawl_progress.json"
ANNOTATE_INPUT_FILE = "annotate_input.jsonl"
SENTENCES_FILE = "sentences.jsonl"
ANNOTATE_STATS_FILE = "annotate_stats.json"
PARTS_DIR = "parts"
PART_FILE = "part.json"
SHARDS_DIR = "shards"


@dataclass(frozen=True)
class Layout:
    """The files of one warehouse, derived from its DuckDB path."""

    db: Path

    @property
    def root(self) -> Path:
        return self.db.parent

    @property
    def raw_dir(self) -> Path:
        """Archive of fetched pages: one WARC file per crawl run (``<day>/*.warc.gz``)."""
        return self.root / "raw"

    @property
    def snapshot(self) -> Path:
        """Read-only copy published after every write, for readers that must never wait."""
        return self.db.with_name(self.db.stem + ".snapshot.duckdb")

    @property
    def reports_dir(self) -> Path:
        return self.root / "reports"

    def run_dir(self, day: str) -> Path:
        """Files passed between the stages of the run for logical date ``day`` (YYYY-MM-DD)."""
        return self.root / "runs" / day

    def run(self, day: str) -> RunFolder:
        """The run folder of ``day``, with the name of every file the stages hand each other."""
        return RunFolder(self.run_dir(day))


@dataclass(frozen=True)
class RunFolder:
    """``runs/<day>/``: what one day's stages hand each other (docs/interfaces.md).

    The names are written here once; the crawler, the annotate stage, the loader and reextract all
    ask this object for them.
    """

    path: Path

    @property
    def day(self) -> str:
        """The day of a run folder, also for a part folder (``runs/<day>/parts/<source>/``)."""
        if self.path.parent.name == PARTS_DIR:
            return self.path.parent.parent.name
        return self.path.name

    @property
    def articles(self) -> Path:
        """Crawl -> annotate, load: one ArticleRecord per handled page (kernel.records)."""
        return self.path / ARTICLES_FILE

    @property
    def feed_state(self) -> Path:
        """Crawl -> load: validators of each feed and sitemap for the next conditional request."""
        return self.path / FEED_STATE_FILE

    @property
    def crawl_stats(self) -> Path:
        """Crawl -> load: the counts and timings of the crawl (kernel.records.CrawlStats)."""
        return self.path / CRAWL_STATS_FILE

    @property
    def crawl_log(self) -> Path:
        """Crawl: the Scrapy child's log (the CLI quotes its last line when the crawl fails)."""
        return self.path / CRAWL_LOG_FILE

    @property
    def crawl_progress(self) -> Path:
        """Crawl child -> parent, only while the crawl runs: `{responses, scheduled, articles, relevant}` rewritten every second (`crawlers/progress.py`), what the progress bar or log lines show; removed when the crawl ends."""
        return self.path / CRAWL_PROGRESS_FILE

    @property
    def annotate_input(self) -> Path:
        """Annotate's input: the relevant articles as annotate-contract documents."""
        return self.path / ANNOTATE_INPUT_FILE

    @property
    def sentences(self) -> Path:
        """Annotate -> load: one annotate-contract record per sentence."""
        return self.path / SENTENCES_FILE

    @property
    def annotate_stats(self) -> Path:
        """Annotate -> load: which NLP version labelled ``sentences`` (kernel.records.AnnotateStats)."""
        return self.path / ANNOTATE_STATS_FILE

    @property
    def parts(self) -> Path:
        """Crawl (one outlet) -> merge: ``parts/<source>/``, one outlet's crawl, with the files above."""
        return self.path / PARTS_DIR

    @property
    def part_status(self) -> Path:
        """Crawl (one outlet) -> merge, in a part folder: running / ok / failed (kernel.records.CrawlPart)."""
        return self.path / PART_FILE

    @property
    def shards(self) -> Path:
        """Annotate (one shard) -> annotate merge: ``shards/<NNN>.sentences.jsonl`` and its stats."""
        return self.path / SHARDS_DIR

    def part(self, source: str) -> RunFolder:
        """The folder of one outlet's crawl of this day (the same file names as the day's)."""
        return RunFolder(self.parts / source)

    def shard_sentences(self, index: int) -> Path:
        return self.shards / f"{index:03d}.sentences.jsonl"

    def shard_stats(self, index: int) -> Path:
        return self.shards / f"{index:03d}.annotate_stats.json"

    def annotations(self) -> tuple[Path, ...]:
        """What the annotate stage derives from ``articles``: stale once the articles change."""
        return (self.annotate_input, self.sentences, self.annotate_stats)


def layout(db: str | Path = DEFAULT_DB) -> Layout:
    return Layout(Path(db))
