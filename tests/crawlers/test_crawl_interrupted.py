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

import pytest
import yaml

from crawlers.run import crawl
from kernel.errors import TablewatchError
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


def _state_and_ppid(pid: int) -> tuple[str, int] | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return fields[0], int(fields[1])


def _children(parent: int, marker: str) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        info = _state_and_ppid(int(entry.name))
        try:
            cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if info and info[1] == parent and marker in cmdline:
            out.append(int(entry.name))
    return out


def _alive(pid: int) -> bool:
    info = _state_and_ppid(pid)
    return info is not None and info[0] not in ("Z", "X")


def _hanging_site_sources(site: FixtureSite, path: Path) -> Path:
    site.routes["/news/slow"] = hang(site, seconds=60)
    site.page("/feed.xml", rss([(f"{site.base_url}/news/slow", None)]), "application/rss+xml")
    site.write_sources(path, feeds=["/feed.xml"])
    data = yaml.safe_load(path.read_text())
    data["settings"] = FAST | {"DOWNLOAD_TIMEOUT": 20, "RETRY_TIMES": 0}
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_kill_9_of_the_cli_ends_the_scrapy_child(tmp_path: Path) -> None:
    with FixtureSite() as site:
        sources = _hanging_site_sources(site, tmp_path / "sources.yaml")
        cli = subprocess.Popen(
            [sys.executable, "-m", "tablewatch.cli", "crawl", "--db", str(tmp_path / "tw.duckdb"),
             "--date", "2023-07-20", "--sources", str(sources)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 90
            while "/news/slow" not in site.paths() and time.monotonic() < deadline:
                time.sleep(0.1)
            assert "/news/slow" in site.paths(), "the crawl never reached the hanging page"
            [child] = _children(cli.pid, "crawlers.run")
            cli.kill()
            cli.wait(timeout=10)
            deadline = time.monotonic() + 60  # SIGTERM: Scrapy closes the spider, then exits
            while _alive(child) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert not _alive(child), "the Scrapy child outlived its killed parent"
        finally:
            if cli.poll() is None:
                cli.kill()
    run_dir = tmp_path / "runs" / "2023-07-20"
    # it was stopped (an orphan would have finished the day after the page timed out)
    assert "Received SIGTERM" in (run_dir / "crawl.log").read_text(errors="replace")
    assert not (run_dir / "articles.jsonl").exists()  # the killed day left no partial file
    assert not list(run_dir.glob("*.tmp"))


def test_a_child_started_on_its_own_holds_the_day_lock(tmp_path: Path) -> None:
    run_dir, raw_dir = tmp_path / "runs" / "2023-07-20", tmp_path / "raw"
    with FixtureSite() as site:
        sources = _hanging_site_sources(site, tmp_path / "sources.yaml")
        cmd = [
            sys.executable, "-m", "crawlers.run", "--sources", str(sources), "--run-dir", str(run_dir),
            "--raw-dir", str(raw_dir), "--day", "2023-07-20",
            "--settings-json", json.dumps(FAST | {"DOWNLOAD_TIMEOUT": 20, "RETRY_TIMES": 0}),
        ]  # fmt: skip
        env = dict(os.environ, PYTHONPATH=str(REPO))
        child = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 90
            while "/news/slow" not in site.paths() and time.monotonic() < deadline:
                time.sleep(0.1)
            assert "/news/slow" in site.paths(), "the crawl never reached the hanging page"
            with pytest.raises(TablewatchError, match="another crawl of 2023-07-20 is running"):
                crawl(sources, run_dir, raw_dir, None, "2023-07-20", settings=FAST)
            # and a second child of the same day refuses to start
            again = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
            assert again.returncode == 2 and "another crawl" in again.stderr
        finally:
            child.send_signal(signal.SIGTERM)
            child.communicate(timeout=90)
