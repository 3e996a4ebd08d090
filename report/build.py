"""Assemble the HTML report from the analyst views.

Reads only through the views (the documented contract) from the read snapshot, so a report never
waits for, or blocks, a load. Everything is inlined: the file opens anywhere, offline.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
from pathlib import Path
from string import Template
from typing import Any, NamedTuple

import pandas as pd

from kernel.days import parse_day
from kernel.errors import TablewatchError
from kernel.labels import SIGNALS
from kernel.milestones import SEASONS, period_words
from report import charts

log = logging.getLogger("tablewatch")
TEMPLATE = Path(__file__).with_name("template.html")
#: every signal but ``none``: the moves at the table the signal chart plots
CHARTED_SIGNALS = tuple(s for s in SIGNALS if s != "none")


class Milestone(NamedTuple):
    """A milestone of a card: its (first) day, kind, label, how much of the date is known
    (v_milestones.date_precision) and the last day it can fall on."""

    date: dt.date
    kind: str
    label: str
    precision: str = "day"
    last_date: dt.date | None = None

    @property
    def until(self) -> dt.date:
        return self.last_date or self.date


def _check_day(value: str | None, what: str) -> str | None:
    return None if value is None else parse_day(value, what)


class _Views:
    """The queries of one report: every frame filtered to one negotiation and the date range."""

    def __init__(self, con: Any, date_from: str | None, date_to: str | None) -> None:
        self.con = con
        self.lo = date_from or "0001-01-01"
        self.hi = date_to or "9999-12-31"

    def frame(self, sql: str, *params: Any) -> pd.DataFrame:
        return self.con.execute(sql, [*params]).df()

    def negotiations(self, only: str | None) -> pd.DataFrame:
        return self.frame(
            """
            select negotiation, count(*) as sentences, count(distinct article_id) as articles,
                   min(published) as first_day, max(published) as last_day
            from v_sentences
            where negotiation is not null and published between ? and ?
              and (? is null or negotiation = ?)
            group by negotiation
            order by sentences desc
            """,
            self.lo,
            self.hi,
            only,
            only,
        )

    def outlets(self) -> list[str]:
        """Every outlet of the report, sorted: its position fixes the outlet's colour."""
        frame = self.frame(
            "select distinct source from v_sentences where negotiation is not null"
            " and published between ? and ? order by source",
            self.lo,
            self.hi,
        )
        return [str(s) for s in frame["source"]]

    def tone_daily(self, neg: str) -> pd.DataFrame:
        return self.frame(
            "select day, sentences, mean_tone_score, rolling_mean_7d from v_tone_daily "
            "where negotiation = ? and day between ? and ? order by day",
            neg,
            self.lo,
            self.hi,
        )

    def alerts(self, neg: str) -> pd.DataFrame:
        return self.frame(
            """
            select detected_on, kind,
                   case when direction in ('up', 'down') then direction else 'event' end as direction,
                   case when kind = 'signal_event' then direction
                        when kind = 'issue_turn' then 'issue ' || (details->>'issue') || ' ' || direction
                        else replace(kind, '_', ' ') || coalesce(' ' || direction, '') end as label
            from v_alerts
            where negotiation = ? and detected_on between ? and ?
            order by detected_on
            """,
            neg,
            self.lo,
            self.hi,
        )

    def progress_gap(self, neg: str) -> pd.DataFrame:
        return self.frame(
            "select week, progress, gap, pg_index from v_progress_gap_weekly "
            "where negotiation = ? and week between ? and ? and pg_index is not null order by week",
            neg,
            self.lo,
            self.hi,
        )

    def party_tone(self, neg: str) -> pd.DataFrame:
        return self.frame(
            "select week, party, sentences, mean_tone_score from v_party_tone_weekly "
            "where negotiation = ? and week between ? and ? order by party, week",
            neg,
            self.lo,
            self.hi,
        )

    def issue_share(self, neg: str) -> pd.DataFrame:
        return self.frame(
            "select week, issue, mentions, share from v_issue_share_weekly "
            "where negotiation = ? and week between ? and ? order by week, issue",
            neg,
            self.lo,
            self.hi,
        )

    def events(self, neg: str) -> pd.DataFrame:
        return self.frame(
            f"""
            select published as day, signal, count(*) as sentences
            from v_sentences
            where negotiation = ? and published between ? and ?
              and signal in ({", ".join("?" for _ in CHARTED_SIGNALS)})
            group by all order by day
            """,
            neg,
            self.lo,
            self.hi,
            *CHARTED_SIGNALS,
        )

    def coverage(self, neg: str) -> pd.DataFrame:
        return self.frame(
            """
            select date_trunc('week', published) as week, source, count(*) as sentences
            from v_sentences
            where negotiation = ? and published between ? and ?
            group by all order by week, source
            """,
            neg,
            self.lo,
            self.hi,
        )

    def board(self, neg: str, as_of: dt.date) -> pd.DataFrame:
        """The issue status board as of the card's last day (rules: issue_status_as_of)."""
        return self.frame(
            """
            select issue, status, last_mentioned, progress, gap, agreement, evidence
            from issue_status_as_of(?) where negotiation = ?
            """,
            as_of,
            neg,
        )

    def issue_weekly(self, neg: str) -> pd.DataFrame:
        return self.frame(
            """
            select m.issue as issue, s.week as week,
                count(*) filter (where s.signal = 'progress') as progress,
                count(*) filter (where s.signal = 'gap') as gap
            from stg_negotiation_sentences as s, unnest(s.issues) as m(issue)
            where s.negotiation = ? and s.published between ? and ?
            group by all
            """,
            neg,
            self.lo,
            self.hi,
        )

    def milestones(self, neg: str) -> list[Milestone]:
        """Once per day, kind and precision (a day-exact 1 August and "in August" are two: the
        second stays ahead through August, as in the alerts and the brief), the watchlist's label
        where it has one; a date stated in the coverage only once it was published (no knowledge
        from after --to)."""
        frame = self.frame(
            """
            select
                date, kind, arg_min(label, source = 'coverage') as label,
                date_precision as precision, last_date
            from v_milestones
            where negotiation = ? and (source = 'watchlist' or published <= ?)
            group by date, kind, date_precision, precision_rank, last_date
            order by date, precision_rank, kind
            """,
            neg,
            self.hi,
        )
        return [
            Milestone(
                pd.Timestamp(r.date).date(),
                r.kind,
                r.label,
                r.precision,
                pd.Timestamp(r.last_date).date(),
            )
            for r in frame.itertuples()
        ]

    def evidence(self, neg: str, limit: int = 12) -> pd.DataFrame:
        return self.frame(
            """
            select published, source, url, title, sentence, signal, tone
            from v_latest_signals
            where negotiation = ? and published between ? and ? and signal <> 'none'
            order by published desc, url, sent_index
            limit ?
            """,
            neg,
            self.lo,
            self.hi,
            limit,
        )


