"""The speaker column (migration 004) and ``v_party_tone_weekly`` against hand-labelled fixture rows.

The fixture run's 20 sentences get a speaker by hand here (guidelines, "Speaker"); the expected
weekly figures below were computed by hand from the fixture's tone, tone_score and signal.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from kernel.errors import TablewatchError
from tests.support.warehouse import read_jsonl, table_rows, write_jsonl
from warehouse.db import connect_read
from warehouse.load import load_run

SAG, WGA = "sag_aftra_tv_2023", "wga_2023"
D = dt.date.fromisoformat
#: (article suffix, sent_index) -> speaker; every other sentence is the writer's (null)
SPEAKERS = {
    ("01", 2): "amptp",  # The Alliance still rejects ...
    ("01", 3): "wga",  # The writers will return ...
    ("02", 0): "sag_aftra",  # SAG-AFTRA walked away ...
    ("02", 1): "sag_aftra",  # Actors are set to strike ...
    ("02", 2): "studios",  # The studios refused ...
    ("03", 0): "wga",  # The WGA said ...
    ("03", 2): "wga",  # Writers want ...
    ("03", 3): "other",  # A senator praised ... (no negotiation: in no per-negotiation view)
    ("04", 0): "sag_aftra",
    ("04", 1): "amptp",
    ("04", 3): "wga",
    ("05", 0): "wga",
    ("05", 3): "sag_aftra",
}


def with_speakers(run_dir: Path) -> None:
    path = run_dir / "sentences.jsonl"
    records = read_jsonl(path)
    for r in records:
        r["speaker"] = SPEAKERS.get((r["id"][-2:], r["sent_index"]))
    write_jsonl(path, records)


def rows(db: Path, sql: str) -> list[tuple]:
    with connect_read(db) as con:
        return con.execute(sql).fetchall()


def test_speaker_is_stored_and_carried_by_v_sentences(db_path: Path, run_dir: Path) -> None:
    with_speakers(run_dir)
    load_run(db_path, run_dir, nlp_version="v1")
    got = rows(
        db_path,
        "select right(article_id, 2), sent_index, speaker from v_sentences "
        "where speaker is not null order by all",
    )
    assert got == sorted((a, i, s) for (a, i), s in SPEAKERS.items())
    assert rows(db_path, "select count(*) from v_sentences where speaker is null") == [(7,)]


def test_v_party_tone_weekly_by_hand(db_path: Path, run_dir: Path) -> None:
    with_speakers(run_dir)
    load_run(db_path, run_dir, nlp_version="v1")
    with connect_read(db_path) as con:
        cols = [r[0] for r in con.execute("describe v_party_tone_weekly").fetchall()]
        got = con.execute("select * from v_party_tone_weekly").fetchall()
    assert cols == [
        "negotiation",
        "week",
        "party",
        "sentences",
        "mean_tone",
        "mean_tone_score",
        "progress",
        "gap",
    ]
    expected = [
        (SAG, D("2023-07-03"), "amptp", 1, -1.0, -0.4, 0, 1),
        (SAG, D("2023-07-10"), "sag_aftra", 2, -1.0, -0.7, 0, 0),
        (SAG, D("2023-07-10"), "studios", 1, -1.0, -0.5, 0, 1),
        (SAG, D("2023-07-17"), "amptp", 1, 0.0, 0.2, 0, 0),
        (SAG, D("2023-07-17"), "sag_aftra", 2, 0.0, 0.15, 1, 1),
        (WGA, D("2023-07-03"), "wga", 1, 0.0, 0.0, 0, 0),
        (WGA, D("2023-07-10"), "wga", 2, -0.5, -0.15, 0, 1),
        (WGA, D("2023-07-17"), "wga", 2, 0.0, -0.3, 1, 0),
    ]
    assert len(got) == len(expected), got
    for g, e in zip(got, expected, strict=True):
        assert g == pytest.approx(e, abs=1e-9), (g, e)


def test_annotate_output_without_speaker_loads_as_null(db_path: Path, run_dir: Path) -> None:
    """Files annotated before the field existed still load; no side says anything then."""
    assert all("speaker" not in r for r in read_jsonl(run_dir / "sentences.jsonl"))
    load_run(db_path, run_dir, nlp_version="v1")
    assert rows(db_path, "select count(*), count(speaker) from sentences") == [(20, 0)]
    assert rows(db_path, "select count(*) from v_party_tone_weekly") == [(0,)]


def test_reprocess_with_speakers_replaces_the_nulls(db_path: Path, run_dir: Path) -> None:
    load_run(db_path, run_dir, nlp_version="v1")
    with_speakers(run_dir)
    load_run(db_path, run_dir, nlp_version="v2")
    assert rows(db_path, "select count(*), count(speaker) from sentences") == [(20, 13)]
    assert rows(db_path, "select sum(sentences) from v_party_tone_weekly") == [(12,)]


def test_unknown_speaker_is_refused_and_changes_nothing(db_path: Path, run_dir: Path) -> None:
    load_run(db_path, run_dir, nlp_version="v1")
    before = table_rows(db_path, "sentences")
    path = run_dir / "sentences.jsonl"
    records = read_jsonl(path)
    records[5]["speaker"] = "the_writer"
    write_jsonl(path, records)
    with pytest.raises(TablewatchError, match=r"sentences\.jsonl:6: speaker 'the_writer' is not"):
        load_run(db_path, run_dir, nlp_version="v2")
    assert table_rows(db_path, "sentences") == before
    assert json.dumps(before, default=str)  # the stored rows are still readable


GUIDE = Path(__file__).resolve().parents[2] / "docs" / "analyst-guide.md"
SECTION = "### 11. How does each side sound"


def test_guide_speaker_examples_run_and_print_what_the_guide_shows(
    db_path: Path, run_dir: Path
) -> None:
    """The guide's per-side examples: the first prints the guide's table, every one runs."""
    from warehouse.query import format_rows, run_sql

    with_speakers(run_dir)
    load_run(db_path, run_dir, nlp_version="v1")
    text = GUIDE.read_text(encoding="utf-8")
    section = text[text.index(SECTION) :]
    section = section[: re.search(r"\n##+ ", section[1:]).start() + 1]
    queries = re.findall(r"```sql\n(.*?)\n```", section, re.S)
    shown = re.findall(r"```text\n(.*?)\n```", section, re.S)
    assert len(queries) == 3 and len(shown) == 1
    assert format_rows(*run_sql(db_path, queries[0]), fmt="table") == shown[0]
    union_vs_employer = run_sql(db_path, queries[1])
    assert union_vs_employer[1] == [
        (SAG, D("2023-07-10"), -0.7, -0.5, -0.2),
        (SAG, D("2023-07-17"), 0.15, 0.2, -0.05),
    ]
    said = run_sql(db_path, queries[2])
    assert len(said[1]) == 0  # hand-labelled rows carry no speaker evidence
