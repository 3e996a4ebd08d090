"""``make train``: fit the learned signal and tone (``tablewatch_signal_model``) on the dev corpus.

The rules-only pipeline labels every dev article (so the features carry the rule cues exactly as
they are in production), each hand-labelled sentence is matched to its sentence record, and two
multinomial logistic regressions are fitted (fixed seed, deterministic solver). The fitted pipeline
is written to ``nlp/model/`` (``config.cfg`` plus every component's files): ``spacy.load`` opens it
and ``nlp.pipeline`` takes the learned component's weights from it. The corpus is read from
``../shared/dev-corpus`` at run time; only the fitted weights are written into the repository.

``collect`` also keeps what the speaker rules said of each sentence (and the rule that decided), which
``benchmarks/nlp_speaker.py`` scores by fold. Speaker is not learned: a learned layer over the
rules' cues scored below them on every held-out fold and was removed (docs/choices.md).

The hyper-parameters below were chosen by grouped cross-validation (``benchmarks/nlp_quality.py``).
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import shutil
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from spacy.language import Language

from kernel.errors import TablewatchError
from nlp.components.signal_model import GROUPS, MODEL_NAME, LinearModel, sentence_features
from nlp.corpus import DEV_DIR, Article, locate, read_articles, read_sentences
from nlp.extensions import sentence_pairs

log = logging.getLogger(__name__)

MODEL_DIR = Path(__file__).resolve().parent / "model"
SEED = 13
#: inverse regularisation strength per model (chosen by grouped CV, see RESULTS.md)
C_SIGNAL = 0.1
C_TONE = 0.1
#: the model overrules a rule label only at this probability (0: the model always decides)
OVERRULE_MIN = 0.0
CLASS_WEIGHT: str | None = "balanced"
MODEL_SEMVER = "1.0.0"


@dataclass
class Example:
    """One hand-labelled dev sentence with the features of the record that holds it."""

    gold: dict[str, Any]
    features: dict[str, float]
    rule_signal: str
    rule_tone: int
    #: what the speaker rules said, and the rule that decided (None: no rule, the writer)
    rule_speaker: str | None = None
    speaker_rule: str | None = None


def _docs(nlp: Language, items: Iterable[tuple[str, str | None, Any]]) -> Iterable[tuple]:
    import datetime as dt

    def gen():
        for text, published, key in items:
            doc = nlp.make_doc(text)
            doc._.tw_published = dt.date.fromisoformat(published) if published else None
            yield doc, key

    return nlp.pipe(gen(), as_tuples=True, batch_size=16)


def collect(
    nlp: Language,
    gold: Sequence[dict[str, Any]] | None = None,
    articles: dict[str, Article] | None = None,
) -> list[Example]:
    """Rule output and features of every dev sentence, in corpus order.

    A sentence is matched to the record overlapping it most; one the splitter never produced as
    such (or whose article is missing) is labelled alone, as the benchmark does.
    """
    gold = list(read_sentences() if gold is None else gold)
    articles = read_articles() if articles is None else articles
    wanted = sorted({g["url"] for g in gold if g.get("url") in articles})
    Row = tuple[dict[str, Any], dict[str, float]]
    per_url: dict[str, list[Row]] = {}
    for doc, url in _docs(nlp, ((articles[u].body, articles[u].published, u) for u in wanted)):
        pairs = sentence_pairs(doc)
        per_url[url] = list(
            zip(
                [r for r, _ in pairs],
                sentence_features(doc, pairs, GROUPS),
                strict=True,
            )
        )
    found: dict[str, Row] = {}
    alone = []
    for g in gold:
        span = locate(articles.get(g.get("url", "")), g["sentence"])
        hits = [] if span is None else per_url.get(g["url"], [])

        def overlap(item: Row, span=span) -> int:
            return min(item[0]["end"], span[1]) - max(item[0]["start"], span[0])

        hits = [h for h in hits if overlap(h) > 0]
        if hits:
            found[g["id"]] = max(hits, key=overlap)
        else:
            alone.append(g)
    for doc, gid in _docs(nlp, ((g["sentence"], g.get("published"), g["id"]) for g in alone)):
        pairs = sentence_pairs(doc)
        feats = sentence_features(doc, pairs, GROUPS)
        if pairs:
            found[gid] = (pairs[0][0], feats[0])
    out = []
    empty: Row = ({"signal": "none", "tone": 0, "evidence": []}, {"bias": 1.0})
    for g in gold:
        record, feats = found.get(g["id"], empty)
        rule = next((e["rule"] for e in record["evidence"] if e["field"] == "speaker"), None)
        out.append(
            Example(g, feats, record["signal"], int(record["tone"]), record.get("speaker"), rule)
        )
    return out


def select(features: dict[str, float], groups: Sequence[str]) -> dict[str, float]:
    """The features of ``groups`` only (``text`` alone drops every rule cue, prefix ``r:``)."""
    if "rules" in groups:
        return features
    return {k: v for k, v in features.items() if not k.startswith("r:")}


def fit_one(
    rows: list[dict[str, float]], labels: list[Any], c: float, class_weight: str | None
) -> LinearModel:
    """A multinomial logistic regression over a sparse feature dict per row."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = DictVectorizer(sparse=True, sort=True)
    x = vec.fit_transform(rows)
    lr = LogisticRegression(
        C=c, class_weight=class_weight, max_iter=5000, random_state=SEED, solver="lbfgs"
    )
    lr.fit(x, labels)
    coef, intercept = lr.coef_, lr.intercept_
    if len(lr.classes_) == 2:  # binary LR keeps one row; the softmax form needs both
        coef = np.vstack([-coef / 2, coef / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
    classes = [c.item() if hasattr(c, "item") else c for c in lr.classes_]
    return LinearModel(classes, list(vec.get_feature_names_out()), coef, intercept)


def fit(
    examples: Sequence[Example],
    groups: Sequence[str] = GROUPS,
    c_signal: float = C_SIGNAL,
    c_tone: float = C_TONE,
    class_weight: str | None = CLASS_WEIGHT,
) -> tuple[LinearModel, LinearModel]:
    rows = [select(e.features, groups) for e in examples]
    signal = fit_one(rows, [e.gold["signal"] for e in examples], c_signal, class_weight)
    tone = fit_one(rows, [int(e.gold["tone"]) for e in examples], c_tone, class_weight)
    return signal, tone


def model_version(signal: LinearModel, tone: LinearModel) -> str:
    """``<semver>+<hash of the weights>``: two trainings that agree get the same version."""
    digest = hashlib.sha256()
    for model in (signal, tone):
        digest.update("\0".join(map(str, model.classes)).encode())
        digest.update("\0".join(model.features).encode())
        digest.update(model.coef.round(6).tobytes())
        digest.update(model.intercept.round(6).tobytes())
    return f"{MODEL_SEMVER}+{digest.hexdigest()[:8]}"


def train(dev_dir: Path = DEV_DIR, out_dir: Path = MODEL_DIR) -> str:
    """Fit on the whole dev corpus and write the pipeline to ``out_dir``; returns the version."""
    from nlp.pipeline import build_pipeline

    if not (dev_dir / "dev_sentences.jsonl").is_file():
        raise TablewatchError(f"dev corpus not found at {dev_dir}: training needs ../shared")
    rules_nlp = build_pipeline(learned=False)
    examples = collect(rules_nlp, read_sentences(dev_dir), read_articles(dev_dir))
    signal, tone = fit(examples)
    version = model_version(signal, tone)
    nlp = build_pipeline(learned=False)
    component = nlp.add_pipe(MODEL_NAME, last=True)
    component.set_models(signal, tone, version, GROUPS, OVERRULE_MIN)
    tmp = out_dir.with_name(out_dir.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    nlp.meta["name"] = "tablewatch"
    nlp.meta["version"] = version
    nlp.meta["description"] = "Tablewatch pipeline with the learned signal and tone"
    nlp.to_disk(tmp)
    shutil.rmtree(out_dir, ignore_errors=True)
    tmp.rename(out_dir)
    log.info("trained %s on %d sentences -> %s", version, len(examples), out_dir)
    return version


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev-dir", type=Path, default=DEV_DIR)
    parser.add_argument("--out", type=Path, default=MODEL_DIR)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        version = train(args.dev_dir.resolve(), args.out)
    except TablewatchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{MODEL_NAME} {version} written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