def _figure(title: str, frame: pd.DataFrame, render: Any, *args: Any, after: str = "") -> str:
    if frame.empty:
        return f'<figure class="chart empty"><figcaption>{html.escape(title)}</figcaption><p>No data in this period.</p></figure>'
    return (
        f'<figure class="chart" aria-label="{html.escape(title)}">{render(frame, *args)}'
        f"{after}</figure>"
    )


def _alert_list(alerts: pd.DataFrame) -> str:
    """The alert labels of the tone chart, numbered as its rules are (labels drawn on the chart
    overlap as soon as two alerts fall in the same week)."""
    if alerts.empty:
        return ""
    items = "".join(
        f'<li value="{r.n}"><span class="alert-{html.escape(r.direction)}">'
        f"{pd.Timestamp(r.detected_on):%d %b %Y}</span> {html.escape(r.label)}</li>"
        for r in charts.numbered_alerts(alerts).itertuples()
    )
    return f'<figcaption>Alerts</figcaption><ol class="alerts">{items}</ol>'


def _axis(neg: pd.Series, alerts: pd.DataFrame, milestones: list[Milestone]) -> charts.TimeAxis:
    """One time domain for every chart of the card: its coverage and its alerts; the milestones
    that fall inside it are drawn on every chart."""
    days = [pd.Timestamp(neg["first_day"]), pd.Timestamp(neg["last_day"])]
    if not alerts.empty:
        days += [pd.Timestamp(d) for d in alerts["detected_on"]]
    # one mark per day and kind, with the label of its finest precision (the first one listed)
    marks: dict[tuple[dt.date, str], str] = {}
    for m in milestones:
        marks.setdefault((m.date, m.kind), m.label)
    drawn = tuple((date, kind, label) for (date, kind), label in sorted(marks.items()))
    return charts.TimeAxis.covering(min(days).date(), max(days).date(), drawn)


