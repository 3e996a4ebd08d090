"""The alerts configuration (``alerts/alerts.yaml``), validated once into typed objects.

Thresholds are data so that the evaluation table can be reproduced with other settings without
touching code; credentials are never read from the file, only from the environment.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kernel.config import read_yaml
from kernel.errors import ConfigError
from warehouse.board import STATUSES

DEFAULT_ALERTS_CONFIG = Path(__file__).resolve().parent / "alerts.yaml"
SURGE_SIGNALS = ("gap", "progress")
TONE_METHODS = ("welch", "monitor")
#: the statuses of the issue board (warehouse issue_status_as_of); "*" in a turn is any of them
BOARD_STATUSES = STATUSES


@dataclass(frozen=True)
class ToneShift:
    enabled: bool = True
    # welch: recent window vs baseline (Welch z); monitor: the day vs the days before, confirmed
    # against the previous day and the previous week (welch won the backtest, see alerts.yaml)
    method: str = "welch"
    recent_days: int = 3
    baseline_days: int = 14
    min_recent_sentences: int = 6
    min_baseline_sentences: int = 12
    min_recent_articles: int = 2
    z_threshold: float = 3.0
    min_delta: float = 0.2
    min_sd: float = 0.15
    cooldown_days: int = 3
    monitor_baseline_days: int = 14
    monitor_min_day_sentences: int = 4
    monitor_z: float = 2.0
    drivers: int = 3


@dataclass(frozen=True)
class SingleArticle:
    """One article may corroborate itself when the NLP is sure and a party is speaking.

    Needs the ``signal_confidence`` and ``speaker`` columns of the sentences; without them this
    path never fires (the two-article rule still does)."""

    enabled: bool = True
    min_confidence: float = 0.9
    min_sentences: int = 2
    # event sentences when one of them (at min_confidence) carries the event's own cue: a
    # ratification, a strike start or end is stated in one sentence where a deal takes two
    cued_min_sentences: int = 1
    require_party_statement: bool = True


@dataclass(frozen=True)
class Cues:
    """Lexical cues (lower-case substrings) that split a signal into table events."""

    ratified: tuple[str, ...] = ("ratified", "voted to ratify", "members approved")
    strike_ended: tuple[str, ...] = ("end the strike", "ended the strike", "strike ends")
    strike_vote: tuple[str, ...] = ("authoriz", "authoris", "vote on a strike")
    strike_start: tuple[str, ...] = (
        "called a strike",
        "called to strike",
        "walk out",
        "walked out",
        "walked off",
        "went on strike",
    )


@dataclass(frozen=True)
class SignalEvents:
    """State changes of each negotiation, from corroborated table events (see alerts/state.py)."""

    enabled: bool = True
    window_days: int = 3
    min_articles: int = 2
    min_outlets: int = 2
    # story confidence floor: event sentences the NLP labelled with a lower signal_confidence
    # count toward no corroboration (null, from an NLP without confidences, passes)
    min_confidence: float = 0.5
    single_article: SingleArticle = field(default_factory=SingleArticle)
    cues: Cues = field(default_factory=Cues)


@dataclass(frozen=True)
class Surge:
    enabled: bool = True
    signals: tuple[str, ...] = SURGE_SIGNALS
    recent_days: int = 3
    baseline_days: int = 14
    min_recent: int = 6
    min_baseline_sentences: int = 12
    min_ratio: float = 2.0
    min_expected: float = 1.0
    z_threshold: float = 3.0
    cooldown_days: int = 3


@dataclass(frozen=True)
class IssueTurns:
    """An issue of the board turning between the day before and the day (alerts/turns.py).

    ``turns`` are "from->to" board statuses, "*" standing for any status; the same turn of one
    issue (same negotiation, issue and new status) is not raised again within ``cooldown_days``
    after the previous one, so an issue flapping across a tie is one alert, not one a day."""

    enabled: bool = True
    turns: tuple[str, ...] = ("*->agreed", "narrowing->apart", "agreed->apart")
    cooldown_days: int = 7
    # agreement alerted only when reported: a turn to agreed needs the board's evidence of it (an
    # agreement or deal-terms sentence naming the issue) published that day, a reversal the day
    # before's agreed evidence in that board's window
    agreed_needs_same_day_evidence: bool = True


@dataclass(frozen=True)
class Detection:
    history_days: int = 365
    evidence_sentences: int = 3
    tone_shift: ToneShift = field(default_factory=ToneShift)
    signal_events: SignalEvents = field(default_factory=SignalEvents)
    surge: Surge = field(default_factory=Surge)
    issue_turns: IssueTurns = field(default_factory=IssueTurns)


@dataclass(frozen=True)
class Countdown:
    """ "N days to contract expiry" in alerts and the brief when the negotiation's next
    milestone (v_milestones) is at most ``within_days`` after the alert's (or brief's) day."""

    within_days: int = 30


@dataclass(frozen=True)
class Webhook:
    enabled: bool = True


@dataclass(frozen=True)
class Email:
    enabled: bool = True
    subject_prefix: str = "[Tablewatch]"


@dataclass(frozen=True)
class Delivery:
    max_age_days: int = 14
    attempts: int = 3
    backoff_seconds: float = 1.0
    backoff_factor: float = 2.0
    timeout_seconds: float = 10.0
    webhook: Webhook = field(default_factory=Webhook)
    email: Email = field(default_factory=Email)


@dataclass(frozen=True)
class AlertsConfig:
    detection: Detection = field(default_factory=Detection)
    delivery: Delivery = field(default_factory=Delivery)
    countdown: Countdown = field(default_factory=Countdown)


#: keys that were renamed, per section: an old file gets the new name, not a bare "unknown key"
_RENAMED: dict[type, dict[str, str]] = {
    IssueTurns: {"agreement_sentence": "agreed_needs_same_day_evidence"},
}


def _coerce(value: Any, kind: Any, where: str) -> Any:
    if kind is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where} must be true or false, got {value!r}")
        return value
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ConfigError(f"{where} must be a whole number >= 0, got {value!r}")
        return value
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ConfigError(f"{where} must be a number >= 0, got {value!r}")
        return float(value)
    if kind is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where} must be a string, got {value!r}")
        return value
    if kind == tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where} must be a list of labels, got {value!r}")
        return tuple(value)
    return _build(kind, value, where)


def _build(cls: type, raw: Any, where: str) -> Any:
    """Build a config dataclass from a mapping, rejecting unknown keys so typos do not pass."""
    if raw is None:
        return cls()
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must be a mapping")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for old, new in _RENAMED.get(cls, {}).items():
        if old in raw:
            raise ConfigError(f"{where}.{old} was renamed: write {new} instead")
    unknown = sorted(set(raw) - set(fields))
    if unknown:
        raise ConfigError(f"{where} has unknown keys {unknown}; allowed: {sorted(fields)}")
    hints = typing.get_type_hints(cls)
    kwargs = {k: _coerce(v, hints[k], f"{where}.{k}") for k, v in raw.items()}
    return cls(**kwargs)


def _check(cfg: AlertsConfig, path: Path) -> None:
    det = cfg.detection
    for name, sec in (("tone_shift", det.tone_shift), ("surge", det.surge)):
        if sec.recent_days < 1 or sec.baseline_days < 1:
            raise ConfigError(f"{path}: detection.{name} windows must be at least 1 day")
        if sec.cooldown_days < 1:
            raise ConfigError(f"{path}: detection.{name}.cooldown_days must be at least 1")
    bad = [s for s in det.surge.signals if s not in SURGE_SIGNALS]
    if bad:
        raise ConfigError(
            f"{path}: detection.surge.signals: unknown {bad}; allowed {SURGE_SIGNALS}"
        )
    ev = det.signal_events
    if ev.window_days < 1 or ev.min_articles < 1 or ev.min_outlets < 1:
        raise ConfigError(
            f"{path}: detection.signal_events window_days, min_articles and min_outlets "
            "must be at least 1"
        )
    for name, value in (
        ("signal_events.min_confidence", ev.min_confidence),
        ("signal_events.single_article.min_confidence", ev.single_article.min_confidence),
    ):
        if value > 1:
            raise ConfigError(f"{path}: detection.{name} is a signal_confidence, at most 1")
    if det.tone_shift.method not in TONE_METHODS:
        raise ConfigError(
            f"{path}: detection.tone_shift.method must be one of {TONE_METHODS}, "
            f"got {det.tone_shift.method!r}"
        )
    for turn in det.issue_turns.turns:
        parts = turn.split("->")
        if (
            len(parts) != 2
            or not all(p in (*BOARD_STATUSES, "*") for p in parts)
            or (parts[0] == parts[1])
        ):
            raise ConfigError(
                f"{path}: detection.issue_turns.turns: {turn!r} must be 'from->to', two "
                f"different statuses of {BOARD_STATUSES} or '*'"
            )
    if det.issue_turns.cooldown_days < 1:
        raise ConfigError(f"{path}: detection.issue_turns.cooldown_days must be at least 1")
    if cfg.delivery.attempts < 1:
        raise ConfigError(f"{path}: delivery.attempts must be at least 1")


def load_alerts_config(path: str | Path | None = None) -> AlertsConfig:
    """Read and validate the alerts file; raises ConfigError naming the bad key."""
    path = Path(path) if path else DEFAULT_ALERTS_CONFIG
    data = read_yaml(path)
    if data is None:
        data = {}
    cfg = _build(AlertsConfig, data, str(path))
    _check(cfg, path)
    return cfg
