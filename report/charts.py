"""Vega-Lite chart specs (via Altair) for the report, rendered to inline SVG.

Static SVG keeps the report self-contained (no scripts, no network), readable in a mail client and
printable; vl-convert renders it with Vega's own engine, so the charts look as Vega-Lite intends.
One function per chart, each taking a pandas frame from an analyst view.

Reading rules every chart follows, so cards can be compared at a glance:
- one colour per label, fixed here in ``kernel.labels`` order (``staffing_jobs`` has the same
  colour on every card, and a signal the same colour in every chart and in the evidence table);
- the charts of one negotiation share one continuous time axis (``TimeAxis``): a week without
  coverage is an empty stretch, not a missing band;
- a week with fewer than ``MIN_WEEK_MENTIONS`` mentions is too thin for a share or an index: it is
  drawn grey with its count;
- hovering a point or a bar shows its day (or week) and its count: each mark carries an SVG
  ``<title>``, which browsers show as a tooltip without any script.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass

import altair as alt
import pandas as pd

from kernel.labels import ISSUES, PARTIES, SIGNALS

#: one colour per signal, in ``kernel.labels.SIGNALS`` order
SIGNAL_COLOURS: dict[str, str] = dict(
    zip(
        SIGNALS,
        ("#2e7d32", "#ef6c00", "#1b5e20", "#c62828", "#6a1b9a", "#1565c0", "#9e9e9e"),
        strict=True,
    )
)
#: one colour per issue, in ``kernel.labels.ISSUES`` order
ISSUE_COLOURS: dict[str, str] = dict(
    zip(
        ISSUES,
        ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"),
        strict=True,
    )
)
#: one colour per party, in ``kernel.labels.PARTIES`` order (the per-side tone lines)
PARTY_COLOURS: dict[str, str] = dict(
    zip(
        PARTIES,
        (
            "#6a1b9a", "#37474f", "#0277bd", "#00695c", "#ef6c00", "#8d6e63",
            "#c62828", "#283593", "#558b2f", "#455a64", "#9e9e9e",
        ),
        strict=True,
    )
)  # fmt: skip
#: outlets get colours in the order of the report's sorted outlet list (same on every card)
OUTLET_PALETTE = ("#00838f", "#ad1457", "#9e9d24", "#5d4037", "#3949ab", "#f9a825", "#546e7a")
MILESTONE_COLOUR = "#8d6e63"
ALERT_COLOURS = {"up": "#2e7d32", "down": "#c62828", "event": "#1565c0"}
#: below this many mentions (issues) or progress + gap sentences a week, no share is drawn
MIN_WEEK_MENTIONS = 5
THIN = "#e0e0e0"
WIDTH = 760
#: every chart's y axis (ticks and labels) takes the same width, so the plots of a card line up
Y_EXTENT = 78
_WEEK = dt.timedelta(days=7)


@dataclass(frozen=True)
class TimeAxis:
    """The continuous time domain shared by every chart of one negotiation: from the Monday of
    the first week with data to the Monday after the last one."""

    start: dt.date
    end: dt.date
    #: (date, kind, label) of the negotiation's milestones inside the domain, drawn on every chart
    milestones: tuple[tuple[dt.date, str, str], ...] = ()

    @classmethod
    def covering(
        cls, first: dt.date, last: dt.date, milestones: tuple[tuple[dt.date, str, str], ...] = ()
    ) -> TimeAxis:
        first, last = pd.Timestamp(first).date(), pd.Timestamp(last).date()
        monday = first - dt.timedelta(days=first.weekday())
        end = last - dt.timedelta(days=last.weekday()) + _WEEK
        inside = tuple(m for m in milestones if monday <= m[0] <= end)
        return cls(monday, end, inside)

    def marked(self, chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
        """``chart`` with the milestones as grey vertical rules (hover: the day and the label)."""
        if not self.milestones:
            return chart
        frame = pd.DataFrame(
            {
                "date": [pd.Timestamp(d) for d, _, _ in self.milestones],
                "tip": [f"{_day(d)}: {label} ({kind})" for d, kind, label in self.milestones],
            }
        )
        rules = (
            alt.Chart(frame)
            .mark_rule(color=MILESTONE_COLOUR, strokeWidth=2, opacity=0.7)
            .encode(x=self.x("date", ""), description="tip:N")
        )
        return alt.layer(chart, rules)

    def mondays(self) -> list[dt.date]:
        days = [self.start + i * _WEEK for i in range((self.end - self.start).days // 7 + 1)]
        step = 1 if len(days) <= 18 else 2
        return days[::step]

    def bar_px(self) -> float:
        """Pixel width of a week's bar, a little narrower than the week."""
        return max(WIDTH * 7 / max((self.end - self.start).days, 7) - 2, 1)

    def x(self, field: str, title: str) -> alt.X:
        def when(d: dt.date) -> alt.DateTime:
            return alt.DateTime(year=d.year, month=d.month, date=d.day)

        return alt.X(
            f"{field}:T",
            title=title,
            # no padding: bars would widen the domain by a few pixels and misalign the card
            scale=alt.Scale(domain=[when(self.start), when(self.end)], padding=0),
            axis=alt.Axis(format="%d %b", labelAngle=-45, values=[when(d) for d in self.mondays()]),
        )


