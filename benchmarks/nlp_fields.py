"""Rule fields (negotiation, parties, resolved dates, issues) per grouped fold of the dev corpus.

Why a separate benchmark: ``benchmarks.nlp_quality --cv`` fits the learned signal model five
times before it scores these fields once; the rule fields need no fitting, so this runs the real
pipeline once (every article annotated whole, each gold sentence matched to the output sentence
that covers it, ``nlp_quality.label_sentences``) and reports the four figures fold by fold.

Honest use: folds ``DEV_FOLDS`` are for reading errors and improving the rules; fold
``FINAL_FOLD`` is held out and printed only with ``--final`` (once, when the rules are done).

    uv run python -m benchmarks.nlp_fields            # folds 0-3 and their mean
    uv run python -m benchmarks.nlp_fields --errors   # ... plus every miss on folds 0-3
    uv run python -m benchmarks.nlp_fields --final    # ... plus fold 4 and the all-folds mean
"""

from __future__ import annotations

import statistics
import sys
from typing import Any

from benchmarks.folds import K, fold_of
from benchmarks.nlp_quality import Scored, _same_text, field_scores, label_sentences
from nlp.corpus import read_articles, read_sentences

FINAL_FOLD = K - 1
DEV_FOLDS = tuple(range(FINAL_FOLD))
#: (field_scores key, label in the table, target on held-out data)
FIELDS = (
    ("negotiation_accuracy", "negotiation accuracy", 0.97),
    ("parties_f1", "parties micro-F1", 0.92),
    ("dates_resolved_accuracy", "resolved-date accuracy", 0.95),
    ("issues_f1", "issues micro-F1", 0.95),
)


def score_folds(folds: tuple[int, ...], nlp: Any = None) -> dict[int, list[Scored]]:
    """Scored dev sentences of each requested fold, labelled by the production pipeline (``nlp``
    overrides it, e.g. a pipeline with another watchlist)."""
    gold = read_sentences()
    of = fold_of([g["doc"] for g in gold])
    wanted = [g for g in gold if of[g["doc"]] in folds]
    items = label_sentences(wanted, read_articles(), nlp=nlp)
    out: dict[int, list[Scored]] = {k: [] for k in folds}
    for s in items:
        out[of[s.gold["doc"]]].append(s)
    return out


def table(by_fold: dict[int, list[Scored]]) -> str:
    """Markdown: one row per field, one column per fold, then the mean over the folds shown."""
    folds = sorted(by_fold)
    scores = {k: field_scores(v) for k, v in by_fold.items()}
    head = " | ".join(f"fold {k} ({len(by_fold[k])})" for k in folds)
    lines = [
        f"| field | {head} | mean ± sd | target |",
        "|---|" + "---:|" * (len(folds) + 2),
    ]
    for key, name, target in FIELDS:
        values = [scores[k][key] for k in folds]
        sd = statistics.pstdev(values) if len(values) > 1 else 0.0
        cells = " | ".join(f"{v:.3f}" for v in values)
        lines.append(
            f"| {name} | {cells} | {statistics.mean(values):.3f} ± {sd:.3f} | >= {target} |"
        )
    return "\n".join(lines) + "\n"


def errors(items: list[Scored]) -> str:
    """Misses of the four fields, one block per sentence (for the development folds only)."""
    out = []
    for s in items:
        g, p = s.gold, s.pred
        wrong = []
        if g["negotiation"] != p.get("negotiation"):
            wrong.append(f"negotiation: gold={g['negotiation']} got={p.get('negotiation')}")
        for key in ("parties", "issues"):
            if sorted(g[key]) != sorted(p[key]):
                wrong.append(f"{key}: gold={sorted(g[key])} got={sorted(p[key])}")
        pd = [(d["text"], d["value"]) for d in p["dates"]]
        for d in g["dates"]:
            if d["value"] is None:
                continue
            if not any(_same_text(t, d["text"]) and v == d["value"] for t, v in pd):
                wrong.append(f"date: gold={(d['text'], d['value'])} got={pd}")
        if wrong:
            head = f"{g['id']} {g['doc']} ({g.get('published')}) {g['sentence'][:140]!r}"
            out.append(head + "\n    " + "\n    ".join(wrong))
    return "\n".join(out)


def main(argv: list[str]) -> int:
    final = "--final" in argv
    folds = (*DEV_FOLDS, FINAL_FOLD) if final else DEV_FOLDS
    by_fold = score_folds(folds)
    print(f"### Rule fields by grouped fold ({'all folds' if final else 'development folds'})\n")
    print(table({k: by_fold[k] for k in DEV_FOLDS}))
    if final:
        print(f"Held-out fold {FINAL_FOLD} and all {K} folds:\n")
        print(table(by_fold))
    if "--errors" in argv:
        for k in DEV_FOLDS:
            print(f"\n## fold {k} misses\n" + (errors(by_fold[k]) or "(none)"), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
