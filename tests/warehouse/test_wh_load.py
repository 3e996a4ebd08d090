"""load_run: idempotent, replaces by article_id, refuses bad input without changing anything."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kernel.errors import TablewatchError
from tests.support.warehouse import read_jsonl, snapshot_state, table_rows, write_jsonl
from warehouse.load import load_run
from warehouse.query import run_sql


def count(db: Path, sql: str) -> int:
    return run_sql(db, sql)[1][0][0]


def test_first_load_counts_and_tables(db_path: Path, run_dir: Path) -> None:
    result = load_run(db_path, run_dir, nlp_version="v1")
    assert (result.articles, result.relevant, result.skipped, result.duplicate, result.failed) == (
        8,
        5,
        1,
        1,
        1,
    )
    assert (result.sentences, result.feed_state, result.kept_newer) == (20, 2, 0)
    assert count(db_path, "select count(*) from article_bodies") == 5
    assert count(db_path, "select count(*) from sentence_issues") == 15
    assert count(db_path, "select count(*) from sentence_parties") == 23
    assert count(db_path, "select count(*) from sentence_evidence") == 31
    assert run_sql(
        db_path,
        "select status, reason, duplicate_of from articles where article_id = 'a000000000000007'",
    )[1] == [("duplicate", "same_body", "a000000000000002")]
    runs = run_sql(
        db_path,
        "select run_day, articles, relevant, sentences, nlp_version, requests from crawl_runs",
    )
    assert [tuple(map(str, r)) for r in runs[1]] == [("2023-07-20", "8", "5", "20", "v1", "12")]
    assert run_sql(db_path, "select allowed_domains from sources where source = 'thewrap'")[1] == [
        (["thewrap.example"],)
    ]
    # sentence text is the body slice the offsets name
    assert (
        count(
            db_path,
            "select count(*) from sentences s join article_bodies b using (article_id) "
            "where substr(b.body, s.start_char + 1, s.end_char - s.start_char) <> s.sentence",
        )
        == 0
    )


def test_loading_twice_is_identical(db_path: Path, run_dir: Path) -> None:
    load_run(db_path, run_dir, nlp_version="v1")
    first = snapshot_state(db_path)
    load_run(db_path, run_dir, nlp_version="v1")
    assert snapshot_state(db_path) == first
    assert all(
        first[t] for t in ("articles", "sentences", "sentence_dates", "feed_state", "crawl_runs")
    )


def test_new_nlp_version_replaces_sentences(db_path: Path, run_dir: Path) -> None:
    load_run(db_path, run_dir, nlp_version="v1")
    sents = read_jsonl(run_dir / "sentences.jsonl")
    a2 = [s for s in sents if s["id"] == "a000000000000002"]
    a2[0] |= {"signal": "progress", "tone": 1, "tone_score": 0.9, "issues": ["ai"], "evidence": []}
    write_jsonl(
        run_dir / "sentences.jsonl", [s for s in sents if s["id"] != "a000000000000002"] + a2[:2]
    )
    result = load_run(db_path, run_dir, nlp_version="v2")
    assert result.sentences == 18
    versions = run_sql(db_path, "select nlp_version, count(*) from sentences group by all")[1]
    assert versions == [("v2", 18)]
    got = run_sql(
        db_path,
        "select sent_index, signal, issues from sentences where article_id = 'a000000000000002' order by 1",
    )[1]
    assert got == [(0, "progress", ["ai"]), (1, "strike_action", ["wages"])]
    # child tables follow: no issue or evidence rows of the dropped v1 sentences remain
    assert (
        count(db_path, "select count(*) from sentence_issues where article_id = 'a000000000000002'")
        == 2
    )
    assert (
        count(
            db_path,
            "select count(*) from sentence_evidence where article_id = 'a000000000000002' and sent_index = 0",
        )
        == 0
    )


def _relabel_one_article(db_path: Path, run_dir: Path, tmp_path: Path, nlp_version: str) -> None:
    """Load a later run that re-annotates one stored article (a000000000000005) only."""
    other = tmp_path / "re" / "2023-07-25"
    other.mkdir(parents=True)
    (other / "articles.jsonl").write_text("")
    a5 = [s for s in read_jsonl(run_dir / "sentences.jsonl") if s["id"] == "a000000000000005"]
    write_jsonl(other / "sentences.jsonl", a5)
    load_run(db_path, other, nlp_version=nlp_version)


def test_reprocess_file_for_stored_articles(db_path: Path, run_dir: Path, tmp_path: Path) -> None:
    """A sentences file about stored articles replaces just those articles' sentences."""
    load_run(db_path, run_dir, nlp_version="v1")
    _relabel_one_article(db_path, run_dir, tmp_path, nlp_version="v2")
    rows = run_sql(db_path, "select nlp_version, count(*) from sentences group by all order by 1")[
        1
    ]
    assert rows == [("v1", 16), ("v2", 4)]
    assert count(db_path, "select count(*) from articles") == 8


