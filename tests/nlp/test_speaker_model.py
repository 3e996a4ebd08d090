"""``tablewatch_speaker_model``: the candidate features, the fit, the decision, disk format, evidence.

The layer is not in the production pipeline (it scored below the rules in grouped
cross-validation, benchmarks/RESULTS.md), so these tests fit it on our own labelled sentences
(``speaker_sentences.jsonl``, written by the team) and run it after the rule components.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import numpy as np
import pytest

from kernel.labels import PARTIES
from nlp.components.signal_model import LinearModel
from nlp.components.speaker_model import (
    FEATURE_VERSION,
    MODEL_NAME,
    Lexicons,
    SpeakerModelComponent,
    candidate_features,
)
from nlp.extensions import ensure_sentences, sentence_pairs
from nlp.train import Example, fit_speaker, predict_speaker

CASES_FILE = Path(__file__).resolve().parent / "speaker_sentences.jsonl"
CASES = [json.loads(line) for line in CASES_FILE.read_text(encoding="utf-8").splitlines() if line]
RULE = re.compile(
    rf"^model:{MODEL_NAME}@test p=(?P<p>[01]\.\d{{3}}) "
    r"rules=(?P<rule>\S+) (?P<verdict>agreed|overruled)$"
)


def _doc(nlp, text: str, published: str = "2026-03-04"):
    doc = nlp.make_doc(text)
    doc._.tw_published = dt.date.fromisoformat(published)
    return nlp(doc)


def _examples(rules_nlp) -> list[Example]:
    """Our labelled cases as training examples: each sentence's candidates and its gold speaker."""
    lex = Lexicons()
    out = []
    for case in CASES:
        doc = _doc(rules_nlp, case["text"], case["published"])
        pairs = sentence_pairs(doc)
        assert len(pairs) == len(case["speakers"]), case["id"]
        for (record, _), cands, gold in zip(
            pairs, candidate_features(doc, pairs, lex), case["speakers"], strict=True
        ):
            out.append(Example({"speaker": gold}, {}, "none", 0, cands, record["speaker"]))
    return out


@pytest.fixture(scope="module")
def fitted(rules_nlp) -> LinearModel:
    return fit_speaker(_examples(rules_nlp), c=1.0)


def test_the_gold_speaker_is_almost_always_a_candidate(rules_nlp) -> None:
    examples = _examples(rules_nlp)
    covered = [any(p == e.gold["speaker"] for p, _ in e.candidates) for e in examples]
    assert all(covered)  # our cases name or quote every speaker they have
    assert all(e.candidates[0][0] is None for e in examples)  # the writer is always offered
    for e in examples:
        assert all(p is None or p in PARTIES for p, _ in e.candidates)


def test_candidate_features_do_not_depend_on_which_party_it_is(rules_nlp) -> None:
    """Weights learned for one union serve any: the same sentence about another union gives the
    same features to that union's candidate."""
    lex = Lexicons()

    def feats(text: str) -> dict:
        doc = _doc(rules_nlp, text)
        return dict(candidate_features(doc, sentence_pairs(doc), lex)[0])

    wga = feats("The Writers Guild of America rejected the studios' latest offer on Monday.")
    dga = feats("The Directors Guild of America rejected the studios' latest offer on Monday.")
    assert set(wga) == {None, "wga", "studios"} and set(dga) == {None, "dga", "studios"}
    assert wga["wga"] == dga["dga"] and wga[None] == dga[None]
    assert wga["wga"]["c:main_subject"] == 1.0 and "c:main_subject" not in wga["studios"]


def test_a_layer_fitted_on_our_cases_learns_them(rules_nlp, fitted) -> None:
    examples = _examples(rules_nlp)
    pred = predict_speaker(fitted, examples)
    hits = sum(p == e.gold["speaker"] for p, e in zip(pred, examples, strict=True))
    assert hits >= 0.9 * len(examples)
    # a quoted speaker and the writer's narration both come out of the same weights
    assert {"wga", None} <= set(pred)


def test_the_component_sets_speaker_and_puts_its_decision_before_the_rule_cue(
    rules_nlp, fitted
) -> None:
    component = SpeakerModelComponent(rules_nlp)
    component.set_model(fitted, "test")
    case = CASES[0]  # a quote, its continuation, then narration
    doc = component(_doc(rules_nlp, case["text"], case["published"]))
    records = ensure_sentences(doc)
    assert [r["speaker"] for r in records] == case["speakers"]
    for record in records:
        items = [e for e in record["evidence"] if e["field"] == "speaker"]
        if record["speaker"] is None:
            continue
        match = RULE.match(items[0]["rule"])
        assert match, items[0]["rule"]
        assert items[0]["label"] == record["speaker"] and 0 <= float(match["p"]) <= 1
        assert case["text"][items[0]["start"] : items[0]["end"]] == items[0]["text"]
        assert [e["rule"].split(":")[0] for e in items[1:]] == ["speaker"]  # the rule cue follows


def test_weights_round_trip_through_disk_and_another_feature_version_is_refused(
    rules_nlp, fitted, tmp_path: Path
) -> None:
    trained = SpeakerModelComponent(rules_nlp)
    trained.set_model(fitted, "test")
    trained.to_disk(tmp_path / "m")
    loaded = SpeakerModelComponent(rules_nlp).from_disk(tmp_path / "m")
    assert loaded.version == "test" and loaded.model is not None
    assert loaded.model.features == fitted.features and loaded.model.classes == [False, True]
    assert np.allclose(loaded.model.coef, fitted.coef)
    text = CASES[8]["text"]
    doc_a = trained(_doc(rules_nlp, text))
    doc_b = loaded(_doc(rules_nlp, text))
    assert [r["speaker"] for r in doc_a._.tw_sentences] == [
        r["speaker"] for r in doc_b._.tw_sentences
    ]
    meta = (tmp_path / "m" / "meta.json").read_text()
    (tmp_path / "m" / "meta.json").write_text(
        meta.replace(f'"feature_version": {FEATURE_VERSION}', '"feature_version": 0')
    )
    with pytest.raises(ValueError, match="make train"):
        SpeakerModelComponent(rules_nlp).from_disk(tmp_path / "m")


def test_an_untrained_layer_leaves_the_rules_speaker(rules_nlp) -> None:
    doc = _doc(rules_nlp, CASES[8]["text"])
    before = [r["speaker"] for r in ensure_sentences(doc)]
    assert before == CASES[8]["speakers"]
    SpeakerModelComponent(rules_nlp)(doc)
    assert [r["speaker"] for r in ensure_sentences(doc)] == before


def test_the_writer_wins_when_the_weights_say_so(rules_nlp) -> None:
    """The decision is the weights' argmax over the candidates: weights that only reward the
    writer's candidate turn every sentence to null, the rules' picks included, and say so."""
    doc = _doc(rules_nlp, CASES[8]["text"])
    assert all(r["speaker"] for r in ensure_sentences(doc))
    component = SpeakerModelComponent(rules_nlp)
    writer = LinearModel([False, True], ["n:bias"], np.array([[-5.0], [5.0]]), np.zeros(2))
    component.set_model(writer, "test")
    component(doc)
    records = ensure_sentences(doc)
    assert [r["speaker"] for r in records] == [None] * len(records)
    for record in records:
        first = next(e for e in record["evidence"] if e["field"] == "speaker")
        assert first["label"] is None and first["rule"].endswith("overruled")
