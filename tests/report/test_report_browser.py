"""The report as people see it: rendered by headless Chromium, every chart drawn, no console error."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from report import build_report

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--virtual-time-budget=5000",
]


def chromium(page: Path, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / "profile"
    return subprocess.run(
        [
            CHROMIUM,
            *FLAGS,
            f"--user-data-dir={profile}",
            "--enable-logging=stderr",
            "--v=0",
            *extra,
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.skipif(
    CHROMIUM is None, reason="Debian chromium is not installed (make test installs it as root)"
)
def test_every_chart_draws_without_console_errors(demo_warehouse: Path, tmp_path: Path) -> None:
    page = build_report(demo_warehouse, tmp_path / "report")
    dom = chromium(page, tmp_path, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    charts = re.search(r'<body[^>]*data-charts="(\d+)/(\d+)"', dom.stdout)
    assert charts, "the page's self-check did not run"
    drawn, total = int(charts.group(1)), int(charts.group(2))
    assert total >= 15, "five charts for each of the three demo negotiations"
    assert drawn == total, re.findall(r'aria-label="([^"]+)"[^>]*data-drawn="no"', dom.stdout)
    console = [line for line in dom.stderr.splitlines() if "CONSOLE" in line]
    assert console == []

    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report.png"
    chromium(page, tmp_path, f"--screenshot={shot}", "--window-size=1100,2400")
    assert shot.exists() and shot.stat().st_size > 20_000
