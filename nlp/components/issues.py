"""``tablewatch_issues``: which bargaining issues a sentence names.

Lexicon-driven (``nlp/config/taxonomy.yaml``): phrases on normalised tokens plus single-word
lemmas, one pass over the whole Doc. Overlaps resolve to the longest match so a more specific
phrase decides between two issues; exclusions cancel matches inside them ("Wage Scale Delegates"
is a committee, not a wage issue). Every label keeps the span that triggered it as evidence.
"""

from __future__ import annotations

from pathlib import Path

from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from kernel.errors import ConfigError
from kernel.labels import ISSUES
from nlp.extensions import RecordLocator, add_evidence, register_extensions
from nlp.rules import load_rules, str_list

DEFAULT_RULES = "taxonomy.yaml"
EXCLUDE_PREFIX = "exclude:"


class IssuesComponent:
    """Fills ``issues`` (list of labels, first mention first) on every sentence record."""

    def __init__(self, nlp: Language, rules_path: str | Path | None = None) -> None:
        register_extensions()
        rules = load_rules(rules_path, DEFAULT_RULES)
        issues = rules.get("issues")
        if not isinstance(issues, dict) or not issues:
            raise ConfigError(f"{rules_path or DEFAULT_RULES}: needs an 'issues' mapping")
        self.phrases = PhraseMatcher(nlp.vocab, attr="NORM")
        self.exclusions = PhraseMatcher(nlp.vocab, attr="NORM")
        self.lemmas = Matcher(nlp.vocab)
        for issue, entry in issues.items():
            if issue not in ISSUES or not isinstance(entry, dict):
                raise ConfigError(f"taxonomy: {issue!r} is not an issue label (allowed: {ISSUES})")
            phrases = str_list(entry.get("phrases"), f"taxonomy: {issue}.phrases")
            if phrases:
                self.phrases.add(issue, list(nlp.tokenizer.pipe(phrases)))
            excluded = str_list(entry.get("exclusions"), f"taxonomy: {issue}.exclusions")
            if excluded:
                self.exclusions.add(EXCLUDE_PREFIX + issue, list(nlp.tokenizer.pipe(excluded)))
            lemmas, tagged = [], []
            for word in str_list(entry.get("lemmas"), f"taxonomy: {issue}.lemmas"):
                lemma, _, pos = word.partition(":")
                (tagged if pos else lemmas).append((lemma.strip().lower(), pos.strip().upper()))
            patterns = []
            if lemmas:
                words = [w for w, _ in lemmas]
                patterns += [[{"LEMMA": {"IN": words}}], [{"LOWER": {"IN": words}}]]
            # "pay: NOUN": the wage sense of "pay", not "streamers will pay bonuses"
            patterns += [[{"LEMMA": w, "POS": pos}] for w, pos in tagged]
            if patterns:
                self.lemmas.add(issue, patterns)

    def _matches(self, doc: Doc) -> list[Span]:
        found = [*self.phrases(doc, as_spans=True), *self.lemmas(doc, as_spans=True)]
        if not found:
            return []
        blocked: dict[str, list[tuple[int, int]]] = {}
        for span in self.exclusions(doc, as_spans=True):
            blocked.setdefault(span.label_[len(EXCLUDE_PREFIX) :], []).append(
                (span.start, span.end)
            )
        kept = [
            s
            for s in found
            if not any(b0 <= s.start and s.end <= b1 for b0, b1 in blocked.get(s.label_, ()))
        ]
        return sorted(filter_spans(kept), key=lambda s: s.start)

    def __call__(self, doc: Doc) -> Doc:
        spans = self._matches(doc)
        if not spans:
            return doc
        locator = RecordLocator(doc)
        for span in spans:
            pos = locator.by_token(span.start)
            if pos is None:
                continue
            record = locator.pairs[pos][0]
            if span.label_ not in record["issues"]:
                record["issues"].append(span.label_)
            add_evidence(
                record,
                "issues",
                span.label_,
                span.text,
                span.start_char,
                span.end_char,
                "issues:lexicon",
            )
        return doc


@Language.factory("tablewatch_issues", default_config={"rules_path": None})
def make_issues(nlp: Language, name: str, rules_path: str | None) -> IssuesComponent:
    return IssuesComponent(nlp, rules_path)
