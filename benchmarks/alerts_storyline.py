"""Score the detector against the demo storyline: which turns it caught, how late, what else it raised.

The storyline (``demosite/corpus/storyline.yaml``) lists the shift points written into
the demo corpus. Detection is replayed over the whole period without writing anything: one pass of
``detect(since=first day)`` gives exactly what daily runs would have raised (each day's figures use
only sentences published up to that day, and episode ids do not depend on run order);
``day_by_day=True`` runs the daily loop literally, to check that claim.

    uv run python -m alerts.evaluate --db data/demo/tablewatch.duckdb
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from alerts.detect import detect
from alerts.format import headline
from alerts.model import Alert
from alerts.settings import AlertsConfig, load_alerts_config
from kernel.config import read_yaml
from kernel.days import as_date
from kernel.errors import ConfigError

DEFAULT_STORYLINE = Path(__file__).resolve().parents[1] / "demosite" / "corpus" / "storyline.yaml"
# which alerts count as catching each kind of shift point
MATCHES = {
    "tone_down": {("tone_shift", "down"), ("surge", "gap")},
    "tone_up": {("tone_shift", "up"), ("surge", "progress")},
    "breakdown": {("signal_event", "suspended")},
    "agreement": {("signal_event", "tentative_agreement"), ("signal_event", "ratified")},
    "strike_action": {("signal_event", "on_strike")},
    "resumption": {("signal_event", "resumed")},
}


@dataclass(frozen=True)
class ShiftPoint:
    negotiation: str
    date: dt.date
    kind: str
    description: str = ""


@dataclass
class Evaluation:
    points: list[tuple[ShiftPoint, Alert | None]]
    false_alarms: list[Alert]
    alerts: list[Alert]
    config: AlertsConfig
    tolerance_days: int
    period: tuple[dt.date, dt.date]
    notes: list[str] = field(default_factory=list)


def load_storyline(path: str | Path | None = None) -> list[ShiftPoint]:
    path = Path(path) if path else DEFAULT_STORYLINE
    data = read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("negotiations"), dict):
        raise ConfigError(f"{path}: expected a 'negotiations' mapping")
    points = []
    for neg, items in data["negotiations"].items():
        for i, item in enumerate(items or []):
            kind = item.get("kind") if isinstance(item, dict) else None
            if kind not in MATCHES:
                raise ConfigError(f"{path}: {neg}[{i}].kind must be one of {sorted(MATCHES)}")
            points.append(ShiftPoint(neg, as_date(item["date"]), kind, item.get("description", "")))
    return sorted(points, key=lambda p: (p.date, p.negotiation))


def match(
    points: list[ShiftPoint], alerts: list[Alert], tolerance_days: int
) -> tuple[list[tuple[ShiftPoint, Alert | None]], list[Alert]]:
    """Earliest fitting alert per point (one day early up to ``tolerance_days`` late)."""
    used: set[str] = set()
    out = []
    for p in points:
        fits = [
            a
            for a in alerts
            if a.negotiation == p.negotiation
            and (a.kind, a.direction) in MATCHES[p.kind]
            and -1 <= (a.detected_on - p.date).days <= tolerance_days
        ]
        hit = min(fits, key=lambda a: (a.detected_on, a.kind != "tone_shift"), default=None)
        out.append((p, hit))
        used.update(a.alert_id for a in fits)
    return out, [a for a in alerts if a.alert_id not in used]


def evaluate(
    db_path: str | Path,
    storyline_path: str | Path | None = None,
    config_path: str | Path | None = None,
    tolerance_days: int = 7,
    day_by_day: bool = False,
) -> Evaluation:
    """Replay detection over the storyline period (read-only) and match alerts to shift points."""
    from warehouse.db import connect_read

    cfg = load_alerts_config(config_path)
    points = load_storyline(storyline_path)
    with connect_read(db_path) as con:
        lo, hi = con.execute(
            "select min(published), max(published) from v_sentences where negotiation is not null"
        ).fetchone()
        if lo is None:
            raise ConfigError(f"{db_path}: no negotiation sentences to evaluate (run the demo)")
        if day_by_day:
            seen: dict[str, Alert] = {}
            d = lo
            while d <= hi:
                for a in detect(con, d, cfg.detection):
                    seen.setdefault(a.alert_id, a)
                d += dt.timedelta(days=1)
            alerts = sorted(seen.values(), key=lambda a: (a.detected_on, a.negotiation))
        else:
            alerts = detect(con, hi, cfg.detection, since=lo)
    watched = {p.negotiation for p in points}
    graded = {kind for pairs in MATCHES.values() for kind, _ in pairs}
    # issue turns have no shift points in the storyline: not graded here (see alerts_backtest)
    alerts = [a for a in alerts if a.negotiation in watched and a.kind in graded]
    pairs, false_alarms = match(points, alerts, tolerance_days)
    return Evaluation(pairs, false_alarms, alerts, cfg, tolerance_days, (lo, hi))


def to_markdown(ev: Evaluation) -> str:
    t, e, s = (
        ev.config.detection.tone_shift,
        ev.config.detection.signal_events,
        ev.config.detection.surge,
    )
    found = [(p, a) for p, a in ev.points if a is not None]
    lags = [(a.detected_on - p.date).days for p, a in found]
    lines = [
        "### Alerts vs the demo storyline",
        "",
        f"Period {ev.period[0]} to {ev.period[1]}; a shift point counts as detected by a matching "
        f"alert from 1 day before to {ev.tolerance_days} days after it.",
        f"Settings: tone_shift recent {t.recent_days}d vs baseline {t.baseline_days}d, "
        f"|z| >= {t.z_threshold}, |delta| >= {t.min_delta}, min {t.min_recent_sentences}/"
        f"{t.min_baseline_sentences} sentences, cooldown {t.cooldown_days}d; signal_events "
        f">= {e.min_articles} articles in {e.window_days}d; surge z >= {s.z_threshold}, "
        f"ratio >= {s.min_ratio}, min {s.min_recent}.",
        "",
        "| negotiation | shift date | kind | detected | lag (days) | alert |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for p, a in ev.points:
        if a is None:
            lines.append(f"| {p.negotiation} | {p.date} | {p.kind} | missed | | |")
        else:
            lag = (a.detected_on - p.date).days
            lines.append(
                f"| {p.negotiation} | {p.date} | {p.kind} | {a.detected_on} | {lag} | "
                f"{a.kind}/{a.direction} ({a.statistic:.2f}) |"
            )
    lines += [
        "",
        f"Detected {len(found)}/{len(ev.points)}"
        + (f", median lag {statistics.median(lags):g} days" if lags else "")
        + f"; false alarms {len(ev.false_alarms)} of {len(ev.alerts)} alerts.",
    ]
    if ev.false_alarms:
        lines += [
            "",
            "| false alarm | negotiation | alert | headline |",
            "| --- | --- | --- | --- |",
        ]
        for a in ev.false_alarms:
            lines.append(
                f"| {a.detected_on} | {a.negotiation} | {a.kind}/{a.direction} | "
                f"{headline(a).replace('|', '/')} |"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", default="data/demo/tablewatch.duckdb")
    ap.add_argument("--storyline", default=None)
    ap.add_argument("--config", default=None)
    ap.add_argument("--tolerance", type=int, default=7)
    ap.add_argument("--day-by-day", action="store_true")
    args = ap.parse_args(argv)
    ev = evaluate(args.db, args.storyline, args.config, args.tolerance, args.day_by_day)
    print(to_markdown(ev))


if __name__ == "__main__":
    main()