def _countdown(milestones: list[Milestone], today: dt.date) -> str:
    """The card's tile for the next milestone from ``today`` on: "12 days to contract expiry",
    or "in August" / "in summer" for a date known only to its month or season (stored as its first
    day, a day count would be false: "August" seen on 31 July is not "1 day to")."""
    ahead = [m for m in milestones if m.until >= today]
    if not ahead:
        return "<div><b>–</b>no milestone ahead</div>"
    m = ahead[0]
    when = period_words(m.date, m.precision, today, m.until)
    if m.precision == "month":
        day = f"{m.date:%b %Y}"
    elif m.precision == "season":
        day = f"{SEASONS[m.date.month]} {m.date.year}"
    else:
        days = (m.date - today).days
        when = "today" if days == 0 else f"{days} day{'s' if days != 1 else ''} to"
        day = f"{m.date:%d %b %Y}"
    return (
        f'<div class="countdown"><b>{html.escape(when)}</b>{html.escape(m.kind.replace("_", " "))}'
        f" ({day}: {html.escape(m.label)})</div>"
    )


def _board(board: pd.DataFrame, weekly: pd.DataFrame, axis: charts.TimeAxis, as_of: dt.date) -> str:
    """Each issue's status with its small weekly trend and the sentence that decided."""
    if board.empty:
        return ""
    rows = []
    for r in board.itertuples(index=False):
        colour = charts.STATUS_COLOURS.get(r.status, "#9e9e9e")
        trend = charts.issue_trend_svg(weekly[weekly["issue"] == r.issue], axis)
        last = "" if pd.isna(r.last_mentioned) else f"{pd.Timestamp(r.last_mentioned):%d %b}"
        evidence = "" if r.evidence is None or pd.isna(r.evidence) else html.escape(r.evidence)
        rows.append(
            f'<tr><td class="nowrap"><span class="swatch" style="background:'
            f'{charts.ISSUE_COLOURS.get(r.issue, "#9e9e9e")}"></span>{html.escape(r.issue)}</td>'
            f'<td><span class="status" style="background:{colour}">{html.escape(r.status)}</span></td>'
            f"<td>{trend}</td><td class=nowrap>{last}</td>"
            f"<td class=nowrap>{int(r.progress)} / {int(r.gap)}</td><td>{evidence}</td></tr>"
        )
    return (
        f"<h3>Issues as of {as_of:%d %b %Y}</h3><table class=board><thead><tr><th>Issue</th>"
        "<th>Status</th><th>Weekly progress ▲ / gap ▼</th><th>Last mentioned</th>"
        "<th>Progress / gap (28 days)</th><th>What decided it</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    )


def _evidence_table(frame: pd.DataFrame) -> str:
    if frame.empty:
        return '<p class="empty">No signals reported in this period.</p>'
    rows = []
    for r in frame.itertuples(index=False):
        tone = {1: "▲", -1: "▼"}.get(int(r.tone), "•")
        rows.append(
            f'<tr><td class="nowrap">{r.published:%Y-%m-%d}</td>'
            f'<td><span class="sig sig-{html.escape(r.signal)}">{html.escape(r.signal)}</span> {tone}</td>'
            f"<td>{html.escape(r.sentence)}</td>"
            f'<td><a href="{html.escape(r.url, quote=True)}">{html.escape(r.source)}</a></td></tr>'
        )
    return (
        "<table class=evidence><thead><tr><th>Day</th><th>Signal</th><th>Sentence</th><th>Outlet</th>"
        "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def _section(
    views: _Views, neg: pd.Series, titles: dict[str, str], outlets: list[str], today: dt.date
) -> str:
    nid = neg["negotiation"]
    tone = views.tone_daily(nid)
    alerts = views.alerts(nid)
    milestones = views.milestones(nid)
    axis = _axis(neg, alerts, milestones)
    as_of = pd.Timestamp(neg["last_day"]).date()
    pg = views.progress_gap(nid)
    # the last week with enough sentences to read: one "progress" sentence is not a +1.00 week
    read = pg[pg["progress"] + pg["gap"] >= charts.MIN_WEEK_MENTIONS]
    latest_pg = f"{read['pg_index'].iloc[-1]:+.2f}" if not read.empty else "n/a"
    pg_week = f"week of {read['week'].iloc[-1]:%d %b}" if not read.empty else "no week to read"
    latest_tone = f"{tone['rolling_mean_7d'].iloc[-1]:+.2f}" if not tone.empty else "n/a"
    cards = (
        f'<div class="cards"><div><b>{neg["articles"]}</b>articles</div>'
        f"<div><b>{neg['sentences']}</b>sentences</div>"
        f"<div><b>{latest_tone}</b>tone, 7-day mean</div>"
        f"<div><b>{latest_pg}</b>progress vs gap, {pg_week}</div>"
        f"<div><b>{len(alerts)}</b>alerts</div>{_countdown(milestones, today)}</div>"
    )
    board = _board(views.board(nid, as_of), views.issue_weekly(nid), axis, as_of)
    figures = [
        _figure("Tone over time", tone, charts.tone_chart, alerts, axis, after=_alert_list(alerts)),
        _figure("Progress vs gap, by week", pg, charts.progress_gap_chart, axis),
        _figure("Tone by side, by week", views.party_tone(nid), charts.party_tone_chart, axis),
        _figure(
            "Issue share of voice, by week",
            views.issue_share(nid),
            charts.issue_share_chart,
            axis,
        ),
        _figure("Signal timeline", views.events(nid), charts.signal_timeline_chart, axis),
        _figure(
            "Coverage by outlet, by week", views.coverage(nid), charts.coverage_chart, axis, outlets
        ),
    ]
    span = f"{neg['first_day']:%d %b %Y} – {neg['last_day']:%d %b %Y}"
    return (
        f'<section id="{html.escape(nid)}"><h2>{html.escape(titles.get(nid, nid))} '
        f"<small>{html.escape(nid)} · {span}</small></h2>{cards}{board}"
        + "".join(figures)
        + "<h3>Latest evidence</h3>"
        + _evidence_table(views.evidence(nid))
        + "</section>"
    )


def _period(negs: pd.DataFrame, date_from: str | None, date_to: str | None) -> str:
    """The dates the report covers: the filters where given, else the first and last day with
    coverage (a reader cannot act on "start - latest")."""
    lo = date_from or (f"{min(negs['first_day']):%Y-%m-%d}" if not negs.empty else None)
    hi = date_to or (f"{max(negs['last_day']):%Y-%m-%d}" if not negs.empty else None)
    if lo is None and hi is None:
        return "no coverage yet"
    return f"{lo or '…'} – {hi or '…'}"


def build_report(
    db_path: str | Path,
    out_dir: str | Path,
    negotiation: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    watchlist: str | Path | None = None,
) -> Path:
    """Write ``out_dir/tablewatch-report.html`` and return its path."""
    from kernel.watchlist import load_watchlist
    from warehouse.db import connect_read

    date_from = _check_day(date_from, "--from")
    date_to = _check_day(date_to, "--to")
    if date_from and date_to and date_from > date_to:
        raise TablewatchError(f"--from {date_from} is after --to {date_to}")
    titles = {n.id: n.title for n in load_watchlist(watchlist)}
    with connect_read(db_path) as con:
        views = _Views(con, date_from, date_to)
        negs = views.negotiations(negotiation)
        outlets = views.outlets()
        today = dt.date.fromisoformat(date_to) if date_to else dt.datetime.now(dt.UTC).date()
        sections = [_section(views, row, titles, outlets, today) for _, row in negs.iterrows()]
    if not sections:
        what = f"negotiation {negotiation!r}" if negotiation else "any watched negotiation"
        sections = [
            f'<section class="empty"><h2>No data</h2><p>The warehouse has no sentences about {html.escape(what)} in this period. Run <code>tablewatch run</code> (or <code>make demo</code>) first.</p></section>'
        ]
    nav = "".join(
        f'<a href="#{html.escape(n)}">{html.escape(titles.get(n, n))}</a>'
        for n in negs["negotiation"]
    )
    page = Template(TEMPLATE.read_text(encoding="utf-8")).substitute(
        generated=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        period=html.escape(_period(negs, date_from, date_to)),
        label_css=charts.label_css(),
        nav=nav,
        sections="\n".join(sections),
    )
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "tablewatch-report.html"
    tmp = path.with_suffix(".html.tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(path)
    log.info("report: %d negotiations -> %s", len(negs), path)
    return path
