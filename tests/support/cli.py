"""Helpers shared by test modules: run the real CLI in a child process, as a user would."""

from __future__ import annotations

import subprocess
import sys

DEMO_DAY = "2026-08-03"


def tw(*args: str, check: bool = True, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """Run ``tablewatch ARGS`` with this interpreter; fail with its output when it fails."""
    proc = subprocess.run(
        [sys.executable, "-m", "tablewatch.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"tablewatch {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc
