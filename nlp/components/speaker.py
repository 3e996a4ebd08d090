"""``tablewatch_speaker``: whose words or stated position a sentence reports (guidelines, "Speaker").

Runs last, when ``parties`` (and ``negotiation``, which resolves "the union" in articles that name
no union) have filed every party mention as evidence with its character offsets, and walks the
sentences of a document in order, because attribution crosses sentences. The rules, in the order
they decide:

1. statement continuation: an unquoted first-person main clause ("We are ready ...") right after a
   speaker, or an unquoted "our" that is not the writer's ("our offer has been withdrawn", not
   "our sister publication"), is that speaker's statement printed in full;
2. attribution: an attribution verb ("said", "told", "announced", ...) outside quotation marks whose
   subject (or passive agent, "as laid out by X") names a party, an unnamed source with a side, a
   person seen speaking for a side, or a pronoun or "the statement" pointing back to the speaker
   just before; "according to X" and ``X: "..."`` work the same way;
3. quote continuation: a sentence that opens inside a quote (or with a quotation mark, or after a
   colon that introduced a statement) keeps the speaker just before; a quote whose attribution
   comes early in the next sentence takes that one (a backward pass);
4. position: a party is the subject of the main clause taking a position or making a move
   ("The studios rejected ...", "members voted to strike") or stating a stance ("Boeing had been
   hopeful ..."); a union's own people that name no party ("rank-and-file workers", "committee
   members") speak for the article's union; headlines skip this rule.

Round 3 (written from folds 0-3 and the guidelines): people introduced with a side anywhere in
the article ("Writers Guild negotiator Tom Reyes", "Reyes, the guild's negotiator") keep it when
later named by surname; what an unknown person reports is not the reported party's ("Reyes said
the AMPTP told ..."); attributions in relative clauses and clauses of time are background; a
speaker named after a trailing verb ("..., reported Reuters"); an outlet relaying a party's move
gives the party; "per X"; absolute "with" clauses and shares ("95% of members"); "they"/"it" (and
"he"/"she" with no speaker before) stand for the party just named as subject; could/might/may
moves are speculation; a headline's party before its colon; a party's document as subject or
frame ("in a letter to members, the guild laid out ..."); a closed quote is claimed only by an
attribution in its own paragraph.

Joint subjects ("both sides", "the union and the studios"), joint outcomes ("reached a tentative
agreement with") and unnamed sources with no side ("sources said", "according to Variety") give
``null``, as does everything else: the writer's narration. Lexicons live in
``nlp/config/speaker.yaml``; the evidence item names the rule and the cue.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span, Token

from kernel.errors import ConfigError
from kernel.labels import PARTIES
from nlp.extensions import add_evidence, register_extensions, sentence_pairs
from nlp.rules import load_rules, str_list

DEFAULT_RULES = "speaker.yaml"
OPEN_QUOTES = ("\u201c", "``")
CLOSE_QUOTES = ("\u201d", "''")
STRAIGHT = '"'
SUBJECT_DEPS = ("nsubj", "nsubjpass", "csubj", "expl")
#: a side of ``source_sides`` that stands for the article's union
UNION_SIDE = "union"
JOINT = "__joint__"
UNSIDED = "__unsided__"
#: a news outlet: unsided, but what it relays of a party's move is that party's (guidelines 4)
OUTLET = "__outlet__"
#: an attribution this close to the start of the next sentence ("..." / President X said ...)
#: claims the quote that ends the sentence before it
NEXT_ATTRIBUTION_TOKENS = 12
#: share of capitalised content words above which an unpunctuated line is a headline
HEADLINE_CAPS_SHARE = 0.7


def _speaker_of_span(span: Span) -> str | None:
    """``Span._.tw_speaker``: the speaker of the sentence record that holds the span's start."""
    records = span.doc._.tw_sentences or []
    for record in records:
        if record["start"] <= span.start_char < record["end"] or (
            span.start_char < record["start"] < span.end_char
        ):
            return record.get("speaker")
    return None


def register_speaker_extension() -> None:
    """Register ``Span._.tw_speaker`` (read from the sentence records); safe to call repeatedly."""
    register_extensions()
    if not Span.has_extension("tw_speaker"):
        Span.set_extension("tw_speaker", getter=_speaker_of_span)


