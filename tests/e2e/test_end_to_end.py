"""The whole chain, as a user runs it: the CLI over the demo site served on 127.0.0.1, into DuckDB.

If any stage is broken (crawl, annotate, load, alerts, report) one of these assertions fails.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.support.cli import DEMO_DAY as DAY
from tests.support.cli import tw


def counts(db: Path) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {
            t: con.execute(f"select count(*) from {t}").fetchone()[0]
            for t in ("articles", "sentences", "v_sentences", "v_dates", "alerts")
        }
    finally:
        con.close()


@pytest.fixture(scope="module")
def warehouse(demo_warehouse: Path) -> Path:
    return demo_warehouse


def test_crawl_lands_relevant_articles_and_records_the_rest(warehouse: Path) -> None:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        by_status = dict(con.execute("select status, count(*) from articles group by 1").fetchall())
        sources = {r[0] for r in con.execute("select distinct source from articles").fetchall()}
        dated = con.execute(
            "select count(*) from articles where status = 'relevant' and published is not null"
        ).fetchone()[0]
    finally:
        con.close()
    assert by_status.get("relevant", 0) >= 50
    assert by_status.get("skipped", 0) >= 1, "off-topic demo articles must be recorded as skipped"
    assert by_status.get("duplicate", 0) >= 1, "syndicated copies must be recorded as duplicates"
    assert len(sources) >= 3
    assert dated == by_status["relevant"]


def test_sentences_carry_labels_from_the_guidelines(warehouse: Path) -> None:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        signals = {r[0] for r in con.execute("select distinct signal from v_sentences").fetchall()}
        negotiations = {
            r[0]
            for r in con.execute(
                "select distinct negotiation from v_sentences where negotiation is not null"
            ).fetchall()
        }
        issues = con.execute("select count(*) from v_sentences where len(issues) > 0").fetchone()[0]
        resolved = con.execute("select count(*) from v_dates where value is not null").fetchone()[0]
    finally:
        con.close()
    assert {"progress", "gap", "agreement", "breakdown", "strike_action", "scheduling"} <= signals
    assert {"sag_aftra_tv_2026", "wga_2026", "dga_2026"} <= negotiations
    assert issues > 20
    assert resolved > 20


def test_rerunning_the_day_changes_nothing(warehouse: Path) -> None:
    before = counts(warehouse)
    for stage in ("annotate", "load", "alerts"):
        tw(stage, "--db", str(warehouse), "--date", DAY)
    assert counts(warehouse) == before


def test_report_is_written(warehouse: Path) -> None:
    html = next((warehouse.parent / "report").glob("*.html"))
    text = html.read_text(encoding="utf-8")
    assert "sag_aftra_tv_2026" in text or "SAG-AFTRA" in text


def test_sql_command_reads_the_snapshot(warehouse: Path) -> None:
    out = tw(
        "sql",
        "--db",
        str(warehouse),
        "--format",
        "csv",
        "select signal, count(*) as n from v_sentences group by 1 order by 1",
    ).stdout
    assert out.splitlines()[0].replace('"', "") == "signal,n"
    assert any(line.startswith("progress,") for line in out.splitlines())


def test_bad_config_is_one_clear_line(tmp_path: Path) -> None:
    bad = tmp_path / "sources.yaml"
    bad.write_text("sources:\n  - name: Bad Name\n    feeds: [x]\n", encoding="utf-8")
    proc = tw("crawl", "--db", str(tmp_path / "x.duckdb"), "--sources", str(bad), check=False)
    assert proc.returncode == 1
    assert proc.stderr.strip().count("\n") == 0
    assert "name must be a short lowercase id" in proc.stderr
