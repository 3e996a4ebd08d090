"""``tablewatch_signal_model``: the learned signal and tone, over the rules' cues and the words.

The rules (``tablewatch_signal``, ``tablewatch_tone``) are precise on the phrasings they were
written for and miss real coverage they never saw: attributed reports, goals ("talks aimed at a
deal"), consequences ("which means the strike will end"). A linear model over the sentence's words
and lemmas *plus* what the rules made of it (their label, the trigger and the modifiers that changed
it, the tone score, headline or body, inside a quote, the previous sentence's rule label) learns
when a cue holds and when it does not. Grouped cross-validation by article decided that the
combination beats either part alone (benchmarks/nlp_quality.py, benchmarks/RESULTS.md).

Two exclusive-class multinomial logistic regressions (signal: the seven labels; tone: -1/0/1) are
stored as plain arrays (``weights.npz``) and a feature index (``meta.json``), so loading needs no
pickle and no scikit-learn; ``nlp/train.py`` fits them. The component runs last: it reads the rule
records, replaces ``signal``/``tone``/``tone_score`` with the model's decision, sets
``signal_confidence`` (the model's probability of the chosen label) and records in ``evidence`` the
model, its version, its probability and the rule label it agreed with or overruled.

Without trained weights (a pipeline being trained) the component leaves the rule labels alone and
sets ``signal_confidence`` from the rules' own evidence (see ``RULE_CONFIDENCE``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import srsly
from spacy.language import Language
from spacy.tokens import Doc, Span

from nlp.components.signal import SignalComponent
from nlp.extensions import add_evidence, register_extensions, sentence_pairs

MODEL_NAME = "tablewatch_signal_model"
#: bumped when the feature function changes: weights of another feature version are refused
FEATURE_VERSION = 2
#: value of every rule-cue feature (``r:``): above the words' 1.0 so the regularisation shrinks the
#: rules' votes less than any single word's (grouped CV: macro-F1 0.665 at 1.0 -> 0.695 at 3.0)
RULE_WEIGHT = 3.0
#: confidence of a rules-only decision: a cue that fired vs. no cue at all (no model loaded)
RULE_CONFIDENCE = {"cue": 0.6, "no_cue": 0.5}
_QUOTES = '"“”'
_WORD = re.compile(r"[a-z][a-z'’-]*|\d+")
#: feature groups: ``text`` is what the model alone sees; ``rules`` adds the rule components' cues
GROUPS = ("text", "rules")


def _in_quote(text: str, sent_start: int, sent_end: int, quote_spans: list[tuple[int, int]]) -> str:
    """``all`` when the sentence sits inside one quotation, ``part`` when it holds one, else ''."""
    for qs, qe in quote_spans:
        if qs <= sent_start and sent_end <= qe:
            return "all"
    if any(sent_start <= qs < sent_end for qs, _ in quote_spans):
        return "part"
    return ""


def _quote_spans(text: str) -> list[tuple[int, int]]:
    """Character spans between opening and closing double quotes (straight quotes alternate)."""
    spans = []
    start: int | None = None
    for i, ch in enumerate(text):
        if ch not in _QUOTES:
            continue
        opening = ch == "“" or (ch == '"' and start is None)
        if opening and start is None:
            start = i
        elif not opening or ch == '"':
            if start is not None:
                spans.append((start, i + 1))
            start = None
    return spans


def _rule_parts(rule: str) -> tuple[str, list[str]]:
    trigger, *applied = rule.split("+")
    return trigger, applied


def sentence_features(
    doc: Doc, pairs: list[tuple[dict[str, Any], Span]], groups: tuple[str, ...] = GROUPS
) -> list[dict[str, float]]:
    """One sparse feature dict per sentence record of ``doc``, from its text and the rule output.

    The same function feeds training (``nlp/train.py``, on the rules' records) and prediction (in
    the pipeline, before the component changes anything), so both see identical features.
    """
    quotes = _quote_spans(doc.text)
    out: list[dict[str, float]] = []
    prev_signal = "start"
    for index, (record, span) in enumerate(pairs):
        feats: dict[str, float] = {"bias": 1.0}
        if "text" in groups:
            words = [t.lower_ for t in span if not t.is_punct and not t.is_space]
            lemmas = [t.lemma_.lower() for t in span if not t.is_punct and not t.is_space]
            for w in words:
                if _WORD.fullmatch(w):
                    feats[f"w:{w}"] = 1.0
            for a, b in zip(lemmas, lemmas[1:], strict=False):
                feats[f"l2:{a}_{b}"] = 1.0
            for lem in lemmas:
                feats[f"l:{lem}"] = 1.0
            if SignalComponent.is_title_case(span) or span.text.rstrip(_QUOTES)[-1:] not in ".?!:":
                feats["ctx:headline"] = 1.0
            if index == 0:
                feats["ctx:first"] = 1.0
            quoted = _in_quote(doc.text, span.start_char, span.end_char, quotes)
            if quoted:
                feats[f"ctx:quote_{quoted}"] = 1.0
            feats["ctx:long"] = min(len(words), 60) / 60.0
            if any(t.lemma_ in ("say", "tell", "according") for t in span):
                feats["ctx:reported"] = 1.0
        if "rules" in groups:
            signal = record["signal"]
            feats[f"r:signal={signal}"] = 1.0
            feats[f"r:prev={prev_signal}"] = 1.0
            feats[f"r:prev={prev_signal}>{signal}"] = 1.0
            feats[f"r:tone={record['tone']}"] = 1.0
            feats["r:tone_score"] = float(record["tone_score"])
            if record.get("negotiation"):
                feats["r:negotiation"] = 1.0
            feats[f"r:issues={min(len(record['issues']), 2)}"] = 1.0
            feats[f"r:parties={min(len(record['parties']), 2)}"] = 1.0
            cues = [e for e in record["evidence"] if e["field"] == "signal"]
            for rank, ev in enumerate(cues):
                trigger, applied = _rule_parts(ev["rule"])
                where = "top" if rank == 0 else "other"
                feats[f"r:{where}_label={ev['label']}"] = 1.0
                feats[f"r:{where}_trigger={trigger}"] = 1.0
                for mod in applied:
                    feats[f"r:mod={mod.split(':', 1)[0]}"] = 1.0
                    feats[f"r:mod={mod.split(':', 1)[0]}>{ev['label']}"] = 1.0
            if not cues:
                feats["r:no_cue"] = 1.0
            for ev in record["evidence"]:
                if ev["field"] == "tone" and ":" in ev["rule"]:
                    term = ev["rule"].split("=", 1)[0]
                    if term.startswith(("tone.lexicon:", "tone.stance:")):
                        feats[f"r:{term}"] = 1.0
            prev_signal = signal
            for key in feats:
                if key.startswith("r:"):
                    feats[key] *= RULE_WEIGHT
        out.append(feats)
    return out


class LinearModel:
    """A multinomial logistic regression read from arrays: softmax(x @ coef.T + intercept)."""

    def __init__(
        self, classes: list[Any], features: list[str], coef: np.ndarray, intercept: np.ndarray
    ) -> None:
        self.classes = classes
        self.index = {name: i for i, name in enumerate(features)}
        self.features = features
        self.coef = np.asarray(coef, dtype=np.float64)
        self.intercept = np.asarray(intercept, dtype=np.float64)

    def proba(self, rows: list[dict[str, float]]) -> np.ndarray:
        """Class probabilities per row (unknown features are ignored, as DictVectorizer does)."""
        x = np.zeros((len(rows), len(self.features)))
        for r, feats in enumerate(rows):
            for name, value in feats.items():
                j = self.index.get(name)
                if j is not None:
                    x[r, j] = value
        scores = x @ self.coef.T + self.intercept
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)


def decide(classes: list[Any], proba: np.ndarray, rule_label: str, overrule_min: float) -> int:
    """Index of the chosen class: the model's best, unless it disagrees with the rules and its
    probability stays below ``overrule_min`` (then the rule label stands)."""
    best = int(proba.argmax())
    if classes[best] != rule_label and proba[best] < overrule_min and rule_label in classes:
        return classes.index(rule_label)
    return best


class SignalModelComponent:
    """Replaces the rule signal and tone by the learned ones, with confidence and evidence."""

    def __init__(self, nlp: Language, name: str = MODEL_NAME) -> None:
        register_extensions()
        self.name = name
        self.version = ""
        self.groups: tuple[str, ...] = GROUPS
        self.signal: LinearModel | None = None
        self.tone: LinearModel | None = None
        #: the model overrules the rule label only at this probability or above (0: always)
        self.overrule_min = 0.0

    # ------------------------------------------------------------------ weights
    def set_models(
        self,
        signal: LinearModel,
        tone: LinearModel,
        version: str,
        groups: tuple[str, ...] = GROUPS,
        overrule_min: float = 0.0,
    ) -> None:
        self.signal, self.tone, self.version, self.groups = signal, tone, version, groups
        self.overrule_min = overrule_min

    @property
    def trained(self) -> bool:
        return self.signal is not None and self.tone is not None

    def to_disk(self, path: str | Path, exclude: Any = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        if not self.trained:
            srsly.write_json(path / "meta.json", {"trained": False})
            return
        assert self.signal is not None and self.tone is not None
        meta = {
            "trained": True,
            "name": MODEL_NAME,
            "version": self.version,
            "feature_version": FEATURE_VERSION,
            "groups": list(self.groups),
            "overrule_min": self.overrule_min,
            "signal": {"classes": self.signal.classes, "features": self.signal.features},
            "tone": {"classes": self.tone.classes, "features": self.tone.features},
        }
        (path / "meta.json").write_text(json.dumps(meta, indent=0, sort_keys=True) + "\n")
        np.savez_compressed(
            path / "weights.npz",
            signal_coef=self.signal.coef.astype(np.float32),
            signal_intercept=self.signal.intercept,
            tone_coef=self.tone.coef.astype(np.float32),
            tone_intercept=self.tone.intercept,
        )

    def from_disk(self, path: str | Path, exclude: Any = ()) -> SignalModelComponent:
        path = Path(path)
        meta = srsly.read_json(path / "meta.json")
        if not meta.get("trained"):
            return self
        if meta.get("feature_version") != FEATURE_VERSION:
            raise ValueError(
                f"{path}: weights were trained on feature version {meta.get('feature_version')}, "
                f"this code computes version {FEATURE_VERSION}: run `make train`"
            )
        with np.load(path / "weights.npz") as w:
            signal = LinearModel(
                meta["signal"]["classes"],
                meta["signal"]["features"],
                w["signal_coef"],
                w["signal_intercept"],
            )
            tone = LinearModel(
                meta["tone"]["classes"],
                meta["tone"]["features"],
                w["tone_coef"],
                w["tone_intercept"],
            )
        self.set_models(
            signal, tone, meta["version"], tuple(meta["groups"]), float(meta["overrule_min"])
        )
        return self

    # ------------------------------------------------------------------ labelling
    def __call__(self, doc: Doc) -> Doc:
        pairs = sentence_pairs(doc)
        if not pairs:
            return doc
        if not self.trained:
            for record, _ in pairs:
                cue = any(e["field"] == "signal" for e in record["evidence"])
                record["signal_confidence"] = RULE_CONFIDENCE["cue" if cue else "no_cue"]
            return doc
        assert self.signal is not None and self.tone is not None
        feats = sentence_features(doc, pairs, self.groups)
        p_signal = self.signal.proba(feats)
        p_tone = self.tone.proba(feats)
        tone_classes = [int(c) for c in self.tone.classes]
        pos, neg = tone_classes.index(1), tone_classes.index(-1)
        for (record, span), ps, pt in zip(pairs, p_signal, p_tone, strict=True):
            rule_label = record["signal"]
            best = decide(self.signal.classes, ps, rule_label, self.overrule_min)
            label = self.signal.classes[best]
            verdict = "agreed" if label == rule_label else "overruled"
            if label != self.signal.classes[int(ps.argmax())]:
                verdict = "kept"  # the model's choice was below overrule_min: the rules stand
            record["signal"] = label
            record["signal_confidence"] = round(float(ps[best]), 4)
            rule_tone = record["tone"]
            tone = tone_classes[int(pt.argmax())]
            record["tone"] = tone
            record["tone_score"] = round(float(pt[pos] - pt[neg]), 4)
            tag = f"model:{MODEL_NAME}@{self.version}"
            add_evidence(
                record,
                "signal",
                label,
                span.text,
                span.start_char,
                span.end_char,
                f"{tag} p={ps[best]:.3f} rules={rule_label} {verdict}",
            )
            # the decision comes first (``evidence[0]`` names what decided the signal); the rule
            # cues it weighed follow in their own order
            record["evidence"].insert(0, record["evidence"].pop())
            add_evidence(
                record,
                "tone",
                tone,
                span.text,
                span.start_char,
                span.end_char,
                f"{tag} p={pt.max():.3f} rules={rule_tone} "
                f"{'agreed' if tone == rule_tone else 'overruled'}",
            )
        return doc


@Language.factory(MODEL_NAME, default_config={})
def make_signal_model(nlp: Language, name: str) -> SignalModelComponent:
    return SignalModelComponent(nlp, name)
