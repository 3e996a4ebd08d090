"""Vega-Lite chart specs (via Altair) for the report, rendered to inline SVG.

Static SVG keeps the report self-contained (no scripts, no network), readable in a mail client and
printable; vl-convert renders it with Vega's own engine, so the charts look as Vega-Lite intends.
One function per chart, each taking a pandas frame from an analyst view.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

SIGNAL_COLOURS = {
    "progress": "#2e7d32",
    "agreement": "#1b5e20",
    "scheduling": "#1565c0",
    "gap": "#ef6c00",
    "breakdown": "#c62828",
    "strike_action": "#6a1b9a",
    "none": "#9e9e9e",
}
ISSUE_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"]
WIDTH = 760
# Weekly bars sit on a band scale (one band per week) so they stay wide whatever the period.
WEEK = alt.X(
    "yearmonthdate(week):O",
    title="Week starting (Monday)",
    axis=alt.Axis(format="%d %b", labelAngle=-45),
)


def _svg(chart: alt.TopLevelMixin) -> str:
    import vl_convert as vlc

    return vlc.vegalite_to_svg(chart.to_dict())


def _base(chart: alt.Chart, title: str, height: int = 220) -> alt.Chart:
    return chart.properties(title=title, width=WIDTH, height=height)


def tone_chart(daily: pd.DataFrame, alerts: pd.DataFrame) -> str:
    """Daily mean tone (points sized by volume), its rolling mean, and the alerts as markers."""
    x = alt.X("day:T", title="Published (day)", axis=alt.Axis(format="%d %b"))
    points = (
        alt.Chart(daily)
        .mark_circle(opacity=0.55, color="#546e7a")
        .encode(
            x=x,
            y=alt.Y(
                "mean_tone_score:Q",
                title="Tone (−1 negative … +1 hopeful)",
                scale=alt.Scale(domain=[-1, 1]),
            ),
            size=alt.Size("sentences:Q", title="Sentences", scale=alt.Scale(range=[15, 250])),
        )
    )
    line = (
        alt.Chart(daily)
        .mark_line(color="#263238", strokeWidth=2.5)
        .encode(
            x=x,
            y="rolling_mean_7d:Q",
            strokeDash=alt.StrokeDash("series:N", title=None, legend=alt.Legend(orient="bottom")),
        )
        .transform_calculate(series="'7-day rolling mean'")
    )
    zero = alt.Chart(pd.DataFrame({"y": [0]})).mark_rule(color="#bdbdbd").encode(y="y:Q")
    layers = [zero, points, line]
    if not alerts.empty:
        rules = (
            alt.Chart(alerts)
            .mark_rule(strokeWidth=1.5, strokeDash=[4, 3])
            .encode(
                x="detected_on:T",
                color=alt.Color(
                    "direction:N",
                    title="Alert",
                    scale=alt.Scale(
                        domain=["up", "down", "event"], range=["#2e7d32", "#c62828", "#1565c0"]
                    ),
                    legend=alt.Legend(orient="bottom"),
                ),
            )
        )
        labels = (
            alt.Chart(alerts)
            .mark_text(angle=270, align="left", dx=4, dy=-4, fontSize=10, color="#37474f")
            .encode(x="detected_on:T", y=alt.value(4), text="label:N")
        )
        layers += [rules, labels]
    return _svg(_base(alt.layer(*layers), "Tone over time", 260).resolve_scale(color="independent"))


def progress_gap_chart(weekly: pd.DataFrame) -> str:
    """Weekly progress-vs-gap index: above zero the table moves together, below it apart."""
    chart = (
        alt.Chart(weekly)
        .mark_bar()
        .encode(
            x=WEEK,
            y=alt.Y(
                "pg_index:Q",
                title="(progress − gap) / (progress + gap)",
                scale=alt.Scale(domain=[-1, 1]),
            ),
            color=alt.condition(
                "datum.pg_index >= 0",
                alt.value(SIGNAL_COLOURS["progress"]),
                alt.value(SIGNAL_COLOURS["gap"]),
            ),
        )
    )
    return _svg(_base(chart, "Progress vs gap, by week", 200))


def issue_share_chart(shares: pd.DataFrame) -> str:
    """Share of voice of each issue per week (stacked to 100 %)."""
    chart = (
        alt.Chart(shares)
        .mark_bar()
        .encode(
            x=WEEK,
            y=alt.Y(
                "mentions:Q",
                stack="normalize",
                title="Share of issue mentions",
                axis=alt.Axis(format="%"),
            ),
            color=alt.Color(
                "issue:N",
                title="Issue",
                scale=alt.Scale(range=ISSUE_COLOURS),
                legend=alt.Legend(orient="right"),
            ),
        )
    )
    return _svg(_base(chart, "Issue share of voice, by week", 220))


def signal_timeline_chart(events: pd.DataFrame) -> str:
    """Each day with breakdowns, agreements, strikes or scheduling as a mark on its own lane."""
    domain = ["agreement", "progress", "scheduling", "gap", "breakdown", "strike_action"]
    chart = (
        alt.Chart(events)
        .mark_point(filled=True, opacity=0.85)
        .encode(
            x=alt.X("day:T", title="Published (day)", axis=alt.Axis(format="%d %b")),
            y=alt.Y("signal:N", title=None, sort=domain),
            size=alt.Size("sentences:Q", title="Sentences", scale=alt.Scale(range=[30, 300])),
            color=alt.Color(
                "signal:N",
                title="Signal",
                scale=alt.Scale(domain=domain, range=[SIGNAL_COLOURS[s] for s in domain]),
                legend=None,
            ),
        )
    )
    return _svg(_base(chart, "Signal timeline", 200))


def coverage_chart(coverage: pd.DataFrame) -> str:
    """Sentences per outlet and week: who is covering the talks, and how much."""
    chart = (
        alt.Chart(coverage)
        .mark_bar()
        .encode(
            x=WEEK,
            y=alt.Y("sentences:Q", title="Sentences"),
            color=alt.Color("source:N", title="Outlet", legend=alt.Legend(orient="right")),
        )
    )
    return _svg(_base(chart, "Coverage by outlet, by week", 200))


def party_tone_chart(weekly: pd.DataFrame) -> str:
    """One line per side: the weekly mean tone of what that side says (v_party_tone_weekly)."""
    x = alt.X("week:T", title="Week starting (Monday)", axis=alt.Axis(format="%d %b"))
    y = alt.Y(
        "mean_tone_score:Q",
        title="Mean tone of the side's sentences",
        scale=alt.Scale(domain=[-1, 1]),
    )
    colour = alt.Color("party:N", title="Side (speaker)", legend=alt.Legend(orient="right"))
    lines = (
        alt.Chart(weekly)
        .mark_line(point=True)
        .encode(
            x=x,
            y=y,
            color=colour,
            tooltip=["party:N", "week:T", "sentences:Q", "mean_tone_score:Q"],
        )
    )
    zero = alt.Chart(pd.DataFrame({"y": [0]})).mark_rule(color="#bdbdbd").encode(y="y:Q")
    return _svg(_base(alt.layer(zero, lines), "Tone by side, by week", 220))
