"""``tablewatch_tone``: how a sentence reads for the prospects of a deal (-1 / 0 / 1 and a score).

General-purpose sentiment (VADER) scores word polarity, which is the wrong question: "The strike
ended" is good news, "actors remain united" during a stall is bad news, and "would consider walking
away" is a threat although nothing happened. So tone builds on what ``tablewatch_signal`` already
decided (its cues in the sentence's evidence, with the context that changed them) and adds a small
domain lexicon with negation, stance words read against the conflict, a pull toward neutral for
mixed sentences and a discount for third-party commentary. Weights live in
``nlp/config/tone_lexicon.yaml``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from kernel.errors import ConfigError
from kernel.labels import SIGNALS
from nlp.extensions import add_evidence, register_extensions, sentence_pairs
from nlp.rules import load_rules

DEFAULT_RULES = "tone_lexicon.yaml"
_THREAT_CONTEXT = ("hypothetical:", "modal:", "hedge:", "purpose:")


def _number(rules: dict[str, Any], key: str, where: str) -> float:
    value = rules.get(key)
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise ConfigError(f"{where}: '{key}' must be a number, got {value!r}")
    return float(value)


class ToneComponent:
    """Fills ``tone`` and ``tone_score`` on every sentence record, with evidence."""

    def __init__(self, nlp: Language, rules_path: str | Path | None = None) -> None:
        register_extensions()
        rules = load_rules(rules_path, DEFAULT_RULES)
        where = str(rules_path or DEFAULT_RULES)
        polarity = rules.get("signal_polarity")
        if not isinstance(polarity, dict) or set(polarity) != set(SIGNALS):
            raise ConfigError(
                f"{where}: 'signal_polarity' must give a number for each of {SIGNALS}"
            )
        self.polarity = {k: float(v) for k, v in polarity.items()}
        overrides = rules.get("rule_polarity") or {}
        if not isinstance(overrides, dict):
            raise ConfigError(f"{where}: 'rule_polarity' must map signal rule ids to numbers")
        self.rule_polarity = {str(k): float(v) for k, v in overrides.items()}
        for key in (
            "winner_weight",
            "other_weight",
            "threat",
            "below_min_weight",
            "hedge_factor",
            "mixed_factor",
            "mixed_min",
            "attribution_factor",
        ):
            setattr(self, key, _number(rules, key, where))
        thresholds = rules.get("thresholds") or {}
        self.positive = _number(thresholds, "positive", f"{where}: thresholds")
        self.negative = _number(thresholds, "negative", f"{where}: thresholds")
        negation = rules.get("negation") or {}
        self.negators = {str(w).lower() for w in negation.get("words") or []}
        self.window = int(negation.get("window", 3))
        self.flip = float(negation.get("factor", -1.0))
        lexicon = rules.get("lexicon")
        if not isinstance(lexicon, dict) or not lexicon:
            raise ConfigError(f"{where}: needs a non-empty 'lexicon' mapping of term -> weight")
        self.weights: dict[str, float] = {}
        self.words: set[str] = set()  # single words: a set lookup per token beats a Matcher
        self.phrases = PhraseMatcher(nlp.vocab, attr="LOWER")
        for term, weight in lexicon.items():
            term = str(term).lower().strip()
            if not isinstance(weight, int | float) or not -1 <= weight <= 1:
                raise ConfigError(
                    f"{where}: lexicon weight of {term!r} must be a number in [-1, 1]"
                )
            self.weights[term] = float(weight)
            if " " in term or "," in term:
                self.phrases.add(term, [nlp.make_doc(term)])
            else:
                self.words.add(term)
        stance = rules.get("stance") or {}
        self.stance_terms = {str(t).lower() for t in stance.get("terms") or []}
        self.stance_weight = float(stance.get("weight", 0.0))
        self.conflict = set(stance.get("conflict_signals") or [])

    # ------------------------------------------------------------------ contributions
    def _signal_parts(self, record: dict[str, Any]) -> list[tuple[float, dict[str, Any], str]]:
        """What each signal cue says about the deal's prospects (threats included)."""
        parts = []
        cues = [
            e
            for e in record["evidence"]
            if e["field"] == "signal" and e["rule"].split(".", 1)[0] in self.polarity
        ]
        for i, ev in enumerate(cues):
            weight = self.winner_weight if i == 0 else self.other_weight
            base = ev["rule"].split(".", 1)[0]
            rule = ev["rule"]
            if "below_min_score" in rule or "+minor" in rule:
                value = self.polarity[ev["label"]] * self.below_min_weight
            elif (
                ev["label"] == "none"
                and self.polarity[base] < 0
                and any(c in rule for c in _THREAT_CONTEXT)
            ):
                value = self.threat
            else:
                trigger_id = rule.split("+", 1)[0]
                same = ev["label"] == base  # the context left the label as the trigger proposed it
                value = (
                    self.rule_polarity.get(trigger_id, self.polarity[ev["label"]])
                    if same
                    else self.polarity[ev["label"]]
                )
            if "modal:" in rule:
                value *= self.hedge_factor
            if value:
                parts.append((value * weight, ev, "tone.signal" if i == 0 else "tone.cue"))
        return parts

    def _negated(self, sent: Span, start: int) -> bool:
        doc = sent.doc
        lo = max(sent.start, start - self.window)
        if any(doc[i].lower_ in self.negators for i in range(lo, start)):
            return True
        token = doc[start]
        governed = (
            token.head.children if token.dep_ in ("acomp", "attr", "oprd", "dobj", "xcomp") else ()
        )
        return any(c.dep_ == "neg" for c in (*token.children, *governed))

    def _lexicon_parts(
        self, sent: Span, matches: list[tuple[str, int, int]], taken: set[int], signal: str
    ) -> list[tuple[float, Span, str]]:
        parts = []
        used: set[int] = set(taken)
        for term, start, end in sorted(matches, key=lambda m: (m[1], -(m[2] - m[1]))):
            if used.intersection(range(start, end)) or sent.doc[start].head.i in taken:
                continue  # part of a signal cue, or describing one ("a bitter strike ended")
            used.update(range(start, end))
            value = self.weights[term]
            rule = f"tone.lexicon:{term}"
            if self._negated(sent, start):
                value *= self.flip
                rule += "+negated"
            parts.append((value, sent.doc[start:end], rule))
        for tok in sent:
            if tok.i in used or tok.lemma_.lower() not in self.stance_terms:
                continue
            value = -self.stance_weight if signal in self.conflict else 0.0
            if value:
                parts.append(
                    (value, sent.doc[tok.i : tok.i + 1], f"tone.stance:{tok.lemma_.lower()}")
                )
        return parts

    # ------------------------------------------------------------------ decision
    def score(self, values: list[float], third_party: bool) -> float:
        """Combine contributions: balanced sentences lean neutral, commentary counts less."""
        total = sum(values)
        pos = sum(v for v in values if v > 0)
        neg = -sum(v for v in values if v < 0)
        if pos >= self.mixed_min and neg >= self.mixed_min:
            total *= self.mixed_factor
        if third_party:
            total *= self.attribution_factor
        return round(math.tanh(total), 4)

    def label(self, score: float) -> int:
        if score >= self.positive:
            return 1
        if score <= self.negative:
            return -1
        return 0

    def __call__(self, doc: Doc) -> Doc:
        pairs = sentence_pairs(doc)
        if not pairs:
            return doc
        found: list[tuple[str, int, int]] = []
        for key, start, end in self.phrases(doc):
            found.append((doc.vocab.strings[key], start, end))
        for tok in doc:
            term = tok.lower_ if tok.lower_ in self.words else tok.lemma_.lower()
            if term in self.words:
                found.append((term, tok.i, tok.i + 1))
        found.sort(key=lambda m: m[1])
        for record, sent in pairs:
            matches = [m for m in found if sent.start <= m[1] and m[2] <= sent.end]
            signal_parts = self._signal_parts(record)
            taken = set()
            for _, ev, _ in signal_parts:
                span = doc.char_span(ev["start"], ev["end"], alignment_mode="expand")
                if span is not None:
                    taken.update(range(span.start, span.end))
            lexicon_parts = self._lexicon_parts(sent, matches, taken, record["signal"])
            third_party = any(e["rule"] == "attribution.third_party" for e in record["evidence"])
            values = [v for v, _, _ in signal_parts] + [v for v, _, _ in lexicon_parts]
            score = self.score(values, third_party)
            record["tone_score"] = score
            record["tone"] = self.label(score)
            tone = record["tone"]
            for value, ev, rule in signal_parts:
                add_evidence(
                    record, "tone", tone, ev["text"], ev["start"], ev["end"], f"{rule}={value:+.2f}"
                )
            for value, span, rule in lexicon_parts:
                add_evidence(
                    record,
                    "tone",
                    tone,
                    span.text,
                    span.start_char,
                    span.end_char,
                    f"{rule}={value:+.2f}",
                )
        return doc


@Language.factory("tablewatch_tone", default_config={"rules_path": None})
def make_tone(nlp: Language, name: str, rules_path: str | None) -> ToneComponent:
    return ToneComponent(nlp, rules_path)
