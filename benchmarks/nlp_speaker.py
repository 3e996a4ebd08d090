"""Speaker quality on the shared dev corpus by grouped cross-validation (``benchmarks.folds``).

The speaker is decided by rules (``tablewatch_speaker``) and then by a learned layer over their
cues (``tablewatch_speaker_model``: a logistic regression ranking the candidates of each
sentence). Everything fitted is fitted inside each fold: for each of the 5 folds, the model's
regularisation is chosen by an inner grouped CV on the other 4 folds' articles, the model is
trained on them, and the held-out fold is scored. The same sentences are scored for the rules
alone, so "rules" and "learned" are compared on identical ground.

What is *not* refitted per fold is the rules' lexicons and the model's feature set: the rules were
written while reading the errors of folds 0-3, and the features were chosen reading the learned
layer's errors on folds 0-3 only. Fold 4's sentences and errors were never printed (``--errors 4``
is refused), so fold 4 is quoted apart: it is held out from everything.

Each dev article goes through the rules-only pipeline once (``nlp.train.collect``, the records
training reads), each dev sentence is matched to the sentence record overlapping it most.
Texts are read at run time from the sibling ``shared`` folder and never copied here.

``python -m benchmarks.nlp_speaker [--quick] [--write] [--errors FOLDS]``: ``--quick`` scores fold 4
only, ``--dev`` folds 0-3 only (what feature work reads), ``--write`` replaces the ``## Speaker`` section of ``benchmarks/RESULTS.md``, ``--errors 0,1``
prints the learned layer's failing sentences of those folds to stderr (never fold 4).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.folds import K, fold_of
from benchmarks.nlp_quality import Scored, read_articles, read_sentences
from benchmarks.results_file import replace_section
from kernel.labels import PARTIES

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
SECTION = "## Speaker"
NEVER_SEEN = (4,)
NULL = "null"
TARGET = 0.85
#: how often fold 4 was scored while the rules and the learned layer's features changed
FOLD4_LOOKS = (
    "Fold 4 was scored twice while the rules were written (0.782 both times) and once for the "
    "learned layer, after its feature set was settled on folds 0-3 (this table); its failing "
    "sentences were never printed (`--errors 4` is refused)."
)
#: two-annotator agreement on speaker from the dev corpus README (small sample)
AGREEMENT = "19 of 19"


@dataclass
class FoldRun:
    """One held-out fold: its sentences scored by the rules and by the layer fitted without it."""

    rules: list[Scored]
    learned: list[Scored]
    c: float


def _label(value: Any) -> str:
    return NULL if value is None else str(value)


def score(items: list[Scored]) -> dict[str, Any]:
    """Accuracy (null counted as a label), per-party P/R/F1 and the confusion counts."""
    gold = [_label(s.gold.get("speaker")) for s in items]
    pred = [_label(s.pred.get("speaker")) for s in items]
    hits = sum(g == p for g, p in zip(gold, pred, strict=True))
    per: dict[str, tuple[int, int, int, float, float, float]] = {}
    for label in [*PARTIES, NULL]:
        tp = sum(g == label == p for g, p in zip(gold, pred, strict=True))
        fp = sum(p == label != g for g, p in zip(gold, pred, strict=True))
        fn = sum(g == label != p for g, p in zip(gold, pred, strict=True))
        if tp + fp + fn == 0:
            continue
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * tp / (2 * tp + fp + fn)
        per[label] = (tp + fn, tp, fp, prec, rec, f1)
    parties = [v[5] for k, v in per.items() if k != NULL]
    return {
        "n": len(items),
        "accuracy": hits / len(items) if items else 0.0,
        "per": per,
        "macro_f1_parties": sum(parties) / len(parties) if parties else 0.0,
        "confusion": Counter(zip(gold, pred, strict=True)),
        "null_share": gold.count(NULL) / len(gold) if gold else 0.0,
    }


def evaluate(quick: bool = False, dev: bool = False) -> dict[int, FoldRun]:
    """Every fold held out in turn (quick: fold 4 only; dev: folds 0-3 only, what feature work
    reads), the learned layer fitted on the rest."""
    from nlp.pipeline import build_pipeline
    from nlp.train import collect, fit_speaker, predict_speaker, speaker_c

    gold = read_sentences()
    folds = fold_of([g["doc"] for g in gold])
    examples = collect(build_pipeline(learned=False), gold, read_articles())
    out: dict[int, FoldRun] = {}
    wanted = NEVER_SEEN if quick else [f for f in range(K) if not (dev and f in NEVER_SEEN)]
    for fold in wanted:
        train = [e for e in examples if folds[e.gold["doc"]] != fold]
        test = [e for e in examples if folds[e.gold["doc"]] == fold]
        c = speaker_c(train)
        pred = predict_speaker(fit_speaker(train, c), test)
        out[fold] = FoldRun(
            [Scored(e.gold, {"speaker": e.rule_speaker}, True) for e in test],
            [Scored(e.gold, {"speaker": p}, True) for e, p in zip(test, pred, strict=True)],
            c,
        )
    return out


def _mean_sd(values: list[float]) -> str:
    if len(values) < 2:
        return f"{values[0]:.3f}" if values else "-"
    return f"{statistics.mean(values):.3f} \u00b1 {statistics.stdev(values):.3f}"


def _confusion(confusion: Counter[tuple[str, str]]) -> str:
    labels = sorted({g for g, _ in confusion} | {p for _, p in confusion}, key=_order)
    head = "| gold \\ predicted | " + " | ".join(labels) + " |"
    lines = [head, "|---" + "|---:" * len(labels) + "|"]
    for g in labels:
        cells = [str(confusion.get((g, p), 0) or "") for p in labels]
        lines.append(f"| {g} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _order(label: str) -> int:
    order = [*PARTIES, NULL]
    return order.index(label) if label in order else len(order)


def markdown(runs: dict[int, FoldRun]) -> str:
    folds = sorted(runs)
    per_rules = {f: score(runs[f].rules) for f in folds}
    per_learned = {f: score(runs[f].learned) for f in folds}
    pooled_rules = score([s for f in folds for s in runs[f].rules])
    pooled_learned = score([s for f in folds for s in runs[f].learned])
    lines = [
        SECTION,
        "",
        "### Speaker on the dev corpus: grouped 5-fold cross-validation (seed 13)",
        "",
        "`python -m benchmarks.nlp_speaker`: each fold held out in turn; the learned layer "
        "(`tablewatch_speaker_model`, a logistic regression ranking each sentence's candidates "
        "over the rules' cues) is trained on the other folds' articles, its C chosen by an inner "
        "grouped CV on those articles only, and scored on the held-out fold; 'rules' is "
        "`tablewatch_speaker` alone on the same sentences. Null (the writer's narration) counts "
        "as a label. Not refitted per fold: the rules' lexicons (written reading folds 0-3) and "
        "the feature set (chosen reading the learned layer's errors on folds 0-3), so fold 4 is "
        f"the one held out from everything. {FOLD4_LOOKS} Two annotators agree on speaker "
        f"{AGREEMENT} (dev corpus README, a small sample).",
        "",
        "| fold | role | sentences | rules accuracy | learned accuracy | rules macro-F1 parties "
        "| learned macro-F1 parties | C |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for f in folds:
        role = "held out from everything" if f in NEVER_SEEN else "rules written on"
        r, m = per_rules[f], per_learned[f]
        lines.append(
            f"| {f} | {role} | {r['n']} | {r['accuracy']:.3f} | {m['accuracy']:.3f} | "
            f"{r['macro_f1_parties']:.3f} | {m['macro_f1_parties']:.3f} | {runs[f].c:g} |"
        )
    if len(folds) > 1:
        acc_r = [per_rules[f]["accuracy"] for f in folds]
        acc_m = [per_learned[f]["accuracy"] for f in folds]
        f1_r = [per_rules[f]["macro_f1_parties"] for f in folds]
        f1_m = [per_learned[f]["macro_f1_parties"] for f in folds]
        lines += [
            f"| mean \u00b1 sd | | {pooled_rules['n']} | {_mean_sd(acc_r)} | {_mean_sd(acc_m)} | "
            f"{_mean_sd(f1_r)} | {_mean_sd(f1_m)} | |",
            f"| pooled | | {pooled_rules['n']} | {pooled_rules['accuracy']:.3f} | "
            f"{pooled_learned['accuracy']:.3f} | {pooled_rules['macro_f1_parties']:.3f} | "
            f"{pooled_learned['macro_f1_parties']:.3f} | |",
        ]
        lower = sum(m < r for m, r in zip(acc_m, acc_r, strict=True))
        held = [f for f in folds if f in NEVER_SEEN]
        untuned = per_rules[held[0]]["accuracy"] if held else None
        best = max(untuned or 0.0, per_learned[held[0]]["accuracy"] if held else 0.0)
        verdict = "met" if held and best >= TARGET else "not met"
        lines += [
            "",
            f"Target accuracy {TARGET:.2f} (null counted) where not tuned: {verdict}. "
            + (
                f"The rules, which decide in the pipeline, score {untuned:.3f} on fold 4, the "
                "only fold they were not written on. "
                if held
                else ""
            )
            + f"The learned layer, fitted inside each fold, scores {_mean_sd(acc_m)} over the "
            f"held-out folds (rules {_mean_sd(acc_r)})"
            + (f" and {per_learned[held[0]]['accuracy']:.3f} on fold 4" if held else "")
            + f", below the rules on {lower} of {len(folds)} folds"
            + (
                ", so it is not switched on (`nlp/components/speaker_model.py`)."
                if 2 * lower > len(folds)
                else "."
            ),
        ]
    lines += [
        "",
        "Per party, out-of-fold (pooled over the held-out folds; mean \u00b1 sd over the folds "
        "where the party occurs in gold):",
        "",
        "| speaker | gold | rules F1 | learned F1 | learned precision | learned recall "
        "| rules F1 by fold | learned F1 by fold |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label in sorted(pooled_learned["per"] | pooled_rules["per"], key=_order):
        r = pooled_rules["per"].get(label, (0, 0, 0, 0.0, 0.0, 0.0))
        m = pooled_learned["per"].get(label, (r[0], 0, 0, 0.0, 0.0, 0.0))
        by_r = [per_rules[f]["per"][label][5] for f in folds if _occurs(per_rules[f], label)]
        by_m = [
            per_learned[f]["per"].get(label, (0, 0, 0, 0, 0, 0.0))[5]
            for f in folds
            if _occurs(per_rules[f], label)
        ]
        lines.append(
            f"| {label} | {m[0]} | {r[5]:.3f} | {m[5]:.3f} | {m[3]:.3f} | {m[4]:.3f} | "
            f"{_mean_sd(by_r)} | {_mean_sd(by_m)} |"
        )
    lines += [
        "",
        "Confusion of the learned layer, out-of-fold (rows: gold, columns: predicted):",
        "",
    ]
    lines.append(_confusion(pooled_learned["confusion"]))
    return "\n".join(lines) + "\n"


def _occurs(s: dict[str, Any], label: str) -> bool:
    return label in s["per"] and s["per"][label][0] > 0


def errors(by_fold: dict[int, list[Scored]], folds: list[int]) -> str:
    out = []
    for fold in folds:
        if fold in NEVER_SEEN:
            raise SystemExit("fold 4 is the never-seen fold: its errors are not for rule writing")
        for s in by_fold.get(fold, []):
            g, p = _label(s.gold.get("speaker")), _label(s.pred.get("speaker"))
            if g != p:
                rules = [e["rule"] for e in s.pred.get("evidence", []) if e["field"] == "speaker"]
                out.append(
                    f"[{fold}] {s.gold['id']} gold={g} pred={p} {rules}: {s.gold['sentence']}"
                )
    return "\n".join(out)


def write_section(text: str, path: Path = RESULTS) -> None:
    """Replace (or append) the ``## Speaker`` section of RESULTS.md, leaving the rest as it was."""
    replace_section(path, SECTION, text)


def run(quick: bool = False) -> str:
    return markdown(evaluate(quick))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the never-seen fold only")
    parser.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    parser.add_argument("--dev", action="store_true", help="folds 0-3 only (feature work)")
    parser.add_argument("--errors", default="", help="comma-separated folds whose errors to print")
    args = parser.parse_args(argv)
    wanted = [int(x) for x in args.errors.split(",") if x.strip()]
    if any(f in NEVER_SEEN for f in wanted):
        parser.error("fold 4 is the never-seen fold: its errors are not for rule writing")
    runs = evaluate(args.quick, args.dev)
    text = markdown(runs)
    print(text)
    if wanted:
        print(errors({f: runs[f].learned for f in runs}, wanted), file=sys.stderr)
    if args.write:
        write_section(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
