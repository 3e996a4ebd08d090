"""Crawl and annotate say how far they are: log lines in a pipe, a bar on a terminal.

The crawl's counts come from its Scrapy child process (crawlers.progress writes them, the parent
polls), so the CLI test runs the real commands on a demo-site day with stderr to a pipe, and
checks the lines against what the commands report at the end.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kernel.paths import REPO_DIR
from tablewatch.progress import Reporter

DAY = "2026-04-08"  # a few demo articles
CRAWL_LINE = re.compile(r"crawl: (\d+)/(\d+) pages, (\d+) articles \((\d+) relevant\)(, done in)?")
ANNOTATE_LINE = re.compile(r"annotate: (\d+)/(\d+) articles(, done in)?")


def _tw(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TABLEWATCH_")}
    # a line every update (0 s), and log lines wide enough that none wraps
    env |= {"PYTHONPATH": str(REPO_DIR), "TABLEWATCH_PROGRESS_SECONDS": "0", "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "tablewatch.cli", *args],
        capture_output=True,  # stderr is a pipe, not a terminal
        text=True,
        timeout=600,
        env=env,
    )


@pytest.fixture(scope="module")
def day_run(tmp_path_factory) -> Iterator[tuple[Path, subprocess.CompletedProcess[str]]]:
    from demosite import DemoSite

    root = tmp_path_factory.mktemp("progress")
    db = root / "wh" / "tw.duckdb"
    with DemoSite(as_of=dt.date.fromisoformat(DAY)) as site:
        sources = site.write_sources(root / "sources.yaml")
        crawled = _tw("crawl", "--db", str(db), "--date", DAY, "--sources", str(sources))
    yield db, crawled


def test_crawl_in_a_pipe_logs_the_childs_counts(day_run) -> None:
    db, crawled = day_run
    assert crawled.returncode == 0, crawled.stderr
    summary = json.loads(crawled.stdout)
    lines = [m.groups() for m in CRAWL_LINE.finditer(crawled.stderr)]
    assert len(lines) >= 2, crawled.stderr  # counts while it ran, then the last line
    assert "\x1b[" not in crawled.stderr  # no bar drawn into a pipe
    responses = [int(g[0]) for g in lines]
    assert responses == sorted(responses) and responses[0] < responses[-1]
    *_, (done, scheduled, articles, relevant, final) = lines
    assert final == ", done in"
    assert int(done) <= int(scheduled)
    assert int(relevant) == summary["relevant"] > 0, (summary, crawled.stderr)
    statuses = ("relevant", "skipped", "duplicate", "failed")
    assert int(articles) == sum(summary[s] for s in statuses)
    assert not (db.parent / "runs" / DAY / "crawl_progress.json").exists()  # cleaned up


def test_annotate_in_a_pipe_logs_articles_done(day_run) -> None:
    db, crawled = day_run
    assert crawled.returncode == 0, crawled.stderr
    annotated = _tw("annotate", "--db", str(db), "--date", DAY)
    assert annotated.returncode == 0, annotated.stderr
    documents = json.loads(annotated.stdout)["documents"]
    assert documents > 1
    lines = [m.groups() for m in ANNOTATE_LINE.finditer(annotated.stderr)]
    assert {int(total) for _done, total, _final in lines} == {documents}, annotated.stderr
    done = [int(d) for d, _total, _final in lines]
    assert done == sorted(done) and done[0] == 0 and done[-1] == documents
    assert any(0 < d < documents for d in done)  # a line while it ran, not only start and end
    assert lines[-1][2] == ", done in"
    assert "\x1b[" not in annotated.stderr


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_bar_and_no_log_lines(caplog) -> None:
    caplog.set_level(logging.INFO, logger="tablewatch")
    term = _Terminal()
    with Reporter("annotate", "articles", total=3, stream=term, every_s=0) as reporter:
        for i in range(1, 4):
            reporter.update(i)
    drawn = term.getvalue()
    assert "\x1b[" in drawn and "━" in drawn  # rich drew a bar on the stream it was given
    assert drawn.rstrip().endswith("s") and "annotate: 3/3 articles, done in" in drawn
    assert [r for r in caplog.records if "annotate:" in r.getMessage()] == []


def test_a_pipe_gets_log_lines_and_nothing_drawn(caplog) -> None:
    caplog.set_level(logging.INFO, logger="tablewatch")
    pipe = io.StringIO()
    with Reporter("annotate", "articles", total=3, stream=pipe, every_s=3600) as reporter:
        for i in range(1, 4):
            reporter.update(i)
    assert pipe.getvalue() == ""
    messages = [r.getMessage() for r in caplog.records if "annotate:" in r.getMessage()]
    # the first line, none in between (the interval has not passed), the last line
    assert messages[0] == "annotate: 0/3 articles"
    assert len(messages) == 2 and messages[1].startswith("annotate: 3/3 articles, done in")
