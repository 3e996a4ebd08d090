"""Fixtures of the warehouse tests: a copy of the hand-written run folder and a loaded warehouse."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"
DAY = "2023-07-20"


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    """``<tmp>/runs/2023-07-20`` with the fixture files (as the crawl and annotate write them)."""
    target = tmp_path / "runs" / DAY
    shutil.copytree(FIXTURES / "runs" / DAY, target)
    return target


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "tablewatch.duckdb"


@pytest.fixture
def loaded_db(db_path: Path, run_dir: Path) -> Path:
    from warehouse.load import load_run

    load_run(db_path, run_dir, nlp_version="v1")
    return db_path
