"""Detection and dedupe against hand-built warehouses (real DuckDB files, production views)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from alerts import format_alert, run_alerts
from alerts.model import alert_id
from alerts.settings import ToneShift, load_alerts_config
from kernel.errors import ConfigError, TablewatchError
from tests.support.alerts import NEGATIVE, POSITIVE, add_day, day, write_sentences


def _stored(db: Path) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "select alert_id, negotiation, kind, direction, detected_on, statistic, details, "
            "evidence, delivered from v_alerts order by detected_on, kind, direction"
        ).fetchall()


def _tone_story(
    db: Path,
    drops: list[range],
    days: int = 25,
    articles: int = 3,
    tones_pos: list[float] = POSITIVE,
    tones_neg: list[float] = NEGATIVE,
) -> None:
    rows: list[dict] = []
    for i in range(days):
        negative = any(i in r for r in drops)
        add_day(rows, day(i), "wga_2023", tones_neg if negative else tones_pos, articles=articles)
    write_sentences(db, rows)


def test_tone_drop_raises_one_alert_with_direction_and_figures(db: Path, alerts_config: Path):
    _tone_story(db, drops=[range(17, 25)])
    raised = run_alerts(db, day(19), alerts_config)
    assert [(a.kind, a.direction) for a in raised] == [("tone_shift", "down")]
    a = raised[0]
    # the episode began on day 17 (first day over the threshold), though the first run is day 19
    assert a.details["episode_start"] == day(17).isoformat()
    assert a.alert_id == alert_id("wga_2023", "tone_shift", "down", day(17))
    assert a.details["recent_mean"] == pytest.approx(-0.5)
    assert a.details["baseline_mean"] == pytest.approx(1 / 3, abs=1e-3)
    assert a.details["recent_sentences"] == 27 and a.details["baseline_sentences"] == 126
    assert a.statistic is not None and a.statistic < -3
    assert (a.window_start, a.window_end, a.detected_on) == (day(17), day(19), day(19))
    assert len(a.evidence) == 3
    assert all(
        e["tone_score"] == -0.6 and e["url"].startswith("http://news.test/") for e in a.evidence
    )
    assert len({e["url"] for e in a.evidence}) == 3  # one sentence per article
    rows = _stored(db)
    assert len(rows) == 1 and rows[0][0] == a.alert_id and rows[0][8] is False
    assert json.loads(rows[0][6])["delta"] == pytest.approx(-0.8333, abs=1e-3)
    line = format_alert(a)
    assert "wga_2023" in line and "tone_shift/down" in line and a.alert_id in line


def test_rerun_same_day_raises_nothing_new(db: Path, alerts_config: Path):
    _tone_story(db, drops=[range(17, 25)])
    first = run_alerts(db, day(18), alerts_config)
    again = run_alerts(db, day(18), alerts_config)
    assert len(first) == 1 and again == []
    assert len(_stored(db)) == 1


def test_backfill_raises_one_alert_per_episode(db: Path, alerts_config: Path):
    # drop, recovery (which is itself an upturn), then a second drop after the cool-down
    _tone_story(db, drops=[range(17, 22), range(40, 48)], days=48)
    raised = [a for i in range(14, 48) for a in run_alerts(db, day(i), alerts_config)]
    downs = [a for a in raised if a.direction == "down"]
    assert len(downs) == 2
    assert [a.details["episode_start"] for a in downs] == [day(17).isoformat(), day(40).isoformat()]
    assert {a.kind for a in raised} == {"tone_shift"}
    assert len({a.alert_id for a in raised}) == len(raised) == len(_stored(db))
    # a second backfill over the same days changes nothing
    assert [a for i in range(14, 48) for a in run_alerts(db, day(i), alerts_config)] == []


def test_backfill_in_reverse_order_gives_the_same_ids(db: Path, alerts_config: Path):
    _tone_story(db, drops=[range(17, 22), range(40, 48)], days=48)
    for i in range(47, 13, -1):
        run_alerts(db, day(i), alerts_config)
    downs = sorted(r[0] for r in _stored(db) if r[3] == "down")
    assert downs == sorted(alert_id("wga_2023", "tone_shift", "down", day(i)) for i in (17, 40))


def test_one_pass_backfill_matches_the_day_by_day_run(
    db: Path, alerts_config: Path, tmp_path: Path
):
    _tone_story(db, drops=[range(17, 22), range(40, 48)], days=48)
    one_pass = run_alerts(db, day(47), alerts_config, since=day(14))
    assert sorted(a.direction for a in one_pass if a.kind == "tone_shift").count("down") == 2
    # the day-by-day replay over the same days finds the same episodes, already stored
    assert [a for i in range(14, 48) for a in run_alerts(db, day(i), alerts_config)] == []
    assert sorted(r[0] for r in _stored(db)) == sorted(a.alert_id for a in one_pass)


def test_low_volume_raises_no_alert(db: Path, alerts_config: Path):
    # the same drop, but one article a day with one sentence: below the minimum counts
    _tone_story(db, drops=[range(17, 25)], articles=1, tones_pos=[0.5], tones_neg=[-0.6])
    assert [a for i in range(14, 25) for a in run_alerts(db, day(i), alerts_config)] == []
    assert _stored(db) == []


def test_small_wobble_raises_no_alert(db: Path, alerts_config: Path):
    _tone_story(db, drops=[range(17, 25)], tones_neg=[0.4, 0.1, 0.2])
    assert [a for i in range(14, 25) for a in run_alerts(db, day(i), alerts_config)] == []


def test_dry_run_writes_nothing(db: Path, alerts_config: Path):
    _tone_story(db, drops=[range(17, 25)])
    preview = run_alerts(db, day(20), alerts_config, dry_run=True)
    assert [(a.kind, a.direction) for a in preview] == [("tone_shift", "down")]
    assert _stored(db) == []
    stored = run_alerts(db, day(20), alerts_config)
    assert [a.alert_id for a in stored] == [a.alert_id for a in preview]
    assert run_alerts(db, day(20), alerts_config, dry_run=True) == []


def test_surge_of_gap_mentions(db: Path, alerts_config: Path):
    rows: list[dict] = []
    for i in range(30):
        add_day(rows, day(i), "uaw_2023", [0.0, 0.0], articles=3)
        if i % 4 == 0:
            add_day(rows, day(i), "uaw_2023", [0.0], signal="gap", articles=1, tag="g")
    for i in (24, 25):
        add_day(rows, day(i), "uaw_2023", [0.0, 0.0], signal="gap", articles=3, tag="s")
    write_sentences(db, rows)
    raised = [a for i in range(18, 30) for a in run_alerts(db, day(i), alerts_config)]
    # day 24: 6 surge sentences + the usual 1 of every 4th day, vs ~0.8 expected in 3 days
    assert [(a.kind, a.direction, a.detected_on) for a in raised] == [("surge", "gap", day(24))]
    d = raised[0].details
    assert d["recent_count"] == 7 and d["expected"] < 1.5 and raised[0].statistic >= 3


def test_config_errors_are_one_line(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("detection:\n  tone_shift:\n    z_treshold: 2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="z_treshold"):
        load_alerts_config(bad)
    bad.write_text("detection:\n  signal_events:\n    quiet_days: 14\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="quiet_days"):
        load_alerts_config(bad)
    bad.write_text("detection:\n  signal_events:\n    window_days: 0\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="window_days"):
        load_alerts_config(bad)
    bad.write_text("detection:\n  tone_shift:\n    method: vibes\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="method"):
        load_alerts_config(bad)
    bad.write_text("detection:\n  signal_events:\n    min_confidence: 5\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="min_confidence"):
        load_alerts_config(bad)
    bad.write_text("delivery:\n  attempts: many\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="attempts"):
        load_alerts_config(bad)


def test_missing_warehouse_is_a_clear_error(tmp_path: Path):
    with pytest.raises(TablewatchError, match="no warehouse"):
        run_alerts(tmp_path / "none.duckdb", "2023-05-01", dry_run=True)
    with pytest.raises(TablewatchError, match="not a date"):
        run_alerts(tmp_path / "none.duckdb", "May 1st")


def test_shipped_config_is_valid():
    cfg = load_alerts_config()
    assert cfg.detection.tone_shift.cooldown_days >= 1 and cfg.delivery.attempts >= 1
    # the tone method the backtest chose is the file's and the code's default alike
    assert cfg.detection.tone_shift.method == ToneShift().method == "welch"


def test_tone_alert_says_which_party_moved_it(db: Path, alerts_config: Path):
    rows: list[dict] = []
    for i in range(25):
        add_day(rows, day(i), "wga_2023", POSITIVE, articles=3, parties=["amptp"])
        if i >= 17:  # the guild's statements turn sour; the studios' side stays as it was
            add_day(rows, day(i), "wga_2023", NEGATIVE * 2, articles=2, tag="w", parties=["wga"])
    write_sentences(db, rows)
    [a] = [a for a in run_alerts(db, day(19), alerts_config) if a.kind == "tone_shift"]
    drivers = a.details["drivers"]
    assert drivers[0]["party"] == "wga" and drivers[0]["sentences"] == 3 * 2 * 6
    assert drivers[0]["tone_score"] == -0.6 and "amptp" not in {d["party"] for d in drivers}
    assert "moved most by wga" in format_alert(a)


def test_monitor_method_day_against_its_baseline(db: Path, tmp_path: Path):
    import yaml

    from tests.support.alerts import TEST_CONFIG

    cfg = yaml.safe_load(yaml.safe_dump(TEST_CONFIG))
    cfg["detection"]["tone_shift"]["method"] = "monitor"
    path = tmp_path / "monitor.yaml"
    path.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    wobble = [[0.3, 0.2, 0.4], [0.2, 0.3, 0.1], [0.4, 0.3, 0.3]]
    rows: list[dict] = []
    for i in range(24):
        tones = NEGATIVE if i == 20 else wobble[i % 3]
        add_day(rows, day(i), "wga_2023", tones, articles=2)
    write_sentences(db, rows)
    raised = [a for i in range(15, 24) for a in run_alerts(db, day(i), path)]
    tone = [a for a in raised if a.kind == "tone_shift"]
    # the bad day alerts once; the day after, back to the usual tone, is no "up" shift
    assert [(a.detected_on, a.direction) for a in tone] == [(day(20), "down")]
    d = tone[0].details
    assert d["method"] == "monitor" and d["day_mean"] == pytest.approx(-0.5)
    assert d["baseline_days"] == 14 and d["previous_day_mean"] > 0
