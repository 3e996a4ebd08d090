"""Every analyst view against the hand-written fixture; expected figures computed by hand.

Fixture: 5 relevant articles (+ skipped, duplicate, failed records), 20 sentences; SAG-AFTRA TV 2023
(10 sentences) and WGA 2023 (8) over the ISO weeks of 2023-07-03, 07-10 and 07-17; 2 sentences with
no negotiation (excluded from every per-negotiation view).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from warehouse.db import connect_read

SAG, WGA = "sag_aftra_tv_2023", "wga_2023"
D = dt.date.fromisoformat


def rows(db: Path, sql: str) -> list[tuple]:
    with connect_read(db) as con:
        return con.execute(sql).fetchall()


def approx_rows(got: list[tuple], expected: list[tuple]) -> None:
    assert len(got) == len(expected), got
    for g, e in zip(got, expected, strict=True):
        assert g == pytest.approx(e, abs=1e-9), (g, e)


def columns(db: Path, view: str) -> list[tuple[str, str]]:
    with connect_read(db) as con:
        return [(r[0], r[1]) for r in con.execute(f"describe {view}").fetchall()]


def test_v_sentences_columns_and_rows(loaded_db: Path) -> None:
    assert columns(loaded_db, "v_sentences") == [
        ("article_id", "VARCHAR"),
        ("url", "VARCHAR"),
        ("source", "VARCHAR"),
        ("published", "DATE"),
        ("title", "VARCHAR"),
        ("sent_index", "INTEGER"),
        ("sentence", "VARCHAR"),
        ("negotiation", "VARCHAR"),
        ("signal", "VARCHAR"),
        ("signal_confidence", "DOUBLE"),
        ("tone", "INTEGER"),
        ("tone_score", "DOUBLE"),
        ("issues", "VARCHAR[]"),
        ("parties", "VARCHAR[]"),
        ("speaker", "VARCHAR"),
    ]
    got = rows(
        loaded_db,
        "select count(*), count(negotiation), count(distinct article_id) from v_sentences",
    )
    assert got == [(20, 18, 5)]
    one = rows(
        loaded_db,
        "select source, published, title, sentence, issues, parties from v_sentences "
        "where article_id = 'a000000000000002' and sent_index = 2",
    )
    assert one == [
        (
            "variety",
            D("2023-07-12"),
            "Actors' talks collapse",
            "The studios refused to budge on residuals and AI.",
            ["streaming_residuals", "ai"],
            ["studios"],
        )
    ]


def test_v_dates(loaded_db: Path) -> None:
    assert [c for c, _ in columns(loaded_db, "v_dates")] == [
        "article_id",
        "sent_index",
        "text",
        "value",
        "type",
    ]
    assert rows(loaded_db, "select * from v_dates") == [
        ("a000000000000001", 0, "Wednesday", "2023-07-05", "date"),
        ("a000000000000001", 3, "next week", None, "date"),
        ("a000000000000004", 1, "for 90 days", None, "duration"),
        ("a000000000000004", 1, "July 20", "2023-07-20", "date"),
    ]


def test_v_tone_daily(loaded_db: Path) -> None:
    got = rows(loaded_db, "select * from v_tone_daily")
    approx_rows(
        got,
        [
            (SAG, D("2023-07-05"), 3, 0.0, 0.1, 0.1),
            (SAG, D("2023-07-12"), 4, -0.75, -0.475, -0.475),  # 07-05 is outside 07-06..07-12
            (SAG, D("2023-07-18"), 2, 0.5, 0.35, -0.2),  # (-1.9 + 0.7) / 6
            (SAG, D("2023-07-19"), 1, -1.0, -0.2, 0.5 / 3),  # (0.7 - 0.2) / 3
            (WGA, D("2023-07-05"), 1, 0.0, 0.0, 0.0),
            (WGA, D("2023-07-13"), 3, 0.0, 0.1 / 3, 0.1 / 3),
            (WGA, D("2023-07-18"), 2, -1.0, -0.8, -0.3),  # (0.1 - 1.6) / 5
            (WGA, D("2023-07-19"), 2, 1.0, 0.5, -0.5 / 7),  # (0.1 - 1.6 + 1.0) / 7
        ],
    )


def test_v_tone_weekly(loaded_db: Path) -> None:
    got = rows(loaded_db, "select * from v_tone_weekly")
    approx_rows(
        got,
        [
            (SAG, D("2023-07-03"), 3, 0.0, 0.1, 0.1),
            (SAG, D("2023-07-10"), 4, -0.75, -0.475, -1.6 / 7),
            (SAG, D("2023-07-17"), 3, 0.0, 0.5 / 3, -0.11),  # (0.3 - 1.9 + 0.5) / 10
            (WGA, D("2023-07-03"), 1, 0.0, 0.0, 0.0),
            (WGA, D("2023-07-10"), 3, 0.0, 0.1 / 3, 0.025),  # (0 + 0.1) / 4
            (WGA, D("2023-07-17"), 4, 0.0, -0.15, -0.0625),  # (0 + 0.1 - 0.6) / 8
        ],
    )


def test_v_issue_share_weekly(loaded_db: Path) -> None:
    got = rows(loaded_db, "select * from v_issue_share_weekly")
    third = 1 / 3
    approx_rows(
        got,
        [
            (SAG, D("2023-07-03"), "ai", 2, 2 / 3),
            (SAG, D("2023-07-03"), "wages", 1, third),
            (SAG, D("2023-07-10"), "ai", 1, third),
            (SAG, D("2023-07-10"), "streaming_residuals", 1, third),
            (SAG, D("2023-07-10"), "wages", 1, third),
            (SAG, D("2023-07-17"), "ai", 1, 0.5),
            (SAG, D("2023-07-17"), "health_pension", 1, 0.5),
            (WGA, D("2023-07-10"), "staffing_jobs", 1, 0.5),
            (
                WGA,
                D("2023-07-10"),
                "streaming_residuals",
                1,
                0.5,
            ),  # the senator's 'wages' has no negotiation
            (WGA, D("2023-07-17"), "streaming_residuals", 2, 0.5),
            (WGA, D("2023-07-17"), "transparency", 2, 0.5),
        ],
    )


def test_v_signal_weekly(loaded_db: Path) -> None:
    got = rows(loaded_db, "select * from v_signal_weekly")
    w1, w2, w3 = D("2023-07-03"), D("2023-07-10"), D("2023-07-17")
    assert got == [
        (SAG, w1, "gap", 1),
        (SAG, w1, "progress", 1),
        (SAG, w1, "scheduling", 1),
        (SAG, w2, "breakdown", 1),
        (SAG, w2, "gap", 1),
        (SAG, w2, "none", 1),
        (SAG, w2, "strike_action", 1),
        (SAG, w3, "gap", 1),
        (SAG, w3, "progress", 1),
        (SAG, w3, "scheduling", 1),
        (WGA, w1, "scheduling", 1),
        (WGA, w2, "gap", 1),
        (WGA, w2, "none", 1),
        (WGA, w2, "progress", 1),
        (WGA, w3, "gap", 1),
        (WGA, w3, "progress", 2),
        (WGA, w3, "strike_action", 1),
    ]


def test_v_progress_gap_weekly(loaded_db: Path) -> None:
    got = rows(loaded_db, "select * from v_progress_gap_weekly")
    assert got[3] == (WGA, D("2023-07-03"), 0, 0, None)
    approx_rows(
        got[:3] + got[4:],
        [
            (SAG, D("2023-07-03"), 1, 1, 0.0),
            (SAG, D("2023-07-10"), 0, 1, -1.0),
            (SAG, D("2023-07-17"), 1, 1, 0.0),
            (WGA, D("2023-07-10"), 1, 1, 0.0),
            (WGA, D("2023-07-17"), 2, 1, 1 / 3),
        ],
    )


def test_v_source_coverage_daily(loaded_db: Path) -> None:
    # skipped, duplicate and failed records do not count; sentences without a negotiation neither
    assert rows(loaded_db, "select * from v_source_coverage_daily") == [
        ("deadline", D("2023-07-05"), 1, 4),
        ("deadline", D("2023-07-13"), 1, 3),
        ("thewrap", D("2023-07-19"), 1, 3),
        ("variety", D("2023-07-12"), 1, 4),
        ("variety", D("2023-07-18"), 1, 4),
    ]


def test_v_latest_signals(loaded_db: Path) -> None:
    assert [c for c, _ in columns(loaded_db, "v_latest_signals")] == [
        "negotiation",
        "published",
        "source",
        "url",
        "title",
        "sent_index",
        "sentence",
        "signal",
        "tone",
        "evidence",
    ]
    got = rows(
        loaded_db, "select negotiation, count(*) from v_latest_signals group by all order by 1"
    )
    assert got == [(SAG, 9), (WGA, 7)]
    first = rows(loaded_db, "select * from v_latest_signals limit 1")[0]
    assert first[:3] == (SAG, D("2023-07-19"), "thewrap")
    assert first[6:9] == ("SAG-AFTRA says the health plan dispute remains.", "gap", -1)
    assert [e["rule"] for e in json.loads(first[9])] == ["gap_cue", "issue_health_pension"]


def test_each_article_shows_its_latest_labelling(
    db_path: Path, run_dir: Path, tmp_path: Path
) -> None:
    """A reprocessed article shows only its new sentences; the others keep theirs (no history lost)."""
    from tests.support.warehouse import read_jsonl, write_jsonl
    from warehouse.load import load_run

    load_run(db_path, run_dir, nlp_version="v1")
    total = rows(db_path, "select count(*) from v_sentences")[0][0]
    before = rows(db_path, "select count(*) from v_sentences where article_id = 'a000000000000002'")
    other = tmp_path / "other" / "runs" / "2023-07-21"
    other.mkdir(parents=True)
    sents = [s for s in read_jsonl(run_dir / "sentences.jsonl") if s["id"] == "a000000000000002"]
    write_jsonl(other / "sentences.jsonl", sents[:2])
    (other / "articles.jsonl").write_text("")
    load_run(db_path, other, nlp_version="v2")
    assert rows(db_path, "select count(*) from sentences") == [(18,)]
    assert rows(
        db_path, "select count(*) from v_sentences where article_id = 'a000000000000002'"
    ) == [(2,)]
    assert before[0][0] > 2
    assert rows(db_path, "select count(*) from v_sentences")[0][0] == total - before[0][0] + 2
    assert rows(db_path, "select nlp_version from stg_nlp_current") == [("v2",)]


def test_rows_written_without_published_copy_still_count(db_path: Path) -> None:
    """Sentences inserted by hand (no load, no published/source copies) fall back to the article."""
    from warehouse.db import connect_write

    with connect_write(db_path) as con:
        con.execute(
            "insert into articles (article_id, source, status, published, crawl_day) values "
            "('b000000000000001', 'deadline', 'relevant', '2023-07-05', '2023-07-05')"
        )
        con.execute(
            "insert into sentences (article_id, sent_index, nlp_version, sentence, start_char, end_char, "
            "negotiation, signal, tone, tone_score, issues, parties) values "
            "('b000000000000001', 0, 'hand-1', 'x', 0, 1, 'wga_2023', 'gap', -1, -0.5, ['ai'], [])"
        )
    assert rows(db_path, "select * from v_progress_gap_weekly") == [
        (WGA, D("2023-07-03"), 0, 1, -1.0)
    ]
    assert rows(db_path, "select * from v_source_coverage_daily") == [
        ("deadline", D("2023-07-05"), 1, 1)
    ]
    assert rows(db_path, "select issue, share from v_issue_share_weekly") == [("ai", 1.0)]


def test_every_analyst_view_carries_a_comment(loaded_db: Path) -> None:
    """The guide promises `select view_name, comment from duckdb_views()` describes each view."""
    from warehouse.query import run_sql

    _, rows = run_sql(
        loaded_db,
        "select view_name, comment from duckdb_views() where not internal and view_name like 'v\\_%' escape '\\'",
    )
    missing = sorted(name for name, comment in rows if not comment)
    assert len(rows) >= 10 and missing == []