def test_older_run_does_not_overwrite_newer_record(
    db_path: Path, run_dir: Path, tmp_path: Path
) -> None:
    load_run(db_path, run_dir, nlp_version="v1")
    old = tmp_path / "old" / "2023-07-01"
    old.mkdir(parents=True)
    rec = read_jsonl(run_dir / "articles.jsonl")[7]  # the failed one
    write_jsonl(old / "articles.jsonl", [rec | {"crawl_day": "2023-07-01", "reason": "timeout"}])
    result = load_run(db_path, old, nlp_version="v1")
    assert result.kept_newer == 1
    assert run_sql(db_path, "select reason from articles where article_id = 'a000000000000008'")[
        1
    ] == [("http_404",)]


def test_feed_state_upsert(db_path: Path, run_dir: Path, tmp_path: Path) -> None:
    load_run(db_path, run_dir, nlp_version="v1")
    nxt = tmp_path / "n" / "2023-07-21"
    nxt.mkdir(parents=True)
    (nxt / "articles.jsonl").write_text("")
    write_jsonl(
        nxt / "feed_state.jsonl",
        [
            {
                "url": "https://deadline.example/feed",
                "etag": '"def"',
                "last_modified": None,
                "status": 304,
                "fetched_at": "2023-07-21T06:00:00Z",
            },
            {
                "url": "https://new.example/feed",
                "etag": "x",
                "last_modified": None,
                "status": 200,
                "fetched_at": "2023-07-21T08:00:00+02:00",
            },
        ],
    )
    load_run(db_path, nxt, nlp_version="v1")
    rows = table_rows(db_path, "feed_state")
    assert [(r[0], r[1], r[3], str(r[4])) for r in rows] == [
        ("https://deadline.example/feed", '"def"', 304, "2023-07-21 06:00:00"),
        ("https://new.example/feed", "x", 200, "2023-07-21 06:00:00"),  # stored as UTC
        ("https://variety.example/feed", None, 304, "2023-07-20 06:00:01"),
    ]
    # the articles of the first run are untouched by a run without articles
    assert count(db_path, "select count(*) from sentences") == 20


