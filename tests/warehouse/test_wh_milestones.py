"""Milestones stated in the coverage (sentence_milestones, v_milestones), through the real
annotate and load stages, so the dates are the NLP's own resolutions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kernel.errors import ConfigError
from tablewatch.pipeline import annotate_stage, load_stage
from tests.support.warehouse import coverage_milestone_db, news_article, watchlist_with
from warehouse.db import milestone_cues
from warehouse.query import run_sql

DAY = "2026-05-10"
TEXTS = {
    "m1": "The Writers Guild wants a new deal before the current one expires later this summer.\n\n"
    "The Writers Guild contract expired on March 3, and the guild has worked without one since.\n\n"
    "Writers Guild members will cast ballots in a strike authorization vote on May 20.\n\n"
    "Writers Guild negotiators met on Tuesday, May 5, and will meet again on May 12.",
    "m2": "The Writers Guild said its contract expires on June 30.\n\n"
    "The Writers Guild of America wants answers on streaming pay.\n\n"
    "The Writers Guild said its side letter expires in August.",
}


@pytest.fixture(scope="module")
def milestone_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("ms") / "tablewatch.duckdb"
    run = db.parent / "runs" / DAY
    run.mkdir(parents=True)
    lines = [json.dumps(news_article(k, v, DAY)) for k, v in TEXTS.items()]
    (run / "articles.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    watchlist = watchlist_with(
        db.parent / "watchlist.yaml",
        "wga_2026",
        "{date: 2026-06-30, kind: contract_expiry, label: MBA expires}",
        "{date: 2025-12-01, kind: deadline, label: an old deadline}",
    )
    annotate_stage(db, DAY, watchlist=watchlist)
    load_stage(db, DAY, watchlist=watchlist)
    return db


def milestones(db: Path) -> list[tuple]:
    return run_sql(
        db,
        "select kind, cast(date as varchar), label from v_milestones where source = 'coverage'"
        " order by date, kind",
    )[1]


def test_cued_dates_become_milestones_of_their_kind(milestone_db: Path) -> None:
    got = milestones(milestone_db)
    kinds = {(kind, day) for kind, day, _ in got}
    assert ("contract_expiry", "2026-03-03") in kinds  # a milestone in the past still counts
    assert ("strike_vote", "2026-05-20") in kinds
    assert ("contract_expiry", "2026-06-21") in kinds  # "later this summer", a 2026 article
    assert ("contract_expiry", "2026-06-30") in kinds
    # a dated sentence without a cue is no milestone
    assert not any(day in ("2026-05-05", "2026-05-12") for _, day, _ in got)


def test_each_milestone_keeps_its_evidence(milestone_db: Path) -> None:
    _, rows = run_sql(
        milestone_db,
        "select evidence, url from v_milestones where kind = 'strike_vote' and source = 'coverage'",
    )
    assert rows == [
        (
            "Writers Guild members will cast ballots in a strike authorization vote on May 20.",
            "https://news.test/m1",
        )
    ]


def test_watchlist_and_coverage_both_give_a_date(milestone_db: Path) -> None:
    """Two sources for one date: one row each, the watchlist's without evidence."""
    _, rows = run_sql(
        milestone_db,
        "select source, label, evidence is null from v_milestones"
        " where negotiation = 'wga_2026' and date = date '2026-06-30' order by source",
    )
    assert [(r[0], r[2]) for r in rows] == [("coverage", False), ("watchlist", True)]
    assert rows[1][1] == "MBA expires"
    # a milestone in the past stays on the timeline
    _, past = run_sql(milestone_db, "select kind from v_milestones where date = date '2025-12-01'")
    assert past == [("deadline",)]


def test_precision_rank_puts_the_exact_day_first(milestone_db: Path) -> None:
    """precision_rank, the one ranking the report and the brief sort a date's milestones by:
    day 0 (every watchlist date, a resolved coverage day), month 1 ("in August"), season 2
    ("later this summer")."""
    _, rows = run_sql(
        milestone_db,
        "select distinct source, date_precision, precision_rank from v_milestones order by all",
    )
    assert rows == [
        ("coverage", "day", 0),
        ("coverage", "month", 1),
        ("coverage", "season", 2),
        ("watchlist", "day", 0),
    ]


def test_a_load_replaces_the_watchlist_milestones(milestone_db: Path, tmp_path: Path) -> None:
    import shutil

    db = tmp_path / "tablewatch.duckdb"
    shutil.copytree(milestone_db.parent / "runs", tmp_path / "runs")
    for name in ("tablewatch.duckdb", "tablewatch.snapshot.duckdb"):
        shutil.copy(milestone_db.parent / name, tmp_path / name)
    watchlist = watchlist_with(
        tmp_path / "w.yaml", "wga_2026", "{date: 2026-07-04, kind: strike_vote, label: vote}"
    )
    load_stage(db, DAY, watchlist=watchlist)
    load_stage(db, DAY, watchlist=watchlist)  # a rerun adds nothing
    _, rows = run_sql(
        db,
        "select negotiation, cast(date as varchar), kind from watchlist_milestones where negotiation = 'wga_2026'",
    )
    assert rows == [("wga_2026", "2026-07-04", "strike_vote")]


