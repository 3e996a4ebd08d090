"""Publication-date accuracy of ``extract_page`` against htmldate's extensive mode, on our own pages.

The pages in ``benchmarks/fixtures/pubdates/`` were written for Tablewatch in the shapes real sites
use (WordPress, news CMSs with JSON-LD graphs, Blogger, Medium-like, forums, wrong or missing meta,
conflicting update dates, fifteen languages, dates only in the URL, relative dates, no date at all).
They come in two halves written separately and committed before the finder was tuned: the finder's
weights and patterns were tuned on ``dev`` only; ``heldout`` was never looked at while tuning and is
the figure to quote. A page counts as right when the exact day matches, or when both the label and
the answer are null (an undated page must stay undated).

The anchor is ``htmldate.find_date(html, url=url, extensive_search=True, original_date=True)``,
given the same page bytes and URL in the same run.

``python -m benchmarks.pubdate_accuracy [--quick] [--write] [--errors]``: ``--quick`` the held-out
half only, ``--write`` replaces the ``## Publication dates`` section of ``benchmarks/RESULTS.md``,
``--errors`` prints the dev half's wrong answers to stderr (tuning; never the held-out half).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.results_file import replace_section

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures" / "pubdates"
HALVES = ("dev", "heldout")
RESULTS = HERE / "RESULTS.md"
SECTION = "## Publication dates"


def load_half(half: str) -> list[dict[str, Any]]:
    """The labelled pages of one half, each with its ``html`` bytes."""
    folder = FIXTURES / half
    labels = json.loads((folder / "labels.json").read_text(encoding="utf-8"))
    return [dict(label, html=(folder / label["file"]).read_bytes()) for label in labels]


def tablewatch_date(page: dict[str, Any]) -> str | None:
    from crawlers.extraction import extract_page

    return extract_page(page["html"], url=page["url"], fetched=page.get("fetched"))["published"]


def htmldate_date(page: dict[str, Any]) -> str | None:
    from htmldate import find_date

    try:
        return find_date(
            page["html"].decode("utf-8"),
            url=page["url"],
            extensive_search=True,
            original_date=True,
        )
    except Exception:  # noqa: BLE001 - a crash is a wrong answer, not a failed benchmark
        return None


FINDERS: dict[str, Callable[[dict[str, Any]], str | None]] = {
    "tablewatch extract_page": tablewatch_date,
    "htmldate extensive": htmldate_date,
}


def evaluate(halves: tuple[str, ...], limit: int | None = None) -> dict[str, list[dict[str, Any]]]:
    """Per half, one row per page (the first ``limit`` only, for a smoke run): its label and
    every finder's answer."""
    out: dict[str, list[dict[str, Any]]] = {}
    for half in halves:
        rows = []
        for page in load_half(half)[:limit]:
            answers = {name: finder(page) for name, finder in FINDERS.items()}
            rows.append({k: v for k, v in page.items() if k != "html"} | {"answers": answers})
        out[half] = rows
    return out


def accuracy(rows: list[dict[str, Any]], name: str, dated: bool | None = None) -> tuple[int, int]:
    """(right, pages) for one finder; ``dated`` keeps only dated (True) or undated (False) pages."""
    keep = [r for r in rows if dated is None or (r["published"] is not None) == dated]
    return sum(r["answers"][name] == r["published"] for r in keep), len(keep)


def _cell(right: int, n: int) -> str:
    return f"{right / n:.3f} ({right}/{n})" if n else "-"


def markdown(by_half: dict[str, list[dict[str, Any]]]) -> str:
    ours, anchor = FINDERS
    lines = [
        SECTION,
        "",
        "### Publication dates on our own pages (exact day; null right only when the page has none)",
        "",
        "`python -m benchmarks.pubdate_accuracy`: `extract_page(html, url, fetched=...)` against "
        "`htmldate.find_date(extensive_search=True, original_date=True)` on the same pages in the "
        "same run. The pages (`benchmarks/fixtures/pubdates/`) were written for Tablewatch in two "
        "halves and committed before tuning; the finder was tuned on `dev` only, `heldout` was "
        "never looked at while tuning (the figure to quote): it was scored only once the finder "
        "was frozen, and `--errors` never prints its pages.",
        "",
        "| half | pages | extract_page | htmldate extensive | gain | dated pages: ours / htmldate "
        "| undated kept null: ours / htmldate |",
        "| --- | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for half, rows in by_half.items():
        r_ours, n = accuracy(rows, ours)
        r_anchor, _ = accuracy(rows, anchor)
        d_ours, dn = accuracy(rows, ours, dated=True)
        d_anchor, _ = accuracy(rows, anchor, dated=True)
        u_ours, un = accuracy(rows, ours, dated=False)
        u_anchor, _ = accuracy(rows, anchor, dated=False)
        gain = (r_ours - r_anchor) / n if n else 0.0
        lines.append(
            f"| {half} | {n} | {_cell(r_ours, n)} | {_cell(r_anchor, n)} | {gain:+.3f} "
            f"| {_cell(d_ours, dn)} / {_cell(d_anchor, dn)} "
            f"| {_cell(u_ours, un)} / {_cell(u_anchor, un)} |"
        )
    shapes: Counter[str] = Counter()
    wrong: dict[str, Counter[str]] = {ours: Counter(), anchor: Counter()}
    for rows in by_half.values():
        for r in rows:
            shapes[r["shape"]] += 1
            for name in (ours, anchor):
                if r["answers"][name] != r["published"]:
                    wrong[name][r["shape"]] += 1
    lines += [
        "",
        "Wrong answers by page shape, both halves (ours / htmldate): "
        + ", ".join(
            f"{s} {wrong[ours][s]}/{wrong[anchor][s]} of {shapes[s]}"
            for s in sorted(shapes)
            if wrong[ours][s] or wrong[anchor][s]
        )
        + ".",
    ]
    return "\n".join(lines) + "\n"


def errors(rows: list[dict[str, Any]]) -> str:
    ours = next(iter(FINDERS))
    return "\n".join(
        f"{r['file']} [{r['shape']}] gold={r['published']} ours={r['answers'][ours]} "
        f"htmldate={r['answers']['htmldate extensive']}"
        for r in rows
        if r["answers"][ours] != r["published"]
    )


def write_section(text: str, path: Path = RESULTS) -> None:
    """Replace (or append) the ``## Publication dates`` section, leaving the rest as it was."""
    replace_section(path, SECTION, text)


def run(quick: bool = False) -> str:
    return markdown(evaluate(("heldout",) if quick else HALVES))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the held-out half only")
    parser.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    parser.add_argument("--dev", action="store_true", help="the dev half only (tuning)")
    parser.add_argument("--errors", action="store_true", help="print the dev half's errors")
    args = parser.parse_args(argv)
    halves = ("dev",) if args.dev else ("heldout",) if args.quick else HALVES
    by_half = evaluate(halves)
    text = markdown(by_half)
    print(text)
    if args.errors and "dev" in by_half:
        print(errors(by_half["dev"]), file=sys.stderr)
    if args.write:
        write_section(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
