"""``tablewatch_signal``: the one thing that happened at the table, as a sentence reports it.

Bag-of-words fails on negotiation news because the words that name events are exactly the ones
that get negated ("no deal yet"), hedged ("a deal could come"), imagined ("would consider a
walkout") or recapped ("after talks broke down, the sides will meet"). So the component works in
three steps, all driven by ``nlp/config/signal_rules.yaml``:

1. triggers: lemma patterns and head/child dependency pairs propose a label each; overlapping
   proposals resolve to the one covering more tokens (word-sense exclusions are longer patterns);
2. context (medspaCy ConText style): modifiers such as "no", "fail to", "if", "could" change each
   trigger inside their *dependency* scope, not a fixed token window;
3. dominance: a trigger's score falls with every subordinate clause or recap phrase between it and
   the sentence root, so the main clause decides; ties go to the configured label priority.

Every considered trigger is written to the sentence's evidence (best first, with the modifiers
that changed it in the rule id), which is also what ``tablewatch_tone`` reads.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.matcher import DependencyMatcher, Matcher
from spacy.tokens import Doc, Span, Token

from kernel.errors import ConfigError
from kernel.labels import SIGNALS
from nlp.extensions import RecordLocator, add_evidence, register_extensions
from nlp.rules import load_rules

DEFAULT_RULES = "signal_rules.yaml"
DIRECTIONS = ("FORWARD", "BACKWARD", "BIDIRECTIONAL")
SCOPES = ("head", "verb", "self", "clause")
_FUNCTION_DEPS = {"neg", "aux", "auxpass", "advmod", "npadvmod", "prt", "case"}
_NOUN_DEPS = {"det", "amod", "nummod", "quantmod", "compound", "poss"}
_NOUN_SCOPE_CHILDREN = {"amod", "compound", "acl", "nummod", "quantmod", "relcl", "det"}
#: pipes of the base model that re-read a Title Case headline in lower case
_BASE_PIPES = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer")
#: a sentence is a Title Case headline when this share of its longer words is capitalised (all of
#: them: "The Writers Guild of America West said Tuesday" has a lower-case verb and is prose)
TITLE_SHARE = 1.0
TITLE_MIN_WORDS = 3


@dataclass(frozen=True)
class Trigger:
    """A cue phrase for one label (``none`` = a word-sense exclusion that only claims tokens)."""

    id: str
    label: str
    weight: float
    negated_as: str | None = None
    immune: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Modifier:
    """A ConText cue: ``category`` changes the triggers in its scope, in ``direction``."""

    category: str
    literal: str
    direction: str
    scope: str | None


@dataclass
class Cue:
    """One trigger found in a sentence, with what the context made of it."""

    trigger: Trigger
    tokens: tuple[int, ...]
    label: str = ""
    applied: list[str] = field(default_factory=list)
    score: float = 0.0

    @property
    def start(self) -> int:
        return min(self.tokens)

    @property
    def end(self) -> int:
        return max(self.tokens) + 1

    @property
    def rule(self) -> str:
        return "+".join([self.trigger.id, *self.applied])


def _labels(value: Any, what: str) -> str:
    if value not in SIGNALS:
        raise ConfigError(
            f"{what}: {value!r} is not a signal label (allowed: {', '.join(SIGNALS)})"
        )
    return str(value)


def _weight(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ConfigError(f"{what} must be a non-negative number, got {value!r}")
    return float(value)


def _lemma_list(value: Any, what: str) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{what} must be a non-empty list of lemmas")
    return [v.lower() for v in value]


def _expand_first(pattern: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Split a leading ``{"LEMMA"|"LOWER": {"IN": [...]}}`` into one pattern per value.

    Set predicates run in Python for every token; plain equality on the first token runs in the
    matcher's C loop and rules most tokens out before any predicate is evaluated (~3x faster).
    """
    first = pattern[0] if pattern else {}
    for key in ("LEMMA", "LOWER"):
        value = first.get(key)
        if "OP" not in first and isinstance(value, dict) and set(value) == {"IN"}:
            return [[{**first, key: str(v)}, *pattern[1:]] for v in value["IN"]]
    return [pattern]


