"""Scrapy's own commands work from the project root: `scrapy list`, `scrapy check`, and
`scrapy crawl news` with the CLI's defaults (data/tablewatch.duckdb's run folder and archive,
today's UTC day or `-a date=D`), or a one-line error naming what to fix."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kernel.paths import REPO_DIR
from tests.support.crawl import FAST, paragraphs, records
from tests.support.site import FixtureSite, article_html, rss

LEAD = "SAG-AFTRA and the studios resumed contract talks on Tuesday with a federal mediator."


def scrapy(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``scrapy ARGS`` in ``root``, a copy of the project root (its scrapy.cfg), so the defaults'
    relative data/ folder lands in the test's directory."""
    env = {**os.environ, "PYTHONPATH": str(REPO_DIR)}
    env.pop("SCRAPY_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "-m", "scrapy", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _fast(*extra: str) -> list[str]:
    out = []
    for name, value in FAST.items():
        out += ["-s", f"{name}={value}"]
    return out + list(extra)


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    shutil.copy(REPO_DIR / "scrapy.cfg", tmp_path / "scrapy.cfg")
    return tmp_path


@pytest.fixture()
def site():
    with FixtureSite() as s:
        url = s.page("/news/talks-resume", article_html("Talks resume", paragraphs(1, LEAD)))
        s.page("/feed.xml", rss([(url, None)]), "application/xml")
        yield s


def test_scrapy_list_and_check(root: Path) -> None:
    listed = scrapy(root, "list")
    assert listed.returncode == 0, listed.stderr[-2000:]
    assert listed.stdout.split() == ["news"]
    checked = scrapy(root, "check", "news")
    assert checked.returncode == 0, checked.stderr[-2000:]
    assert "Traceback" not in checked.stderr


def test_scrapy_crawl_uses_the_cli_defaults(root: Path, site: FixtureSite) -> None:
    sources = site.write_sources(root / "sources.yaml", feeds=["/feed.xml"])
    proc = scrapy(root, "crawl", "news", *_fast("-s", f"TABLEWATCH_SOURCES={sources}"))
    assert proc.returncode == 0, proc.stderr[-3000:]
    today = dt.datetime.now(dt.UTC).date().isoformat()
    run_dir = root / "data/runs" / today
    (rec,) = records(run_dir)
    assert rec["status"] == "relevant" and rec["crawl_day"] == today
    assert list((root / "data/raw" / today).glob("*.warc.gz"))  # the CLI's archive


def test_scrapy_crawl_with_a_date_argument(root: Path, site: FixtureSite) -> None:
    sources = site.write_sources(root / "sources.yaml", feeds=["/feed.xml"])
    proc = scrapy(
        root,
        "crawl",
        "news",
        "-a",
        "date=2023-07-21",
        *_fast("-s", f"TABLEWATCH_SOURCES={sources}"),
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    (rec,) = records(root / "data/runs/2023-07-21")
    assert rec["crawl_day"] == "2023-07-21"
    assert list((root / "data/raw/2023-07-21").glob("*.warc.gz"))


def test_scrapy_crawl_with_a_bad_date_is_one_line(root: Path) -> None:
    proc = scrapy(root, "crawl", "news", "-a", "date=2023-13-45")
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert "-a date" in proc.stderr and "2023-13-45" in proc.stderr
    assert not (root / "data").exists()