@pytest.mark.parametrize(
    ("file", "mutate", "message"),
    [
        (
            "sentences.jsonl",
            lambda s: s.__setitem__(3, s[3] | {"signal": "stalemate"}),
            ":4: signal 'stalemate'",
        ),
        (
            "sentences.jsonl",
            lambda s: s.__setitem__(0, s[0] | {"tone_score": 1.5}),
            ":1: tone_score",
        ),
        (
            "sentences.jsonl",
            lambda s: s.__setitem__(1, s[1] | {"signal_confidence": 1.2}),
            ":2: signal_confidence",
        ),
        (
            "sentences.jsonl",
            lambda s: s.__setitem__(2, s[2] | {"issues": ["pizza"]}),
            ":3: unknown issue label(s) pizza",
        ),
        ("sentences.jsonl", lambda s: s.append(s[0]), "appears more than once"),
        (
            "sentences.jsonl",
            lambda s: s.append(s[0] | {"id": "ffffffffffffffff"}),
            "neither in articles.jsonl",
        ),
        (
            "articles.jsonl",
            lambda a: a.__setitem__(1, a[1] | {"status": "maybe"}),
            ":2: status 'maybe'",
        ),
        (
            "articles.jsonl",
            lambda a: a.__setitem__(0, a[0] | {"published": "July 5"}),
            ":1: published",
        ),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(db_path, run_dir, file, mutate, message) -> None:
    load_run(db_path, run_dir, nlp_version="v1")
    before = snapshot_state(db_path)
    records = read_jsonl(run_dir / file)
    mutate(records)
    write_jsonl(run_dir / file, records)
    with pytest.raises(TablewatchError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_run(db_path, run_dir, nlp_version="v2")
    assert snapshot_state(db_path) == before


def test_signal_confidence_is_stored_and_optional(db_path: Path, run_dir: Path) -> None:
    """The annotate output's optional signal_confidence reaches v_sentences; output without it
    (an older NLP version) loads with null."""
    sents = read_jsonl(run_dir / "sentences.jsonl")
    for i, s in enumerate(sents):
        s.pop("signal_confidence", None)
        if s["id"] == "a000000000000002":
            s["signal_confidence"] = round(0.5 + 0.1 * i % 0.5, 4)
    write_jsonl(run_dir / "sentences.jsonl", sents)
    load_run(db_path, run_dir, nlp_version="v1")
    want = {
        (s["id"], s["sent_index"]): s.get("signal_confidence")
        for s in sents
        if s["id"] in {"a000000000000001", "a000000000000002"}
    }
    got = run_sql(
        db_path,
        "select article_id, sent_index, signal_confidence from v_sentences "
        "where article_id in ('a000000000000001', 'a000000000000002')",
    )[1]
    assert {(a, i): c for a, i, c in got} == want
    assert any(c is not None for c in want.values()) and any(c is None for c in want.values())


def test_malformed_json_line(db_path: Path, run_dir: Path) -> None:
    with (run_dir / "sentences.jsonl").open("a") as fh:
        fh.write('{"id": "a000000000000001", "sent_index": \n')
    with pytest.raises(TablewatchError, match=r"sentences\.jsonl: cannot read"):
        load_run(db_path, run_dir, nlp_version="v1")
    assert count(db_path, "select count(*) from articles") == 0


def test_missing_files(db_path: Path, run_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(TablewatchError, match="articles.jsonl is missing"):
        load_run(db_path, tmp_path / "runs" / "2023-07-30", nlp_version="v1")
    with pytest.raises(TablewatchError, match="YYYY-MM-DD"):
        load_run(db_path, tmp_path, nlp_version="v1")
    # crawl only (not yet annotated): articles and feed state load, no sentences, no stats needed
    (run_dir / "sentences.jsonl").unlink()
    (run_dir / "crawl_stats.json").unlink()
    result = load_run(db_path, run_dir)
    assert (result.articles, result.sentences, result.nlp_version) == (8, 0, None)
    assert count(db_path, "select count(*) from sentences") == 0
    assert run_sql(db_path, "select sentences, nlp_version, stats from crawl_runs")[1] == [
        (0, None, None)
    ]


def test_crawl_stats_must_be_json(db_path: Path, run_dir: Path) -> None:
    (run_dir / "crawl_stats.json").write_text("{oops")
    with pytest.raises(TablewatchError, match="crawl_stats.json: not valid JSON"):
        load_run(db_path, run_dir, nlp_version="v1")


def test_crawl_stats_of_another_shape_is_refused(db_path: Path, run_dir: Path) -> None:
    """One schema (kernel.records.CrawlStats): no guessing among alias keys, nothing loaded."""
    (run_dir / "crawl_stats.json").write_text(
        json.dumps({"sources_file": "/nonexistent/sources.yaml", "start_time": "2023-07-20"})
    )
    with pytest.raises(TablewatchError, match=r"not a CrawlStats .*unknown keys \['start_time'\]"):
        load_run(db_path, run_dir, nlp_version="v1")
    assert not db_path.exists() or run_sql(db_path, "select count(*) from articles")[1] == [(0,)]


def test_sources_domains_come_from_the_crawl_stats(db_path: Path, run_dir: Path) -> None:
    load_run(db_path, run_dir, nlp_version="v1")
    rows = run_sql(db_path, "select source, allowed_domains from sources order by source")[1]
    assert rows == [
        ("deadline", ["deadline.example"]),
        ("thewrap", ["thewrap.example"]),
        ("variety", ["variety.example"]),
    ]


def test_nlp_version_comes_from_the_annotate_stats(db_path: Path, run_dir: Path) -> None:
    result = load_run(db_path, run_dir)
    assert result.nlp_version == "fixture-1"
    versions = run_sql(db_path, "select distinct nlp_version from sentences")[1]
    assert versions == [("fixture-1",)]
    (run_dir / "annotate_stats.json").unlink()
    with pytest.raises(TablewatchError, match="annotate_stats.json beside it"):
        load_run(db_path, run_dir)


def test_sentence_copies_follow_a_changed_article(
    db_path: Path, run_dir: Path, tmp_path: Path
) -> None:
    """A newer record of an article (new publication day) moves its sentences in every trend."""
    load_run(db_path, run_dir, nlp_version="v1")
    nxt = tmp_path / "n" / "2023-07-21"
    nxt.mkdir(parents=True)
    rec = read_jsonl(run_dir / "articles.jsonl")[0]
    write_jsonl(
        nxt / "articles.jsonl", [rec | {"published": "2023-07-06", "crawl_day": "2023-07-21"}]
    )
    load_run(db_path, nxt, nlp_version="v1")
    got = run_sql(
        db_path,
        "select distinct published, source from sentences where article_id = 'a000000000000001'",
    )[1]
    assert [str(r[0]) for r in got] == ["2023-07-06"]
    days = run_sql(
        db_path, "select day, sentences from v_tone_daily where negotiation = 'wga_2023'"
    )[1]
    assert str(days[0][0]) == "2023-07-06"
    assert count(db_path, "select count(*) from sentences") == 20


def test_history_stays_in_the_views_after_an_nlp_upgrade(
    db_path: Path, run_dir: Path, tmp_path: Path
) -> None:
    """A day labelled by a newer NLP version must not hide the days an older one labelled."""
    load_run(db_path, run_dir, nlp_version="v1")
    before = count(db_path, "select count(*) from v_sentences")
    _relabel_one_article(db_path, run_dir, tmp_path, nlp_version="v2")
    assert count(db_path, "select count(*) from v_sentences") == before
    assert count(db_path, "select count(*) from v_tone_daily") > 0
