"""``tablewatch_parties``: who is named at the table, mapped to the guideline's party labels.

Names, aliases, leaders and generic mentions come from ``nlp/config/parties.yaml`` and are matched
with PhraseMatchers over the whole Doc (one pass, not per sentence). Generic mentions ("the union",
"the guild") carry no side by themselves: they resolve to the union most recently named before
them in the same paragraph, else to the union the article names most; when the article names no
union at all they are left in ``tw_context["unresolved_generic"]`` for ``tablewatch_negotiation``,
which knows the union of the negotiation the sentence is about.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc
from spacy.util import filter_spans

from kernel.errors import ConfigError
from kernel.labels import PARTIES
from nlp.extensions import RecordLocator, add_evidence, register_extensions
from nlp.rules import load_rules, str_list

DEFAULT_RULES = "parties.yaml"
UNIONS = ("sag_aftra", "wga", "dga", "iatse", "teamsters", "uaw", "ila", "iam")
GENERIC = "__generic_union__"
JOINT = "__joint_sides__"
EXCLUDED = "__excluded__"
#: ``tw_context`` key of generic union mentions no named union resolved: (record, text, start, end)
UNRESOLVED_KEY = "unresolved_generic"
#: ``tw_context`` key of "both sides" / "the parties" mentions (record, text, start, end): the
#: negotiation component knows which sides those are
JOINT_KEY = "joint_sides"


class PartiesComponent:
    """Labels ``parties`` on every sentence record and notes the article's union in ``tw_context``."""

    def __init__(self, nlp: Language, rules_path: str | Path | None = None) -> None:
        register_extensions()
        rules = load_rules(rules_path, DEFAULT_RULES)
        labels = rules.get("labels")
        if not isinstance(labels, dict) or not labels:
            raise ConfigError(f"{rules_path or DEFAULT_RULES}: needs a 'labels' mapping")
        self.by_norm = PhraseMatcher(nlp.vocab, attr="NORM")
        self.by_orth = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.key_labels: dict[int, tuple[str, ...]] = {}
        for key, entry in labels.items():
            parts = tuple(str(key).split("+"))
            bad = [p for p in parts if p not in PARTIES]
            if bad or not isinstance(entry, dict):
                raise ConfigError(
                    f"parties rules: {key!r} is not a party label (allowed: {PARTIES})"
                )
            self._add(nlp, str(key), parts, entry)
        self._add(nlp, GENERIC, (GENERIC,), rules.get("generic_union") or {})
        self._add(nlp, JOINT, (JOINT,), rules.get("joint_sides") or {})
        self._add(nlp, EXCLUDED, (EXCLUDED,), rules.get("exclusions") or {})

    def _add(self, nlp: Language, key: str, labels: tuple[str, ...], entry: dict[str, Any]) -> None:
        phrases = str_list(entry.get("phrases"), f"parties rules: {key}.phrases")
        exact = str_list(entry.get("exact"), f"parties rules: {key}.exact")
        match_id = nlp.vocab.strings.add(key)
        self.key_labels[match_id] = labels
        if phrases:
            self.by_norm.add(key, list(nlp.tokenizer.pipe(phrases)))
        if exact:
            self.by_orth.add(key, list(nlp.tokenizer.pipe(exact)))

    def __call__(self, doc: Doc) -> Doc:
        locator = RecordLocator(doc)
        if not locator.pairs:
            return doc
        found = [*self.by_norm(doc, as_spans=True), *self.by_orth(doc, as_spans=True)]
        spans = [
            s for s in sorted(filter_spans(found), key=lambda s: s.start) if s.label_ != EXCLUDED
        ]
        named = [(s, self.key_labels[s.label]) for s in spans if s.label_ not in (GENERIC, JOINT)]
        union_positions: list[int] = []
        union_chars: list[int] = []
        union_labels: list[str] = []
        counts: Counter[str] = Counter()
        for named_span, labels in named:
            for label in labels:
                if label in UNIONS:
                    union_positions.append(named_span.start)
                    union_chars.append(named_span.start_char)
                    union_labels.append(label)
                    counts[label] += 1
        dominant = counts.most_common(1)[0][0] if counts else None
        context = doc._.tw_context if doc._.tw_context is not None else {}
        context["union"] = dominant
        context["party_counts"] = dict(counts)
        unresolved: list[tuple[int, str, int, int]] = []
        context[UNRESOLVED_KEY] = unresolved
        joint: list[tuple[int, str, int, int]] = []
        context[JOINT_KEY] = joint
        doc._.tw_context = context
        for span in spans:
            pos = locator.by_token(span.start)
            if pos is None:
                continue
            record = locator.pairs[pos][0]
            if span.label_ == JOINT:
                joint.append((pos, span.text, span.start_char, span.end_char))
                continue
            if span.label_ == GENERIC:
                before = bisect_left(union_positions, span.start)
                paragraph = doc.text.rfind("\n", 0, span.start_char)
                recent = before and union_chars[before - 1] > paragraph
                label = union_labels[before - 1] if recent else dominant
                labels, rule = ((label,) if label else ()), "parties:generic_union"
                if not label:
                    unresolved.append((pos, span.text, span.start_char, span.end_char))
            else:
                labels, rule = self.key_labels[span.label], "parties:phrase"
            for label in labels:
                if label not in record["parties"]:
                    record["parties"].append(label)
                add_evidence(
                    record, "parties", label, span.text, span.start_char, span.end_char, rule
                )
        return doc


@Language.factory("tablewatch_parties", default_config={"rules_path": None})
def make_parties(nlp: Language, name: str, rules_path: str | None) -> PartiesComponent:
    return PartiesComponent(nlp, rules_path)