def _y_axis(**kwargs: object) -> alt.Axis:
    return alt.Axis(minExtent=Y_EXTENT, maxExtent=Y_EXTENT, **kwargs)


def _svg(chart: alt.TopLevelMixin) -> str:
    import vl_convert as vlc

    return with_tooltips(vlc.vegalite_to_svg(chart.to_dict()))


_SYMBOL = re.compile(r'<(path|rect|line)( aria-label="([^"]*)" role="graphics-symbol"[^>]*?)/>')


def with_tooltips(svg: str) -> str:
    """Give every data mark its description as an SVG ``<title>`` (a native tooltip).

    Vega writes a mark's ``description`` channel into ``aria-label``; the title element is the
    one tooltip an SVG can carry without a script, so the page stays one offline file."""
    return _SYMBOL.sub(lambda m: f"<{m[1]}{m[2]}><title>{m[3]}</title></{m[1]}>", svg)


def _base(chart: alt.TopLevelMixin, title: str, height: int = 220) -> alt.TopLevelMixin:
    return chart.properties(title=title, width=WIDTH, height=height)


def _day(value: object) -> str:
    return f"{pd.Timestamp(value):%a %d %b %Y}"


def _size_legend(counts: pd.Series, title: str) -> alt.Legend:
    """Size legend entries from the data's own counts: never a 0, never a fraction."""
    lo, hi = int(counts.min()), int(counts.max())
    values = sorted({lo, (lo + hi) // 2, hi} - {0}) or [1]
    return alt.Legend(title=title, values=values, format="d")


def _with_mid_week(frame: pd.DataFrame) -> pd.DataFrame:
    """A week's bar is centred on its Thursday noon, so it spans Monday to Sunday."""
    out = frame.copy()
    out["week"] = pd.to_datetime(out["week"])
    out["mid"] = out["week"] + pd.Timedelta(days=3, hours=12)
    return out


def _alert_lanes(alerts: pd.DataFrame, axis: TimeAxis, min_px: float = 16) -> list[int]:
    """Stagger alert numbers that would overlap: a number moves to the next free lane when the
    previous one in its lane is closer than ``min_px`` pixels."""
    span = max((axis.end - axis.start).days, 1)
    last_x: list[float] = []
    lanes = []
    for day in alerts["detected_on"]:
        x = (pd.Timestamp(day).date() - axis.start).days / span * WIDTH
        lane = next((i for i, prev in enumerate(last_x) if x - prev >= min_px), len(last_x))
        if lane == len(last_x):
            last_x.append(x)
        last_x[lane] = x
        lanes.append(lane)
    return lanes


def numbered_alerts(alerts: pd.DataFrame) -> pd.DataFrame:
    """The alerts in date order, numbered 1.. as the tone chart marks them and the list names them."""
    out = alerts.sort_values("detected_on", kind="stable").reset_index(drop=True)
    out["n"] = [str(i + 1) for i in range(len(out))]
    return out


def tone_chart(daily: pd.DataFrame, alerts: pd.DataFrame, axis: TimeAxis) -> str:
    """Daily mean tone (points sized by volume), its rolling mean, and the alerts as numbered
    rules (their labels are listed under the chart, where they cannot overlap)."""
    x = axis.x("day", "Published (day)")
    daily = daily.assign(
        tip=[
            f"{_day(r.day)}: mean tone {r.mean_tone_score:+.2f} over {int(r.sentences)} sentences"
            for r in daily.itertuples()
        ]
    )
    points = (
        alt.Chart(daily)
        .mark_circle(opacity=0.55, color="#546e7a")
        .encode(
            x=x,
            y=alt.Y(
                "mean_tone_score:Q",
                title="Tone (−1 negative … +1 hopeful)",
                axis=_y_axis(),
                scale=alt.Scale(domain=[-1, 1]),
            ),
            size=alt.Size(
                "sentences:Q",
                scale=alt.Scale(range=[15, 250]),
                legend=_size_legend(daily["sentences"], "Sentences"),
            ),
            description="tip:N",
        )
    )
    line = (
        alt.Chart(daily)
        .mark_line(color="#263238", strokeWidth=2.5, aria=False)
        .encode(
            x=x,
            y="rolling_mean_7d:Q",
            strokeDash=alt.StrokeDash("series:N", title=None, legend=alt.Legend(orient="bottom")),
        )
        .transform_calculate(series="'7-day rolling mean'")
    )
    zero = (
        alt.Chart(pd.DataFrame({"y": [0]})).mark_rule(color="#bdbdbd", aria=False).encode(y="y:Q")
    )
    layers = [zero, points, line]
    if not alerts.empty:
        marked = numbered_alerts(alerts)
        marked["lane"] = _alert_lanes(marked, axis)
        marked["ypx"] = 8 + 12 * marked["lane"]
        marked["tip"] = [f"{r.n}. {_day(r.detected_on)}: {r.label}" for r in marked.itertuples()]
        scale = alt.Scale(domain=list(ALERT_COLOURS), range=list(ALERT_COLOURS.values()))
        colour = alt.Color(
            "direction:N", title="Alert", scale=scale, legend=alt.Legend(orient="bottom")
        )
        rules = (
            alt.Chart(marked)
            .mark_rule(strokeWidth=1.5, strokeDash=[4, 3])
            .encode(x=axis.x("detected_on", "Published (day)"), color=colour, description="tip:N")
        )
        numbers = (
            alt.Chart(marked)
            .mark_text(fontSize=10, fontWeight="bold", dx=6, align="left", baseline="middle")
            .encode(
                x=axis.x("detected_on", "Published (day)"),
                y=alt.Y("ypx:Q", scale=None),
                text="n:N",
                color=alt.Color("direction:N", scale=scale, legend=None),
            )
        )
        layers += [rules, numbers]
    chart = alt.layer(*layers).resolve_scale(color="independent")
    return _svg(_base(axis.marked(chart), "Tone over time", 260))


def progress_gap_chart(weekly: pd.DataFrame, axis: TimeAxis) -> str:
    """Weekly progress-vs-gap index: above zero the table moves together, below it apart. Weeks
    with fewer than MIN_WEEK_MENTIONS progress + gap sentences are grey (one sentence is not a
    +1.0 week)."""
    weekly = _with_mid_week(weekly)
    weekly["counted"] = weekly["progress"] + weekly["gap"]
    weekly["tone"] = [
        "thin" if n < MIN_WEEK_MENTIONS else ("together" if pg >= 0 else "apart")
        for n, pg in zip(weekly["counted"], weekly["pg_index"], strict=True)
    ]
    weekly["tip"] = [
        f"week of {r.week:%d %b %Y}: {int(r.progress)} progress, {int(r.gap)} gap"
        f" (index {r.pg_index:+.2f})" + (" - too few to read" if r.tone == "thin" else "")
        for r in weekly.itertuples()
    ]
    chart = (
        alt.Chart(weekly)
        .mark_bar(size=axis.bar_px())
        .encode(
            x=axis.x("mid", "Week starting (Monday)"),
            y=alt.Y(
                "pg_index:Q",
                title="(progress − gap) / (progress + gap)",
                axis=_y_axis(),
                scale=alt.Scale(domain=[-1, 1]),
            ),
            color=alt.Color(
                "tone:N",
                title=None,
                scale=alt.Scale(
                    domain=["together", "apart", "thin"],
                    range=[SIGNAL_COLOURS["progress"], SIGNAL_COLOURS["gap"], THIN],
                ),
                legend=alt.Legend(
                    orient="bottom",
                    labelExpr=(
                        "datum.label == 'thin' ? "
                        f"'fewer than {MIN_WEEK_MENTIONS} sentences' : datum.label"
                    ),
                ),
            ),
            description="tip:N",
        )
    )
    return _svg(_base(axis.marked(chart), "Progress vs gap, by week", 200))


def issue_share_chart(shares: pd.DataFrame, axis: TimeAxis) -> str:
    """Share of voice of each issue per week (stacked to 100 %); a week with fewer than
    MIN_WEEK_MENTIONS mentions is a grey bar labelled with its count instead of a full split."""
    shares = _with_mid_week(shares)
    totals = shares.groupby("week")["mentions"].transform("sum")
    shares["tip"] = [
        f"week of {r.week:%d %b %Y}: {r.issue} {int(r.mentions)} of {int(t)} mentions"
        for r, t in zip(shares.itertuples(), totals, strict=True)
    ]
    full = shares[totals >= MIN_WEEK_MENTIONS]
    thin = (
        shares[totals < MIN_WEEK_MENTIONS]
        .groupby(["week", "mid"], as_index=False)["mentions"]
        .sum()
    )
    thin["full"] = 1.0
    thin["label"] = "n=" + thin["mentions"].astype(int).astype(str)
    thin["tip"] = [
        f"week of {w:%d %b %Y}: only {int(n)} mentions, too few for shares"
        for w, n in zip(thin["week"], thin["mentions"], strict=True)
    ]
    x = axis.x("mid", "Week starting (Monday)")
    y_title = "Share of issue mentions"
    bars = (
        alt.Chart(full)
        .mark_bar(size=axis.bar_px())
        .encode(
            x=x,
            y=alt.Y("mentions:Q", stack="normalize", title=y_title, axis=_y_axis(format="%")),
            color=alt.Color(
                "issue:N",
                title="Issue",
                scale=alt.Scale(domain=list(ISSUES), range=list(ISSUE_COLOURS.values())),
                legend=alt.Legend(orient="right"),
            ),
            order=alt.Order("issue_rank:Q"),
            description="tip:N",
        )
        .transform_calculate(issue_rank=f"indexof({list(ISSUES)!r}, datum.issue)".replace("'", '"'))
    )
    grey = (
        alt.Chart(thin)
        .mark_bar(color=THIN, size=axis.bar_px())
        .encode(x=x, y=alt.Y("full:Q", title=y_title), description="tip:N")
    )
    counts = (
        alt.Chart(thin)
        .mark_text(angle=270, fontSize=10, color="#616161", aria=False)
        .encode(x=x, y=alt.value(110), text="label:N")
    )
    layers = [layer for layer, data in ((bars, full), (grey, thin), (counts, thin)) if len(data)]
    return _svg(_base(axis.marked(alt.layer(*layers)), "Issue share of voice, by week", 220))


def signal_timeline_chart(events: pd.DataFrame, axis: TimeAxis) -> str:
    """Each day with breakdowns, agreements, strikes or scheduling as a mark on its own lane."""
    domain = ["agreement", "progress", "scheduling", "gap", "breakdown", "strike_action"]
    events = events.assign(
        tip=[
            f"{_day(r.day)}: {r.signal}, {int(r.sentences)} sentences" for r in events.itertuples()
        ]
    )
    chart = (
        alt.Chart(events)
        .mark_point(filled=True, opacity=0.85)
        .encode(
            x=axis.x("day", "Published (day)"),
            y=alt.Y(
                "signal:N",
                title="Signal",
                sort=domain,
                scale=alt.Scale(domain=domain),
                axis=_y_axis(),
            ),
            size=alt.Size(
                "sentences:Q",
                scale=alt.Scale(range=[30, 300]),
                legend=_size_legend(events["sentences"], "Sentences"),
            ),
            color=alt.Color(
                "signal:N",
                title="Signal",
                scale=alt.Scale(domain=domain, range=[SIGNAL_COLOURS[s] for s in domain]),
                legend=None,
            ),
            description="tip:N",
        )
    )
    return _svg(_base(axis.marked(chart), "Signal timeline", 200))


def coverage_chart(coverage: pd.DataFrame, axis: TimeAxis, outlets: list[str]) -> str:
    """Sentences per outlet and week: who is covering the talks, and how much."""
    coverage = _with_mid_week(coverage)
    coverage["tip"] = [
        f"week of {r.week:%d %b %Y}: {r.source} {int(r.sentences)} sentences"
        for r in coverage.itertuples()
    ]
    palette = [OUTLET_PALETTE[i % len(OUTLET_PALETTE)] for i in range(len(outlets))]
    chart = (
        alt.Chart(coverage)
        .mark_bar(size=axis.bar_px())
        .encode(
            x=axis.x("mid", "Week starting (Monday)"),
            y=alt.Y("sentences:Q", title="Sentences", stack="zero", axis=_y_axis()),
            color=alt.Color(
                "source:N",
                title="Outlet",
                scale=alt.Scale(domain=outlets, range=palette),
                legend=alt.Legend(orient="right"),
            ),
            description="tip:N",
        )
    )
    return _svg(_base(axis.marked(chart), "Coverage by outlet, by week", 200))


def party_tone_chart(weekly: pd.DataFrame, axis: TimeAxis) -> str:
    """One line per side: the weekly mean tone of what that side says (v_party_tone_weekly), each
    side in its fixed colour."""
    weekly = _with_mid_week(weekly)
    weekly["tip"] = [
        f"{r.party}, week of {r.week:%d %b %Y}: mean tone {r.mean_tone_score:+.2f}"
        f" over {int(r.sentences)} sentences"
        for r in weekly.itertuples()
    ]
    present = [p for p in PARTY_COLOURS if p in set(weekly["party"])]
    scale = alt.Scale(domain=present, range=[PARTY_COLOURS[p] for p in present])
    lines = (
        alt.Chart(weekly)
        .mark_line(point=True)
        .encode(
            x=axis.x("mid", "Week starting (Monday)"),
            y=alt.Y(
                "mean_tone_score:Q",
                title="Mean tone of the side's sentences",
                axis=_y_axis(),
                scale=alt.Scale(domain=[-1, 1]),
            ),
            color=alt.Color("party:N", title="Side (speaker)", scale=scale),
            description="tip:N",
        )
    )
    zero = (
        alt.Chart(pd.DataFrame({"y": [0]})).mark_rule(color="#bdbdbd", aria=False).encode(y="y:Q")
    )
    return _svg(_base(axis.marked(alt.layer(zero, lines)), "Tone by side, by week", 220))


def label_css() -> str:
    """The evidence table's signal badges and the alert list, in the charts' colours."""
    badges = [f".sig-{html.escape(s)} {{ background: {c}; }}" for s, c in SIGNAL_COLOURS.items()]
    alerts = [f".alert-{d} {{ color: {c}; }}" for d, c in ALERT_COLOURS.items()]
    return " ".join(badges + alerts)


#: how the board colours each status (the same words as issue_status_as_of)
STATUS_COLOURS = {
    "agreed": "#1b5e20",
    "narrowing": "#2e7d32",
    "apart": "#ef6c00",
    "quiet": "#9e9e9e",
    "unmentioned": "#cfd8dc",
}


def issue_trend_svg(
    weekly: pd.DataFrame, axis: TimeAxis, width: int = 220, height: int = 26
) -> str:
    """A board row's small weekly trend: per week of the card's axis, progress sentences about the
    issue as a bar up, gap sentences as a bar down (hover: the week and the counts)."""
    weeks = (axis.end - axis.start).days // 7
    if weeks <= 0:
        return ""
    counts = {
        pd.Timestamp(r.week).date(): (int(r.progress), int(r.gap)) for r in weekly.itertuples()
    }
    top = max([max(p, g) for p, g in counts.values()] or [1]) or 1
    step, mid = width / weeks, height / 2
    bars = [f'<line x1="0" y1="{mid}" x2="{width}" y2="{mid}" stroke="#cfd8dc"/>']
    for i in range(weeks):
        week = axis.start + i * _WEEK
        p, g = counts.get(week, (0, 0))
        if not p and not g:
            continue
        x = i * step + 0.5
        tip = html.escape(f"week of {week:%d %b %Y}: {p} progress, {g} gap")
        up, down = mid * p / top, mid * g / top
        bars.append(
            f"<g><title>{tip}</title>"
            f'<rect x="{x:.1f}" y="{mid - up:.1f}" width="{max(step - 1, 1):.1f}" height="{up:.1f}" fill="{SIGNAL_COLOURS["progress"]}"/>'
            f'<rect x="{x:.1f}" y="{mid:.1f}" width="{max(step - 1, 1):.1f}" height="{down:.1f}" fill="{SIGNAL_COLOURS["gap"]}"/></g>'
        )
    return (
        f'<svg class="trend" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="weekly progress and gap">{"".join(bars)}</svg>'
    )
