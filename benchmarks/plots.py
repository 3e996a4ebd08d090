"""Cost against size, drawn: ``benchmarks/plots/*.svg``, linked from the results files.

A table of three sizes hides whether a cost is flat, linear or worse; a log-log line per measured
quantity shows it at a glance (a flat line is a cost independent of history, a slope of one is
linear growth). Same renderer as the report (Vega-Lite through Altair, to static SVG), so the plots
open offline and in the repository's web view.
"""

from __future__ import annotations

from pathlib import Path

PLOTS_DIR = Path(__file__).resolve().parent / "plots"


def cost_vs_size_svg(
    rows: list[dict[str, object]],
    *,
    title: str,
    size_label: str,
    cost_label: str,
    path: Path,
) -> Path:
    """Write a log-log line chart of ``rows`` ({size, cost, series}) to ``path``; returns it."""
    import altair as alt
    import vl_convert as vlc

    chart = (
        alt.Chart(alt.Data(values=rows), title=title, width=520, height=300)
        .mark_line(point=True)
        .encode(
            x=alt.X("size:Q", title=size_label, scale=alt.Scale(type="log")),
            y=alt.Y("cost:Q", title=cost_label, scale=alt.Scale(type="log")),
            color=alt.Color("series:N", title=None, legend=alt.Legend(orient="right")),
        )
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(vlc.vegalite_to_svg(chart.to_dict()), encoding="utf-8")
    return path