class SpeakerComponent:
    """Sets ``speaker`` (a party label or None) on every sentence record, with evidence."""

    def __init__(self, nlp: Language, rules_path: str | Path | None = None) -> None:
        register_speaker_extension()
        rules = load_rules(rules_path, DEFAULT_RULES)
        where = f"speaker rules ({rules_path or DEFAULT_RULES})"

        def words(key: str) -> set[str]:
            return {w.lower() for w in str_list(rules.get(key), f"{where}: {key}")}

        self.attribution = words("attribution_verbs")
        self.quote_verbs = words("quote_verbs")
        self.position = words("position_verbs")
        self.joint_verbs = words("joint_verbs")
        self.non_heads = words("non_speaker_heads")
        self.pronouns = words("back_pronouns")
        self.first_person = words("first_person")
        self.back_nouns = words("back_nouns")
        self.member_heads = words("member_heads")
        self.stance_nouns = words("stance_nouns")
        self.raising = words("raising_verbs")
        self.union_heads = words("union_member_heads")
        self.stance_adjectives = words("stance_adjectives")
        self.first_person_any = words("first_person_any")
        self.writer_nouns = words("writer_nouns")
        self.affiliation_preps = words("affiliation_preps")
        self.background_deps = words("background_deps")
        self.share_heads = words("share_heads")
        self.hypothetical = words("hypothetical_modals")
        self.group_pronouns = words("group_pronouns")
        self.document_non_verbs = words("document_non_verbs")
        self.role_verbs = words("role_verbs")
        self.background_marks = words("background_marks")
        if not self.attribution:
            raise ConfigError(f"{where}: 'attribution_verbs' must not be empty")
        lookback = rules.get("lookback", 3)
        if not isinstance(lookback, int) or isinstance(lookback, bool) or lookback < 0:
            raise ConfigError(f"{where}: 'lookback' must be a non-negative integer")
        self.lookback = lookback
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        sides = rules.get("source_sides") or {}
        if not isinstance(sides, dict):
            raise ConfigError(f"{where}: 'source_sides' must map a side to phrases")
        for side, phrases in sides.items():
            if side != UNION_SIDE and side not in PARTIES:
                raise ConfigError(
                    f"{where}: source side {side!r} is not a party label or {UNION_SIDE!r}"
                )
            self._add(nlp, f"side:{side}", str_list(phrases, f"{where}: source_sides.{side}"))
        self._add(nlp, UNSIDED, str_list(rules.get("unsided_sources"), f"{where}: unsided_sources"))
        self._add(nlp, OUTLET, str_list(rules.get("outlets"), f"{where}: outlets"))
        self._add(nlp, JOINT, str_list(rules.get("joint_phrases"), f"{where}: joint_phrases"))

    def _add(self, nlp: Language, key: str, phrases: list[str]) -> None:
        if phrases:
            self.matcher.add(key, list(nlp.tokenizer.pipe(phrases)))

    # ------------------------------------------------------------------ per document
    def __call__(self, doc: Doc) -> Doc:
        pairs = sentence_pairs(doc)
        if not pairs:
            return doc
        source_at = self._source_at(doc)
        state = _DocState(self._party_at(doc, pairs), source_at)
        state.outlets = {i for i, label in source_at.items() if label == OUTLET}
        for i in state.outlets:
            source_at[i] = UNSIDED
        state.union = (doc._.tw_context or {}).get("union")
        state.people.update(self._affiliations(pairs, state))
        decisions: list[tuple[str | None, Token, str] | None] = []
        quote_flags: list[tuple[bool, bool, bool]] = []  # starts in quote, has quote, ends open
        in_quote = False
        prev_end = 0
        history_text: list[str] = []
        for _record, span in pairs:
            if "\n" in doc.text[prev_end : span.start_char]:
                in_quote = False  # a quote running on into a new paragraph opens again there
            prev_end = span.end_char
            quoted = _quoted_tokens(span, in_quote)
            starts_in = in_quote or _opens_with_quote(span)
            in_quote = _ends_open(span, in_quote)
            prev = quote_flags[-1] if quote_flags else (False, False, False)
            decision = (
                self._first_person(span, quoted, state)
                or self._attribution(span, quoted, state)
                or self._according(span, quoted, state)
                or self._colon(span, state)
            )
            spoke = bool(decisions) and decisions[-1] is not None and decisions[-1][2] in SPOKEN
            # a statement introduced with a colon ("SAG-AFTRA told members:") continues after it
            intro = spoke and bool(history_text) and history_text[-1].rstrip().endswith(":")
            if decision is None and (intro or (starts_in and (prev[1] or prev[0] or spoke))):
                prior = _recent(state.history, 1)
                if prior is not None:
                    decision = (prior, span[0], "speaker:quote_continuation")
            if decision is None and not _headline(span):
                decision = self._position(span, quoted, state)
            elif decision is not None and decision[0] == UNSIDED and not _headline(span):
                # "UAW presented a counter-proposal, Reuters reported": an outlet relaying a
                # party's move (guidelines, "Speaker" 4); "sources said" stays the writer's
                if any(t.i in state.outlets for t in span):
                    decision = self._position(span, quoted, state, _reported_root(decision[1]))
                    decision = decision or (UNSIDED, span[0], "speaker:attribution")
            decisions.append(decision)
            history_text.append(span.text)
            quote_flags.append((starts_in, bool(quoted) or starts_in, in_quote))
            state.history.append(_final(decision))
            state.prev_subject = self._main_subject(span, quoted, state)
            state.prev_parties = {state.party_at[t.i] for t in span if t.i in state.party_at}
        # a quote whose attribution comes in the next sentence ("... " / "...," she said.)
        for i in range(len(decisions) - 2, -1, -1):
            nxt = decisions[i + 1]
            if decisions[i] is not None or nxt is None or nxt[2] not in SPOKEN:
                continue
            label = _final(nxt)
            closes = _ends_with_quote(pairs[i][1])
            early = nxt[1].i - pairs[i + 1][1].start <= NEXT_ATTRIBUTION_TOKENS
            # a closed quote is claimed by an attribution in its own paragraph only: a new
            # paragraph opening "The AMPTP said ..." answers the quote, it does not attribute it
            between = doc.text[pairs[i][1].end_char : pairs[i + 1][1].start_char]
            early = early and "\n" not in between
            if label is not None and (
                (quote_flags[i][2] and quote_flags[i + 1][0]) or (closes and early)
            ):
                decisions[i] = (label, pairs[i][1][0], "speaker:quote_continuation")
        for (record, _span), decision in zip(pairs, decisions, strict=True):
            label = _final(decision)
            if decision is not None:
                cue = decision[1]
                add_evidence(
                    record,
                    "speaker",
                    label,
                    cue.text,
                    cue.idx,
                    cue.idx + len(cue.text),
                    decision[2],
                )
            record["speaker"] = label
        return doc

    def _affiliations(
        self, pairs: list[tuple[dict[str, Any], Span]], state: _DocState
    ) -> dict[str, str]:
        """Name -> side of every person the article introduces with an affiliation, wherever they
        speak: "Writers Guild negotiator Tom Reyes", "Reyes, the guild's chief negotiator",
        "the union's president, Tom Reyes", "Reyes of the Teamsters". A later "Reyes said" then
        speaks for that side even where the name is first seen speaking later in the article, or
        the introduction used another verb. A name given two sides is dropped."""
        found: dict[str, str | None] = {}
        for _record, span in pairs:
            for tok in span:
                if (
                    tok.pos_ != "PROPN"
                    or tok.i in state.party_at
                    or tok.dep_ in ("compound", "flat", "poss")
                    or not tok.text[:1].isupper()
                ):
                    continue
                label = self._affiliation(tok, state)
                if label is None:
                    continue
                key = tok.lower_
                found[key] = label if found.get(key, label) == label else None
        return {k: v for k, v in found.items() if v is not None}

    def _affiliation(self, name: Token, state: _DocState) -> str | None:
        """The one party a person's introduction gives them (titles before the name, an
        appositive, an "of X" tail, or a title the name is in apposition to), else None."""
        phrases: list[list[Token]] = []
        titles = [c for c in name.lefts if c.dep_ in ("compound", "amod", "nmod")]
        if titles:
            phrases.append([t for c in titles for t in c.subtree])
        for child in name.children:
            if child.dep_ == "appos":
                phrases.append(_title_tokens(child))
            elif child.dep_ == "prep" and child.lower_ in self.affiliation_preps:
                phrases.append(list(child.subtree))
        if name.dep_ == "appos" and name.head.lemma_.lower() in self.member_heads:
            phrases.append(_title_tokens(name.head))
        for tokens in phrases:
            tokens = [t for t in tokens if t.i != name.i]
            label = self._label_of(tokens, state, remember=False)
            if label is not None and label not in (JOINT, UNSIDED):
                return label
        return None

    def _party_at(self, doc: Doc, pairs: list[tuple[dict[str, Any], Span]]) -> dict[int, str]:
        """Token -> party label, from the parties' evidence (offsets into ``doc.text``)."""
        party_at: dict[int, str] = {}
        for record, _span in pairs:
            for item in record["evidence"]:
                if item["field"] != "parties":
                    continue
                span = doc.char_span(item["start"], item["end"], alignment_mode="expand")
                if span is not None:
                    for tok in span:
                        # a coalition naming a union and outsiders (Basic Crafts) speaks as the union
                        if party_at.get(tok.i) in (None, "other"):
                            party_at[tok.i] = item["label"]
        return party_at

    def _source_at(self, doc: Doc) -> dict[int, str]:
        """Token -> side of an unnamed source (or ``JOINT`` / ``UNSIDED``), from the lexicons."""
        union = (doc._.tw_context or {}).get("union")
        source_at: dict[int, str] = {}
        for match_id, start, end in self.matcher(doc):
            key = doc.vocab.strings[match_id]
            label = key
            if key.startswith("side:"):
                side = key[5:]
                label = union if side == UNION_SIDE else side
                if label is None:
                    continue
            for i in range(start, end):
                # a sided source wins over the words inside it ("studio source")
                if key.startswith("side:") or i not in source_at:
                    source_at[i] = label
        return source_at

    # ------------------------------------------------------------------ rules
    def _attribution(
        self, span: Span, quoted: set[int], state: _DocState
    ) -> tuple[str, Token, str] | None:
        """An attribution verb outside quotes whose subject speaks for a side (main clause first)."""
        quoting = bool(quoted) or _opens_with_quote(span)
        verbs = [
            t
            for t in span
            if t.i not in quoted
            and t.pos_ in ("VERB", "AUX")
            and (
                t.lemma_.lower() in self.attribution
                or (quoting and t.lemma_.lower() in self.quote_verbs)
            )
        ]
        verbs.sort(key=lambda t: (len(list(t.ancestors)), t.i))  # the main clause first
        unresolved: list[Token] = []
        for verb in verbs:
            if any(u in verb.ancestors for u in unresolved) or self._backgrounded(verb):
                # "Reyes said the AMPTP told members ...": what an unknown speaker reports is
                # still theirs, not the reported party's; "after the union announced ..." and
                # "what the AMPTP called ..." are the writer's background
                continue
            subject = _subject(verb)
            if any(c.dep_ in ("auxpass", "agent") for c in verb.children):
                # "as laid out by SAG-AFTRA": the agent speaks; "is expected to": nobody does
                agents = [g for a in verb.children if a.dep_ == "agent" for g in a.children]
                subject = next((g for g in agents if g.dep_ == "pobj"), None)
            if subject is None:
                subject = _inverted_subject(verb)
            if subject is None or subject.i in quoted or self._reported_by_first_person(verb):
                continue
            label = self._side_of(subject, state, attribution=True)
            if label is not None:
                return label, verb, "speaker:attribution"
            if subject.pos_ == "PRON" or (
                subject.text[:1].isupper() and not any(c.dep_ == "det" for c in subject.children)
            ):
                unresolved.append(verb)  # a person ("Reyes", "he"), not an outlet ("the Times")
        return None

    def _backgrounded(self, verb: Token) -> bool:
        """Whether a verb sits in a clause that backgrounds it: a relative or noun clause, a
        prepositional object, or an adverbial clause of time ("after the union announced ...")."""
        tok = verb
        while tok.dep_ != "ROOT" and tok.head is not tok:
            if tok.dep_ in self.background_deps and tok.head.lemma_.lower() not in self.back_nouns:
                return True  # "a letter that outlined ..." still reports the letter's words
            if tok.dep_ == "advcl" and any(
                c.dep_ == "mark" and c.lower_ in self.background_marks for c in tok.children
            ):
                return True
            tok = tok.head
        return False

    def _document_subject(self, verb: Token) -> bool:
        """Whether the verb's subject is a party's document ("the guild's memo laid out ...",
        "in a letter to members, the union set out ..."): what it does, its author says."""
        if verb.lemma_.lower() in self.document_non_verbs:
            return False  # "the statement ran to four pages": about the document, not its words
        subject = _subject(verb)
        if subject is not None and subject.lemma_.lower() in self.back_nouns:
            return True
        return any(
            prep.dep_ == "prep"
            and prep.lower_ == "in"
            and any(o.dep_ == "pobj" and o.lemma_.lower() in self.back_nouns for o in prep.children)
            for prep in verb.children
        )

    def _main_subject(self, span: Span, quoted: set[int], state: _DocState) -> str | None:
        """The side (or ``JOINT``) the main clause's subject names, for a "they" or "it" next."""
        root = span.root
        subject = next((c for c in root.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        if subject is None or subject.i in quoted or subject.pos_ == "PRON":
            return None
        if subject.lemma_.lower() in self.non_heads:
            return None
        label = self._side_of(subject, state, attribution=False)
        return None if label == UNSIDED else label

    def _reported_by_first_person(self, verb: Token) -> bool:
        """ "we are pleased to confirm the executives have asked us": the "we" is the speaker."""
        for head in verb.ancestors:
            for child in head.children:
                if child.dep_ == "nsubj" and child.lower_ in self.first_person:
                    return True
        return False

    def _according(
        self, span: Span, quoted: set[int], state: _DocState
    ) -> tuple[str, Token, str] | None:
        """ "according to X" (or "per X"): X's side (an outlet or unsided source gives
        ``UNSIDED``)."""
        for tok in span:
            if tok.i in quoted:
                continue
            if tok.lower_ == "per" and tok.dep_ == "prep":
                objs = [c for c in tok.children if c.dep_ == "pobj"]
                label = self._side_of(objs[0], state, attribution=True) if objs else None
                if label is not None:
                    return label, tok, "speaker:according_to"
                continue
            if tok.lower_ != "according":
                continue
            nxt = tok.doc[tok.i + 1] if tok.i + 1 < len(tok.doc) else None
            if nxt is None or nxt.lower_ != "to":
                continue
            objs = [c for c in nxt.children if c.dep_ == "pobj"]
            if objs:
                label = self._side_of(objs[0], state, attribution=True)
            else:
                label = self._label_of(list(tok.doc[nxt.i + 1 : min(span.end, nxt.i + 7)]), state)
            if label is not None:
                return label, tok, "speaker:according_to"
        return None

    def _colon(self, span: Span, state: _DocState) -> tuple[str, Token, str] | None:
        """``SAG-AFTRA: "..."``: a party name, a colon, then a quote; or a headline's speaker
        before its colon (``SAG-AFTRA: Studios Walk Away``), where nothing but the name comes
        before the colon."""
        for tok in span[:6]:
            if tok.text == ":":
                before = range(span.start, tok.i)
                labels = {state.party_at[i] for i in before if i in state.party_at}
                if len(labels) != 1:
                    return None
                after = tok.doc[tok.i + 1].text if tok.i + 1 < span.end else ""
                if after and (after in OPEN_QUOTES or after[0] in '"\u201c'):
                    return labels.pop(), tok, "speaker:colon_quote"
                name_only = all(
                    i in state.party_at or tok.doc[i].is_punct or tok.doc[i].lower_ == "the"
                    for i in before
                )
                newline = "\n" in tok.doc.text[tok.idx : tok.idx + 3] or tok.i + 1 == span.end
                if before and name_only and (newline or _headline(span)):
                    return labels.pop(), tok, "speaker:colon_headline"
                return None
        return None

    def _first_person(
        self, span: Span, quoted: set[int], state: _DocState
    ) -> tuple[str, Token, str] | None:
        """An unquoted first-person sentence right after a speaker: a statement printed in full."""
        prior = _recent(state.history, self.lookback)
        if prior is None:
            return None
        for tok in span:
            if tok.i in quoted or tok.pos_ != "PRON":
                continue
            if (
                tok.lower_ in self.first_person
                and tok.dep_ in ("nsubj", "nsubjpass")
                and tok.head.dep_ in ("ROOT", "advcl", "conj", "ccomp")
            ):
                return prior, tok, "speaker:statement_continuation"
            # "our offer has been withdrawn", "Carol informed us": the first person of a
            # statement printed in full need not be the subject
            if tok.lower_ in self.first_person_any and not self._writers_own(tok.head):
                return prior, tok, "speaker:statement_continuation"
        return None

    def _writers_own(self, noun: Token) -> bool:
        """ "our sister publication Variety", "our reporting": the writer's first person."""
        phrase = [noun, *(c for c in noun.children if c.dep_ in ("compound", "amod", "appos"))]
        return any(t.lower_ in self.writer_nouns for t in phrase)

    def _position(
        self, span: Span, quoted: set[int], state: _DocState, root: Token | None = None
    ) -> tuple[str, Token, str] | None:
        """A party as subject of the main clause (or its conjuncts) with a position verb
        (``root``: the clause an outlet reports, when the outlet's verb is the main one)."""
        root = span.root if root is None else root
        if root.i in quoted:
            return None
        verbs = [root, *[c for c in root.children if c.dep_ == "conj" and c.pos_ == "VERB"]]
        # "SAG-AFTRA is poised to deliver its response": the move is in the complement
        verbs += [
            c
            for c in root.children
            if root.lemma_.lower() in self.raising
            and c.dep_ == "xcomp"
            and c.pos_ == "VERB"
            and c.lemma_.lower() in self.position
            and not any(g.dep_ in SUBJECT_DEPS for g in c.children)
        ]
        # "talks collapsed, with the studios walking away" / "with 91% of members voting": the
        # move of an absolute "with" clause, after the main clause's own subject
        for prep in root.children:
            if prep.dep_ == "prep" and prep.lower_ == "with":
                verbs += [c for c in prep.children if c.dep_ == "pcomp" and c.pos_ == "VERB"]
                verbs += [
                    a
                    for o in prep.children
                    if o.dep_ == "pobj"
                    for g in (
                        o,
                        *(t for p2 in o.children if p2.dep_ == "prep" for t in p2.children),
                    )
                    for a in g.children
                    if a.dep_ == "acl" and a.pos_ == "VERB" and a.tag_ == "VBG"
                ]
        # "Boeing had been hopeful ...", "the committee is determined to ...": a stance stated
        stance = root.lemma_.lower() == "be" and any(
            c.dep_ == "acomp" and c.lemma_.lower() in self.stance_adjectives for c in root.children
        )
        joint_hit: tuple[str, Token, str] | None = None
        for verb in verbs:
            lemma = verb.lemma_.lower()
            if stance and verb is root:
                subject = _subject(verb)
                if subject is not None and subject.i not in quoted:
                    label = self._side_of(subject, state, attribution=False)
                    if label is not None and label not in (JOINT, UNSIDED):
                        return label, verb, "speaker:position_subject"
                continue
            joint = lemma in self.joint_verbs
            if joint and lemma == "agree" and any(c.dep_ == "xcomp" for c in verb.children):
                joint = False  # "agreed to extend the contract" is a move, not a joint outcome
            document = self._document_subject(verb)
            if not joint and lemma not in self.position and not document:
                continue
            if any(c.dep_ == "aux" and c.lower_ in self.hypothetical for c in verb.children):
                continue  # "the union could call a strike vote": the writer's speculation
            subject = _subject(verb) or (_subject(verb.head) if verb.dep_ == "xcomp" else None)
            if verb.dep_ == "acl" and subject is None:
                subject = verb.head  # "members voting": the noun the -ing clause hangs on
            passive = any(c.dep_ == "auxpass" for c in verb.children)
            if passive:
                agents = [c for c in verb.children if c.dep_ == "agent"]
                objs = [g for a in agents for g in a.children if g.dep_ == "pobj"]
                subject = objs[0] if objs else None
            if subject is None or subject.i in quoted:
                continue
            if subject.lemma_.lower() in self.non_heads or subject.lower_ == "it":
                continue
            label = self._side_of(subject, state, attribution=False)
            if label is None or label == UNSIDED:
                continue
            for other in verb.children:
                # a subject the parser split in two ("negotiators for SAG-AFTRA and the
                # Alliance ... will head back"): two sides are a joint move
                if other.dep_ == "nsubj" and other is not subject:
                    more = self._side_of(other, state, attribution=False)
                    if more not in (None, UNSIDED, label):
                        return JOINT, verb, "speaker:joint_outcome"
            if joint:
                joint_hit = joint_hit or (JOINT, verb, "speaker:joint_outcome")
                continue
            return label, verb, "speaker:position_subject"
        return joint_hit

    # ------------------------------------------------------------------ helpers
    def _side_of(self, subject: Token, state: _DocState, attribution: bool) -> str | None:
        """The side a subject phrase speaks for, ``JOINT``/``UNSIDED``, or None (no party)."""
        if subject.pos_ == "PRON" and subject.lower_ in self.pronouns:
            after_word = subject.i > 0 and subject.doc[subject.i - 1].is_alpha
            if subject.text[0].isupper() and after_word and subject.lower_ != "i":
                return None  # "What They're Saying": a title-case subhead points back to nobody
            if subject.lower_ in self.group_pronouns and state.prev_subject is not None:
                # "The Teamsters opened talks Monday. They are seeking ...": the party just
                # named as subject, even where another side spoke before it
                return state.prev_subject
            if subject.lower_ == "it" and not attribution:
                return None
            recent = _recent(state.history, self.lookback)
            if recent is None and state.prev_subject not in (None, JOINT):
                # "Writers Guild negotiator Tom Reyes met reporters. He said ...": the person
                # just named as subject, when nobody spoke before
                return state.prev_subject
            if recent is None and subject.lower_ in self.group_pronouns:
                # "... Netflix's Ted Sarandos, Disney's Bob Iger ... They sat back down with the
                # union": the one side the sentence before names
                others = state.prev_parties - {"other"}
                if len(others) == 1:
                    return next(iter(others))
            return recent
        if subject.lower_ in ("who", "that", "which") and subject.head.dep_ == "relcl":
            subject = subject.head.head
        if subject.lemma_.lower() in self.share_heads or subject.pos_ == "NUM":
            # "95% of all members", "a majority of the board": the group the share is of
            groups = [g for c in subject.children if c.lower_ == "of" for g in c.children]
            subject = next((g for g in groups if g.dep_ == "pobj"), subject)
        if attribution and subject.lemma_.lower() in self.back_nouns:
            own = self._label_of(_name_tokens(subject, deep=True), state)
            if own is not None:
                return own
            return _recent(state.history, self.lookback)
        lemma = subject.lemma_.lower()
        member = lemma in self.member_heads or lemma in self.stance_nouns
        for tier in _subject_tiers(subject, attribution or member, self.role_verbs):
            label = self._label_of(tier, state)
            if label == UNSIDED and state.sided_source and subject.lower_ in ("insider", "source"):
                if any(c.lower_ == "the" for c in subject.children):
                    return state.sided_source  # "the insider" after "a studio insider"
            if label is not None:
                if subject.pos_ == "PROPN" and subject.i not in state.party_at:
                    if label not in (JOINT, UNSIDED):
                        state.people[subject.lower_] = label
                return label
        if subject.text[:1].isupper() and subject.lower_ in state.people:
            # the tagger may tag a bare surname ("Reyes said") NOUN: the name is what counts
            return state.people[subject.lower_]
        if lemma in self.union_heads or subject.lower_ in self.union_heads:
            # "rank-and-file workers", "committee members": a union's own people, in an article
            # about that union, naming no party themselves
            return state.union
        return None

    def _label_of(self, tokens: list[Token], state: _DocState, remember: bool = True) -> str | None:
        """One side for a phrase: a sided source wins, two parties are joint, else its one party
        (``remember``: a sided source is kept for a later "the insider")."""
        source_at, party_at = state.source_at, state.party_at
        sided = {source_at[t.i] for t in tokens if source_at.get(t.i) not in (None, UNSIDED, JOINT)}
        if len(sided) == 1:
            side = next(iter(sided))
            if remember:
                state.sided_source = side
            return side
        if any(source_at.get(t.i) == JOINT for t in tokens):
            return JOINT
        labels = {party_at[t.i] for t in tokens if t.i in party_at}
        if len(labels) == 1:
            return labels.pop()
        if len(labels) > 1:
            return JOINT
        if any(source_at.get(t.i) == UNSIDED for t in tokens):
            return UNSIDED
        return None


class _DocState:
    """What the rules remember while walking one document's sentences in order."""

    def __init__(self, party_at: dict[int, str], source_at: dict[int, str]) -> None:
        self.party_at = party_at
        self.source_at = source_at
        self.history: list[str | None] = []  # speaker of each earlier sentence
        self.people: dict[str, str] = {}  # a person's name -> the side it was seen speaking for
        self.outlets: set[int] = set()  # tokens of a news outlet's name
        self.prev_subject: str | None = None  # side the last sentence's main subject named
        self.prev_parties: set[str] = set()  # parties the last sentence mentions
        self.sided_source: str | None = None  # side of the last unnamed source that had one
        self.union: str | None = None  # the article's union (parties component, tw_context)


#: rules whose sentence reports words spoken or written (a quote next to it is theirs)
SPOKEN = (
    "speaker:attribution",
    "speaker:according_to",
    "speaker:colon_quote",
    "speaker:colon_headline",
    "speaker:quote_continuation",
    "speaker:statement_continuation",
)


def _headline(span: Span) -> bool:
    """A headline (no closing punctuation, mostly capitalised words) takes no position rule."""
    if span[-1].text in (".", "!", "?", '"', "\u201d", ":"):
        return False
    words = [t for t in span if t.is_alpha and not t.is_stop]
    return (
        len(words) >= 3
        and sum(t.text[0].isupper() for t in words) / len(words) >= HEADLINE_CAPS_SHARE
    )


def _ends_with_quote(span: Span) -> bool:
    tail = span.text.rstrip()
    return bool(tail) and (tail[-1] in '"\u201d' or tail.endswith("''") or tail.endswith(",\u201d"))


def _inverted_subject(verb: Token) -> Token | None:
    """The speaker named after a trailing attribution verb the parser left without a subject
    ("..., reported Reuters.", "..., said Tom Reyes, the guild's negotiator."): the first noun
    after the verb, when a comma or a quotation mark comes right before the verb."""
    if verb.i == 0 or verb.doc[verb.i - 1].text not in (",", *CLOSE_QUOTES, STRAIGHT):
        return None
    for child in verb.rights:
        if child.dep_ in ("dobj", "attr", "npadvmod", "nsubj", "appos") and child.pos_ in (
            "PROPN",
            "NOUN",
        ):
            return child
    return None


def _reported_root(cue: Token) -> Token:
    """The clause an attribution reports: the complement of "Reuters reported (that) ...", or the
    main clause itself when the outlet comes after it ("..., Reuters reported")."""
    if cue.dep_ == "ROOT":
        for child in cue.children:
            if child.dep_ in ("ccomp", "xcomp") and child.pos_ in ("VERB", "AUX"):
                return child
    return cue.sent.root


def _final(decision: tuple[str | None, Token, str] | None) -> str | None:
    if decision is None or decision[0] in (JOINT, UNSIDED):
        return None
    return decision[0]


def _name_tokens(head: Token, deep: bool = False) -> list[Token]:
    """The head with its compounds, possessives, modifiers and conjuncts (``deep``: whole subtree)."""
    if deep:
        return list(head.subtree)
    out = [head]
    for child in head.children:
        if child.dep_ in ("compound", "poss", "amod", "nmod", "conj", "cc", "det", "flat"):
            out.extend(child.subtree)
    return out


def _title_tokens(head: Token) -> list[Token]:
    """A title phrase without its clauses: "the guild's chief negotiator" (and "for the guild"),
    not "who has sparred with the studios"."""
    out = _name_tokens(head)
    for child in head.children:
        if child.dep_ == "prep" and child.lower_ in ("for", "of", "at", "from"):
            out.extend(child.subtree)
    return out


def _subject_tiers(
    subject: Token, attribution: bool, roles: set[str] | frozenset[str] = frozenset()
) -> list[list[Token]]:
    """Where a subject names its side, most telling first: its name, an apposition, a "for X" tail,
    a relative clause of a role ("who leads the union's team", ``roles``; not "who met the
    studios", whose object is the other side)."""
    tiers = [_name_tokens(subject)]
    appos = [c for c in subject.children if c.dep_ == "appos"]
    if appos:
        tiers.append([t for a in appos for t in a.subtree])
    if attribution:
        tails = [
            c
            for c in subject.children
            if (c.dep_ == "prep" and c.lower_ in ("for", "of", "from", "at", "with"))
            or c.dep_ == "acl"
            or (c.dep_ == "relcl" and c.lemma_.lower() in roles)
        ]
        if tails:
            tiers.append([t for p in tails for t in p.subtree])
    return tiers


def _quoted_tokens(span: Span, in_quote: bool) -> set[int]:
    """Token indices inside quotation marks (``in_quote``: the sentence opens inside one)."""
    inside = in_quote
    out: set[int] = set()
    for tok in span:
        text = tok.text
        if text in OPEN_QUOTES or (text == STRAIGHT and not inside):
            inside = True
            continue
        if text in CLOSE_QUOTES or text == STRAIGHT:
            inside = False
            continue
        if inside:
            out.add(tok.i)
    return out


def _subject(verb: Token) -> Token | None:
    for child in verb.children:
        if child.dep_ in SUBJECT_DEPS:
            return child
    # a verb in a conjunction shares its head's subject ("... and told members")
    if verb.dep_ == "conj" and verb.head.pos_ in ("VERB", "AUX"):
        return _subject(verb.head)
    return None


def _recent(history: list[str | None], lookback: int) -> str | None:
    for label in reversed(history[-lookback:] if lookback else []):
        if label is not None:
            return label
    return None


def _opens_with_quote(span: Span) -> bool:
    first = span.text.lstrip("-\u2013\u2014 ")[:2]
    return bool(first) and (first[0] in '"\u201c' or first == "``")


def _ends_open(span: Span, in_quote: bool) -> bool:
    """Whether a quote is still open after the sentence (multi-sentence quotes)."""
    inside = in_quote
    for tok in span:
        if tok.text in OPEN_QUOTES:
            inside = True
        elif tok.text in CLOSE_QUOTES:
            inside = False
        elif tok.text == STRAIGHT:
            inside = not inside
    return inside


@Language.factory("tablewatch_speaker", default_config={"rules_path": None})
def make_speaker(nlp: Language, name: str, rules_path: str | None) -> SpeakerComponent:
    return SpeakerComponent(nlp, rules_path)


__all__ = ["SpeakerComponent", "make_speaker", "register_speaker_extension"]