def test_bad_cue_file_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "m.yaml"
    bad.write_text("cues:\n  - {kind: strike_vote, pattern: 'vote ('}\nmax_distance: 80\n")
    with pytest.raises(ConfigError, match=r"cues\[0\].pattern does not compile"):
        milestone_cues(bad)
    bad.write_text("cues:\n  - {kind: picnic, pattern: 'x'}\nmax_distance: 80\n")
    with pytest.raises(ConfigError, match="picnic"):
        milestone_cues(bad)


# phrases that a cue matches (each kind, upper case, two cues in one sentence) and near misses
CUE_PHRASES = [
    "members hold a Strike Authorization Vote",
    "a strike vote is set",
    "they vote on whether to authorize a strike",
    "the ratification voting closes",
    "voting opens for the ratif ballots",
    "the deal was extended through",
    "a strike would begin",
    "the guild goes on strike at noon",
    "the contract EXPIRES, the deadline passes",
    "the old deal runs out",
    "a deadline looms",
    "the sides met",
    "strikes, votes and walkouts",
    "no date was set",
]


def test_the_cue_prefilter_keeps_every_row(tmp_path: Path) -> None:
    """sentence_milestones with its one-pattern prefilter gives the rows of the plain per-cue
    join over every sentence (the view's text without the prefilter), on a warehouse of every
    phrase x date position x negotiation."""
    from warehouse.db import VIEWS_DIR, connect_write

    db = tmp_path / "tablewatch.duckdb"
    prefilter = " and milestone_cued(s.sentence)"
    view_sql = (VIEWS_DIR / "sentence_milestones.sql").read_text(encoding="utf-8")
    assert prefilter in view_sql
    reference_sql = view_sql.replace(prefilter, "").replace(
        "view sentence_milestones", "view reference_milestones"
    )
    with connect_write(db) as con:
        con.execute(
            """
            insert into articles (article_id, url, source, status, published, crawl_day)
            select 'a' || i, 'https://news.test/' || i, 'testwire', 'relevant',
                date '2026-05-10', date '2026-05-10'
            from range(4) as t(i)
            """
        )
        con.execute(
            """
            create temp table gen as
            select 'a' || a.i as article_id,
                cast(row_number() over (partition by a.i order by p.phrase, d.pos) as integer) - 1
                    as sent_index,
                case when a.i = 3 then null else 'neg' || a.i end as negotiation,
                d.pos, p.phrase,
                case d.pos
                    when 0 then 'On May 20 ' || p.phrase || '.'
                    when 1 then p.phrase || ' on June 30.'
                    when 2 then p.phrase || repeat(' and more talk', 8) || ' by 2026 summer.'
                    else p.phrase || ' in July, or on August 1.'
                end as sentence
            from range(4) as a(i), unnest(?) as p(phrase), range(4) as d(pos)
            """,
            [CUE_PHRASES],
        )
        con.execute(
            """
            insert into sentences (article_id, sent_index, nlp_version, sentence, start_char,
                end_char, negotiation, signal, tone, tone_score, issues, parties)
            select article_id, sent_index, 'v1', sentence, 0, length(sentence), negotiation,
                'none', 0, 0.0, [], []
            from gen
            """
        )
        con.execute(
            """
            insert into sentence_dates
            select article_id, sent_index, 0, 'May 20', '2026-05-20', 'date' from gen where pos = 0
            union all
            select article_id, sent_index, 0, 'June 30', '2026-06-30', 'date' from gen where pos = 1
            union all
            select article_id, sent_index, 0, '2026 summer', '2026-SU', 'date' from gen where pos = 2
            union all
            select article_id, sent_index, 0, 'July', '2026-07', 'date' from gen where pos = 3
            union all
            select article_id, sent_index, 1, 'August 1', '2026-08-01', 'date' from gen where pos = 3
            """
        )
        con.execute(reference_sql)
        got = con.execute("select * from sentence_milestones order by all").fetchall()
        want = con.execute("select * from reference_milestones order by all").fetchall()
        con.execute("drop view reference_milestones")
    assert got == want
    kinds = {row[3] for row in got}
    assert kinds == {
        "strike_vote",
        "ratification_vote",
        "extension",
        "strike_start",
        "contract_expiry",
        "deadline",
    }
    # a phrase without a cue gives no milestone; one with a cue does, at every negotiation
    assert not any(row[5].startswith(("the sides met", "no date")) for row in got)
    assert {row[0] for row in got} == {"neg0", "neg1", "neg2"}


def test_a_label_quotes_the_cue_to_the_end_of_its_word(tmp_path: Path) -> None:
    """The cue 'vote on ratif' matches "vote on ratification"; the label quotes the whole word."""
    db = coverage_milestone_db(
        tmp_path,
        "wga_2026",
        {"2026-07-01": "Writers Guild members will vote on ratification on August 10."},
    )
    _, rows = run_sql(db, "select kind, label from v_milestones where source = 'coverage'")
    assert rows == [("ratification_vote", "vote on ratification August 10")]
