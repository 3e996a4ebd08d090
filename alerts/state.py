"""The episode model: the state of each negotiation, derived from its corroborated table events.

``sql/events.sql`` finds the corroborated events set-based (a handful per negotiation); this module
folds them in day order into a state and emits one change per transition. An alert is a change of
state, never a report: "strike continues" while on strike changes nothing, a tentative agreement
then a ratification are two changes, and a weak (uncorroborated) event never reaches the fold, so
it cannot hide the real one that follows; a tentative agreement that corroborated coverage
published after it contradicts (the strike goes on, talks broke down) is taken back with a
"contradicted" change, so the real agreement later alerts again. The state has two parts because coverage does: the talks
(talking, suspended, tentative_agreement, ratified) and whether a strike is on, so talks can
resume during a strike. A strike starts with the talks suspended (it is called because they
failed): "no agreement to resume talks" during it changes nothing, its first talks resume them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from alerts.settings import Detection

SQL = Path(__file__).resolve().parent / "sql" / "events.sql"
TALKS = ("talking", "suspended", "tentative_agreement", "ratified")
#: the direction of each state-change alert
CHANGES = (
    "suspended",
    "resumed",
    "on_strike",
    "strike_ended",
    "tentative_agreement",
    "ratified",
    "contradicted",
)
# events of one day are applied in this order: a deal reported with "the strike ends" is one change
_ORDER = {
    "ratified": 0,
    "tentative_agreement": 1,
    "strike": 2,
    "suspended": 3,
    "strike_ended": 4,
    "scheduling": 5,
}


@dataclass
class State:
    talks: str = "talking"
    strike: bool = False
    since: dt.date | None = None
    # the (talks, strike) before the current tentative agreement, to return to if contradicted
    before_deal: tuple[str, bool] | None = None

    @property
    def label(self) -> str:
        """One word for people: a deal wins, then the strike, then the talks."""
        if self.talks in ("tentative_agreement", "ratified"):
            return self.talks
        if self.strike:
            return "on_strike" + (" (talks suspended)" if self.talks == "suspended" else "")
        return self.talks


@dataclass
class Change:
    negotiation: str
    day: dt.date
    direction: str
    before: str
    after: str
    event: dict[str, Any] = field(default_factory=dict)


def _cue_re(cues: tuple[str, ...]) -> str:
    # an empty list must match nothing
    return "|".join(re.escape(c.lower()) for c in cues) or "(?!)"


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    rows = con.execute(
        "select column_name from duckdb_columns() where table_name = $t and schema_name = 'main'",
        {"t": table},
    ).fetchall()
    return {r[0] for r in rows}


def optional_columns(con: duckdb.DuckDBPyConnection) -> tuple[str, str, str]:
    """signal_confidence / speaker from v_sentences if it has them, else from sentences, else null."""
    view, table = _columns(con, "v_sentences"), _columns(con, "sentences")
    join = ""
    out = []
    for col, typ in (("signal_confidence", "double"), ("speaker", "varchar")):
        if col in view:
            out.append(f"cast(s.{col} as {typ})")
        elif col in table:
            out.append(f"cast(x.{col} as {typ})")
            join = (
                "left join sentences as x "
                "on x.article_id = s.article_id and x.sent_index = s.sent_index"
            )
        else:
            out.append(f"cast(null as {typ})")
    return out[0], out[1], join


def corroborated_events(
    con: duckdb.DuckDBPyConnection,
    day: dt.date,
    start: dt.date,
    cfg: Detection,
    party_keys: list[str],
) -> list[dict[str, Any]]:
    """Every corroborated (negotiation, event, day) in [start, day], oldest first."""
    ev = cfg.signal_events
    conf, speaker, join = optional_columns(con)
    sql = (
        SQL.read_text(encoding="utf-8")
        .replace("{confidence}", conf)
        .replace("{speaker}", speaker)
        .replace("{extra_join}", join)
    )
    params = {
        "start": start,
        "day": day,
        "ratified_re": _cue_re(ev.cues.ratified),
        "strike_ended_re": _cue_re(ev.cues.strike_ended),
        "strike_vote_re": _cue_re(ev.cues.strike_vote),
        "strike_start_re": _cue_re(ev.cues.strike_start),
        "party_keys": party_keys or ["|"],
        "window_days": ev.window_days,
        "min_articles": ev.min_articles,
        "min_outlets": ev.min_outlets,
        "min_confidence": float(ev.min_confidence),
        "single_enabled": ev.single_article.enabled,
        "single_min_sentences": ev.single_article.min_sentences,
        "single_min_confidence": float(ev.single_article.min_confidence),
        "single_cued_min_sentences": ev.single_article.cued_min_sentences,
        "single_require_party": ev.single_article.require_party_statement,
    }
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _contradicts(state: State, ev: dict[str, Any], window_days: int) -> bool:
    """A tentative agreement is contradicted by corroborated reports, all published after it,
    that the strike goes on or that talks broke down (a misread deal must not block the real one).
    """
    if state.talks != "tentative_agreement" or state.since is None or state.before_deal is None:
        return False
    if ev["event"] not in ("strike", "suspended") or ev.get("start_cue"):
        return False
    return ev["day"] >= state.since + dt.timedelta(days=window_days)


def _apply(
    state: State, ev: dict[str, Any], today: set[str], window_days: int = 3
) -> tuple[str, str] | None:
    """The change one event makes (direction, new talks) or None; mutates ``state``."""
    kind, talks = ev["event"], state.talks
    if _contradicts(state, ev, window_days) and not today & {"tentative_agreement", "ratified"}:
        state.talks, state.strike = state.before_deal  # type: ignore[misc]
        state.before_deal = None
        return "contradicted", state.talks
    if kind == "ratified" and talks != "ratified":
        state.talks, state.strike, state.before_deal = "ratified", False, None
        return "ratified", "ratified"
    if kind == "tentative_agreement" and talks not in ("tentative_agreement", "ratified"):
        state.before_deal = (talks, state.strike)
        state.talks, state.strike = "tentative_agreement", False
        return "tentative_agreement", "tentative_agreement"
    if kind == "strike" and not state.strike:
        if today & {"tentative_agreement", "ratified"}:
            return None  # "the strike ends" in the coverage of a deal
        if talks == "ratified" or (talks == "tentative_agreement" and not ev["start_cue"]):
            return None  # the strike the deal ended, told again
        state.strike = True
        # a strike is called when the talks failed: while it lasts there are no talks to break
        # down ("no agreement to resume talks" is no news), and the first talks are a resumption
        state.talks = "suspended"
        return "on_strike", state.talks
    if kind == "suspended" and talks == "talking":
        state.talks = "suspended"
        return "suspended", "suspended"
    if kind == "strike_ended" and state.strike and not today & {"tentative_agreement", "ratified"}:
        state.strike = False
        return "strike_ended", talks
    if kind == "scheduling" and talks == "suspended" and state.since is not None:
        if ev["day"] > state.since:
            state.talks = "talking"
            return "resumed", "talking"
    return None


def fold(
    events: list[dict[str, Any]], window_days: int = 3
) -> tuple[dict[str, State], list[Change]]:
    """Replay the corroborated events in day order; the final states and every change."""
    states: dict[str, State] = {}
    changes: list[Change] = []
    by_day: dict[tuple[str, dt.date], list[dict[str, Any]]] = {}
    for ev in events:
        by_day.setdefault((ev["negotiation"], ev["day"]), []).append(ev)
    for (neg, day), evs in sorted(by_day.items()):
        state = states.setdefault(neg, State())
        today = {e["event"] for e in evs}
        for ev in sorted(evs, key=lambda e: _ORDER.get(e["event"], 9)):
            before = state.label
            change = _apply(state, ev, today, window_days)
            if change is None:
                continue
            state.since = day
            changes.append(Change(neg, day, change[0], before, state.label, dict(ev)))
    return states, changes
