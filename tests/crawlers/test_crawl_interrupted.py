"""A crawl killed half-way (SIGTERM from a task timeout or an operator) must not replace the day's
good files with a partial day: the previous articles.jsonl stays, byte for byte."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from crawlers.run import crawl
from tests.support.crawl import FAST, paragraphs
from tests.support.site import FixtureSite, article_html, hang, rss

REPO = Path(__file__).resolve().parents[2]
LEAD = "Writers Guild negotiators met the studios again on day {n}."


def test_sigterm_mid_crawl_keeps_the_previous_files(tmp_path: Path) -> None:
    run_dir, raw_dir = tmp_path / "runs" / "2023-07-20", tmp_path / "raw"
    with FixtureSite() as site:
        b = site.base_url
        for n in range(2):
            site.page(
                f"/news/s{n}", article_html(f"Story {n}", paragraphs(40 + n, LEAD.format(n=n)))
            )
        site.page(
            "/feed.xml", rss([(f"{b}/news/s{n}", None) for n in range(2)]), "application/rss+xml"
        )
        sources = site.write_sources(tmp_path / "sources.yaml", feeds=["/feed.xml"])
        crawl(sources, run_dir, raw_dir, None, "2023-07-20", settings=FAST)
        good = (run_dir / "articles.jsonl").read_bytes()
        assert len(good.splitlines()) == 2
        archived = sorted(raw_dir.rglob("*"))

        # the same day again, now with a page that never answers: kill the crawl while it waits
        site.routes["/news/slow"] = hang(site, seconds=60)
        site.page(
            "/feed.xml",
            rss([(f"{b}/news/s0", None), (f"{b}/news/slow", None)]),
            "application/rss+xml",
        )
        cmd = [
            sys.executable, "-m", "crawlers.run", "--sources", str(sources), "--run-dir", str(run_dir),
            "--raw-dir", str(raw_dir), "--day", "2023-07-20",
            "--settings-json", json.dumps(FAST | {"DOWNLOAD_TIMEOUT": 12, "RETRY_TIMES": 0}),
        ]  # fmt: skip
        env = dict(os.environ, PYTHONPATH=str(REPO))
        child = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while "/news/slow" not in site.paths() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "/news/slow" in site.paths(), "the crawl never reached the hanging page"
        child.send_signal(signal.SIGTERM)
        out, _ = child.communicate(timeout=90)

    assert child.returncode != 0, out.decode(errors="replace")[-800:]
    assert (run_dir / "articles.jsonl").read_bytes() == good
    assert not list(run_dir.glob("*.tmp"))
    # the killed run's WARC file was discarded: the raw archive is as the good run left it
    assert sorted(raw_dir.rglob("*")) == archived