def _dep_pattern(spec: Any, what: str) -> list[list[dict[str, Any]]]:
    """Compile the ``{head, child, deps, rel}`` shorthand into a DependencyMatcher pattern."""
    if not isinstance(spec, dict):
        raise ConfigError(f"{what}.dep must be a mapping with head and child lemmas")
    child: dict[str, Any] = {"LEMMA": {"IN": _lemma_list(spec.get("child"), f"{what}.dep.child")}}
    if spec.get("deps"):
        child["DEP"] = {"IN": [str(d) for d in spec["deps"]]}
    rel = spec.get("rel", ">")
    if rel not in (">", ">>"):
        raise ConfigError(f"{what}.dep.rel must be '>' or '>>', got {rel!r}")
    head: dict[str, Any] = {"LEMMA": {"IN": _lemma_list(spec.get("head"), f"{what}.dep.head")}}
    if spec.get("head_pos"):
        head["POS"] = {"IN": [str(p) for p in spec["head_pos"]]}
    return [
        [
            {"RIGHT_ID": "head", "RIGHT_ATTRS": head},
            {"LEFT_ID": "head", "REL_OP": rel, "RIGHT_ID": "child", "RIGHT_ATTRS": child},
        ]
    ]


class SignalComponent:
    """Fills ``signal`` on every sentence record and explains it in ``evidence``."""

    def __init__(self, nlp: Language, rules_path: str | Path | None = None) -> None:
        register_extensions()
        rules = load_rules(rules_path, DEFAULT_RULES)
        where = str(rules_path or DEFAULT_RULES)
        self.priority = {label: i for i, label in enumerate(rules.get("priority") or [])}
        for label in self.priority:
            _labels(label, f"{where}: priority")
        self._read_categories(rules.get("categories"), where)
        self.stop_deps = set(rules.get("stop_deps") or [])
        dominance = rules.get("dominance") or {}
        self.subordinate_deps = set(dominance.get("subordinate_deps") or [])
        self.recap_preps = set(dominance.get("recap_preps") or [])
        self.recap_marks = set(dominance.get("recap_marks") or [])
        self.concessive_preps = set(dominance.get("concessive_preps") or [])
        self.speech_verbs = set(dominance.get("speech_verbs") or [])
        self.step = float(dominance.get("step", 0.4))
        self.suppressed = float(dominance.get("suppressed", 1.0))
        self.prospective = float(dominance.get("prospective", 1.0))
        self.min_score = float(dominance.get("min_score", 0.0))
        self.contrast_words = set(dominance.get("contrast_words") or [])
        self.contrast_bonus = float(dominance.get("contrast_bonus", 1.0))
        self.third_party = set((rules.get("attribution") or {}).get("third_party") or [])
        self.triggers: list[Trigger] = []
        self.token_matcher = Matcher(nlp.vocab)
        self.dep_matcher = DependencyMatcher(nlp.vocab)
        self._read_triggers(rules.get("triggers"), where)
        self.modifiers: list[Modifier] = []
        self.modifier_matcher = Matcher(nlp.vocab)
        self._read_modifiers(rules.get("modifiers"), where)
        self.base_pipes = [(n, p) for n, p in nlp.pipeline if n in _BASE_PIPES]

    # ------------------------------------------------------------------ rule loading
    def _read_categories(self, raw: Any, where: str) -> None:
        if not isinstance(raw, dict) or not raw:
            raise ConfigError(f"{where}: needs a 'categories' mapping")
        self.effects: dict[str, dict[str, str]] = {}
        self.ranks: dict[str, int] = {}
        self.category_stops: dict[str, set[str]] = {}
        for name, spec in raw.items():
            if not isinstance(spec, dict) or not isinstance(spec.get("effect"), dict):
                raise ConfigError(f"{where}: category {name} needs an 'effect' mapping")
            self.effects[name] = {
                _labels(k, f"{where}: {name}.effect"): _labels(v, f"{where}: {name}.effect")
                for k, v in spec["effect"].items()
            }
            self.ranks[name] = int(spec.get("rank", 9))
            self.category_stops[name] = set(spec.get("stop_deps") or [])

    def _read_triggers(self, raw: Any, where: str) -> None:
        if not isinstance(raw, list) or not raw:
            raise ConfigError(f"{where}: needs a non-empty 'triggers' list")
        seen: set[str] = set()
        for i, spec in enumerate(raw):
            what = f"{where}: triggers[{i}]"
            if not isinstance(spec, dict) or not isinstance(spec.get("id"), str):
                raise ConfigError(f"{what} needs an 'id'")
            if spec["id"] in seen:
                raise ConfigError(f"{what}: id {spec['id']!r} appears twice")
            seen.add(spec["id"])
            trigger = Trigger(
                id=spec["id"],
                label=_labels(spec.get("label"), f"{what}.label"),
                weight=_weight(spec.get("weight", 1.0), f"{what}.weight"),
                negated_as=_labels(spec["negated_as"], f"{what}.negated_as")
                if "negated_as" in spec
                else None,
                immune=frozenset(spec.get("immune") or ()),
            )
            key = str(len(self.triggers))
            try:
                if "pattern" in spec:
                    self.token_matcher.add(key, _expand_first(spec["pattern"]))
                elif "dep" in spec:
                    self.dep_matcher.add(key, _dep_pattern(spec["dep"], what))
                else:
                    raise ConfigError(f"{what} needs a 'pattern' or a 'dep'")
            except (ValueError, KeyError) as exc:
                raise ConfigError(f"{what} ({spec['id']}): invalid pattern: {exc}") from None
            self.triggers.append(trigger)

    def _read_modifiers(self, raw: Any, where: str) -> None:
        if not isinstance(raw, list):
            raise ConfigError(f"{where}: needs a 'modifiers' list")
        for i, spec in enumerate(raw):
            what = f"{where}: modifiers[{i}]"
            if not isinstance(spec, dict) or not isinstance(spec.get("pattern"), list):
                raise ConfigError(f"{what} needs a token 'pattern'")
            category = spec.get("category")
            if category not in self.effects and category not in ("PSEUDO", "TERMINATE"):
                raise ConfigError(f"{what}: unknown category {category!r}")
            direction = spec.get("direction", "BIDIRECTIONAL")
            scope = spec.get("scope")
            if direction not in DIRECTIONS or (scope is not None and scope not in SCOPES):
                raise ConfigError(
                    f"{what}: direction must be one of {DIRECTIONS}, scope one of {SCOPES}"
                )
            try:
                self.modifier_matcher.add(str(len(self.modifiers)), _expand_first(spec["pattern"]))
            except (ValueError, KeyError) as exc:
                raise ConfigError(f"{what}: invalid pattern: {exc}") from None
            self.modifiers.append(
                Modifier(category, str(spec.get("literal", "")), direction, scope)
            )

    # ------------------------------------------------------------------ headlines
    @staticmethod
    def is_title_case(sent: Span) -> bool:
        """Headline capitalisation ("Writers Reach Tentative Deal With Studios") makes the tagger
        read every word as a proper noun, so no lemma cue fires; such sentences are re-read."""
        words = [t for t in sent if t.is_alpha and len(t) > 3 and not t.is_upper]
        if len(words) < TITLE_MIN_WORDS:
            return False
        return sum(t.text[0].isupper() for t in words) >= TITLE_SHARE * len(words)

    def _relowered(self, sent: Span) -> Doc:
        """The sentence in lower case (acronyms kept), tagged and parsed again by the base model."""
        words = [t.text if t.is_upper else t.text.lower() for t in sent]
        lowered = Doc(sent.doc.vocab, words=words, spaces=[bool(t.whitespace_) for t in sent])
        for _, pipe in self.base_pipes:
            lowered = pipe(lowered)
        return lowered

    def _sentence_cues(self, doc: Doc) -> tuple[list[Cue], list[tuple[Modifier, Span]]]:
        cues = self._cues(doc)
        mods = [
            (self.modifiers[int(doc.vocab.strings[key])], doc[start:end])
            for key, start, end in self.modifier_matcher(doc)
        ]
        return cues, mods

    # ------------------------------------------------------------------ matching
    def _cues(self, doc: Doc) -> list[Cue]:
        found: list[Cue] = []
        for key, start, end in self.token_matcher(doc):
            trigger = self.triggers[int(doc.vocab.strings[key])]
            found.append(Cue(trigger, tuple(range(start, end))))
        for key, token_ids in self.dep_matcher(doc):
            trigger = self.triggers[int(doc.vocab.strings[key])]
            if self._same_clause(doc[token_ids[1]], token_ids[0]):
                found.append(Cue(trigger, tuple(sorted(token_ids))))
        return found

    def _same_clause(self, child: Token, head_i: int) -> bool:
        """A head/child pair counts only within one clause ("approved the deal, ending the strike"
        is not a strike authorisation)."""
        while child.i != head_i and child.head.i != child.i:
            if child.dep_ in self.stop_deps or child.dep_ in self.subordinate_deps:
                return False
            child = child.head
        return child.i == head_i

    @staticmethod
    def _claim(cues: Iterable[Cue]) -> list[Cue]:
        """Keep non-overlapping cues, the most specific (most tokens, then weight) first."""
        claimed: set[int] = set()
        kept = []

        def specificity(c: Cue) -> tuple[int, bool, float, int]:
            # word-sense exclusions win ties: "striking deals" is not "strike a deal"
            return (-len(c.tokens), c.trigger.label != "none", -c.trigger.weight, c.start)

        for cue in sorted(cues, key=specificity):
            if claimed.isdisjoint(cue.tokens):
                claimed.update(cue.tokens)
                kept.append(cue)
        return kept

    def _subtree(self, token: Token, stops: set[str]) -> set[int]:
        """``token``'s subtree without clauses of their own or recap phrases ("after ...")."""
        out: set[int] = set()
        stack = [token]
        while stack:
            tok = stack.pop()
            out.add(tok.i)
            stack.extend(
                c
                for c in tok.children
                if c.dep_ not in stops and not (c.dep_ == "prep" and c.lower_ in self.recap_preps)
            )
        return out

    def _scope(self, span: Span, modifier: Modifier) -> set[int]:
        """The tokens a modifier governs, read off the dependency parse."""
        root = span.root
        stops = self.stop_deps | self.category_stops.get(modifier.category, set())
        kind = modifier.scope
        if kind is None:
            if root.dep_ == "mark":
                kind = "clause"
            elif root.dep_ in _NOUN_DEPS and root.head.pos_ in ("NOUN", "PROPN"):
                kind = "head"
            elif root.dep_ in _FUNCTION_DEPS:
                kind = "verb"
            else:
                kind = "self"
        if kind == "head":
            head = root.head
            if head.dep_ == "attr" and any(c.dep_ == "expl" for c in head.head.children):
                return self._subtree(head.head, stops)  # "there are no talks scheduled": the clause
            if modifier.category == "NEGATED" and head.dep_ in ("nsubj", "nsubjpass"):
                return self._subtree(head.head, stops)  # "no strike is planned": a negated subject
            tokens = {head.i}
            for child in head.children:
                if child.dep_ in _NOUN_SCOPE_CHILDREN:
                    tokens |= self._subtree(child, stops)
            return tokens
        if kind == "verb":
            return self._subtree(root.head, stops)
        if kind == "clause":
            clause = root.head
            if clause.dep_ in ("advcl", "ccomp") and clause.head.i != clause.i:
                clause = clause.head
            return {t.i for t in clause.subtree}
        return self._subtree(root, stops)

    def _reported_future(self, span: Span) -> bool:
        """ "Fain announced the centers would join the strike": a "would" that only shifts an
        announced plan into reported speech is no condition (nor is "vowed the strike would go on")."""
        verb = span.root.head
        return verb.dep_ == "ccomp" and verb.head.lemma_ in self.speech_verbs | {"vow", "warn"}

    def _apply_context(
        self, sent: Span, cues: list[Cue], mods: list[tuple[Modifier, Span]]
    ) -> None:
        pseudo = [span for mod, span in mods if mod.category == "PSEUDO"]
        terminators = [span.start for mod, span in mods if mod.category == "TERMINATE"]
        active = [
            (mod, span, self._scope(span, mod))
            for mod, span in mods
            if mod.category in self.effects
            and not any(p.start <= span.start and span.end <= p.end for p in pseudo)
            and not (mod.category == "CONDITIONAL" and self._reported_future(span))
        ]
        for cue in cues:
            label = cue.trigger.label
            in_scope: dict[str, str] = {}
            for mod, span, scope in active:
                if mod.category in cue.trigger.immune or not scope.intersection(cue.tokens):
                    continue
                if set(range(span.start, span.end)).intersection(cue.tokens):
                    continue
                if mod.direction == "FORWARD" and cue.start < span.end:
                    continue
                if mod.direction == "BACKWARD" and cue.end > span.start:
                    continue
                lo, hi = sorted((span.start, cue.start))
                if any(lo < t < hi for t in terminators):
                    continue
                in_scope.setdefault(mod.category, mod.literal)
            for category in sorted(in_scope, key=lambda c: self.ranks[c]):
                if label == "none":
                    break
                if category in ("NEGATED", "FAILED") and cue.trigger.negated_as is not None:
                    new = cue.trigger.negated_as
                else:
                    new = self.effects[category].get(label, label)
                cue.applied.append(f"{category.lower()}:{in_scope[category]}")
                label = new
            cue.label = label

    # ------------------------------------------------------------------ dominance
    def _steps(self, token: Token) -> int:
        """Subordinate clauses and recap phrases between a token and its sentence root."""
        steps = 0
        while token.head.i != token.i:
            dep = token.dep_
            if dep in self.subordinate_deps:
                steps += 1
                if dep == "advcl" and any(
                    c.dep_ in ("mark", "advmod") and c.lower_ in self.recap_marks
                    for c in token.children
                ):
                    steps += 1
            elif dep == "ccomp" and token.head.lemma_ not in self.speech_verbs:
                steps += 1
            elif dep == "prep" and token.lower_ in self.recap_preps:
                steps += 2 if token.lower_ in self.concessive_preps else 1
            token = token.head
        return steps

    def _score(self, sent: Span, cues: list[Cue]) -> None:
        contrast = [
            t.i for t in sent if t.lower_ in self.contrast_words and t.dep_ in ("cc", "advmod")
        ]
        for cue in cues:
            anchor = min((sent.doc[i] for i in cue.tokens), key=self._steps)
            score = cue.trigger.weight * self.step ** self._steps(anchor)
            if any(c < cue.start for c in contrast):
                score *= self.contrast_bonus
            if cue.label == "none":
                score *= self.suppressed
            elif any(a.startswith(("hedge:", "modal:")) for a in cue.applied):
                score *= self.prospective
            cue.score = score

    def _third_party(self, sent: Span) -> Token | None:
        """The commentator when the sentence is someone outside the table talking about it."""
        root = sent.root
        if root.lemma_ in self.speech_verbs:
            for child in root.children:
                if child.dep_ == "nsubj" and child.lemma_.lower() in self.third_party:
                    return child
        for tok in sent:
            if tok.lower_ == "according" and tok.dep_ == "prep":
                for pobj in tok.subtree:
                    if pobj.dep_ == "pobj" and pobj.lemma_.lower() in self.third_party:
                        return pobj
        return None

    # ------------------------------------------------------------------ decision
    def decide(self, sent: Span, cues: list[Cue], mods: list[tuple[Modifier, Span]]) -> list[Cue]:
        """Label each cue in context and rank them; the first cue's label is the sentence's."""
        cues = self._claim(cues)
        self._apply_context(sent, cues, mods)
        self._score(sent, cues)
        ranked = [c for c in cues if c.trigger.label != "none" and c.score > 0]
        ranked.sort(
            key=lambda c: (-c.score, self.priority.get(c.label, len(self.priority)), c.start)
        )
        return ranked

    def __call__(self, doc: Doc) -> Doc:
        locator = RecordLocator(doc)
        if not locator.pairs:
            return doc
        per_sent: dict[int, list[Cue]] = {}
        for cue in self._cues(doc):
            pos = locator.by_token(cue.start)
            if pos is not None and locator.by_token(cue.end - 1) == pos:
                per_sent.setdefault(pos, []).append(cue)
        per_mods: dict[int, list[tuple[Modifier, Span]]] = {}
        for key, start, end in self.modifier_matcher(doc):
            pos = locator.by_token(start)
            if pos is not None:
                modifier = self.modifiers[int(doc.vocab.strings[key])]
                per_mods.setdefault(pos, []).append((modifier, doc[start:end]))
        headlines = {pos for pos, (_, sent) in enumerate(locator.pairs) if self.is_title_case(sent)}
        for pos in sorted(set(per_sent) | headlines):
            record, sent = locator.pairs[pos]
            offset = 0
            if pos in headlines:
                lowered = self._relowered(sent)
                cues, mods = self._sentence_cues(lowered)
                ranked = self.decide(lowered[:], cues, mods)
                offset = sent.start
                decided_in = lowered[:]
            else:
                ranked = self.decide(sent, per_sent.get(pos, []), per_mods.get(pos, []))
                decided_in = sent
            if not ranked:
                continue
            below = ranked[0].score < self.min_score and ranked[0].label != "none"
            if below:  # the cue keeps its label in evidence; the sentence reports no event
                ranked[0].applied.append("below_min_score")
            commentator = self._third_party(decided_in)
            if commentator is not None:
                record["signal"] = "none"
                who = doc[commentator.i + offset]
                add_evidence(
                    record,
                    "signal",
                    "none",
                    who.text,
                    who.idx,
                    who.idx + len(who.text),
                    "attribution.third_party",
                )
            else:
                record["signal"] = "none" if below else ranked[0].label
            for cue in ranked[1:]:
                if cue.score < self.min_score:
                    cue.applied.append("minor")  # too weak to decide anything: context for tone
            for cue in ranked:
                span = doc[cue.start + offset : cue.end + offset]
                add_evidence(
                    record, "signal", cue.label, span.text, span.start_char, span.end_char, cue.rule
                )
        return doc


@Language.factory("tablewatch_signal", default_config={"rules_path": None})
def make_signal(nlp: Language, name: str, rules_path: str | None) -> SignalComponent:
    return SignalComponent(nlp, rules_path)
