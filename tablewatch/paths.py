"""Where a warehouse keeps its files.

Everything lives next to the DuckDB file, so a test with a temporary ``--db`` gets an isolated raw
store and run folders, and moving one folder moves a whole installation.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEFAULT_DB = Path("data/tablewatch.duckdb")


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


def layout(db: str | Path = DEFAULT_DB) -> Layout:
    return Layout(Path(db))
