"""``tablewatch_signal_model``: the committed trained pipeline, its disk format and its evidence."""

from __future__ import annotations

import datetime as dt
import re
import time
from pathlib import Path

import numpy as np
import pytest
import spacy

from kernel.labels import SIGNALS, TONES
from nlp.components.signal_model import (
    FEATURE_VERSION,
    MODEL_NAME,
    LinearModel,
    SignalModelComponent,
    decide,
    sentence_features,
)
from nlp.extensions import ensure_sentences, sentence_pairs
from nlp.pipeline import MODEL_DIR, build_pipeline

ARTICLE = (
    "Writers Reach Tentative Deal With Studios\n\n"
    "The Writers Guild of America and the studios reached a tentative agreement on Sunday night. "
    "Talks with the actors remain stalled, a source said. "
    "Negotiators will meet again on Tuesday."
)
RULE = re.compile(
    rf"^model:{MODEL_NAME}@(?P<version>\S+) p=(?P<p>[01]\.\d{{3}}) "
    r"rules=(?P<rule>\S+) (?P<verdict>agreed|overruled|kept)$"
)


def _label(nlp, text: str, published: str = "2023-09-25") -> list[dict]:
    doc = nlp.make_doc(text)
    doc._.tw_published = dt.date.fromisoformat(published)
    return ensure_sentences(nlp(doc))


def test_committed_pipeline_loads_with_spacy_load_and_labels_like_the_production_one(nlp) -> None:
    started = time.perf_counter()
    packaged = spacy.load(MODEL_DIR)
    assert MODEL_NAME in packaged.pipe_names
    assert (MODEL_DIR / "config.cfg").is_file()
    seconds = time.perf_counter() - started
    assert seconds < 60  # sanity only: the load time is measured in benchmarks/nlp_speed.py
    keys = ("signal", "signal_confidence", "tone", "tone_score")
    got = [{k: r[k] for k in keys} for r in _label(packaged, ARTICLE)]
    want = [{k: r[k] for k in keys} for r in _label(nlp, ARTICLE)]
    assert got == want


def test_every_sentence_gets_a_probability_and_a_known_label(nlp) -> None:
    records = _label(nlp, ARTICLE)
    assert len(records) == 4
    for r in records:
        assert 0.0 <= r["signal_confidence"] <= 1.0
        assert r["signal"] in SIGNALS and r["tone"] in TONES
        assert -1.0 <= r["tone_score"] <= 1.0
    # the model has learned the corpus' plain cases: a reached deal, a scheduled meeting
    assert records[1]["signal"] == "agreement"
    assert records[3]["signal"] == "scheduling"


def test_evidence_names_model_version_probability_and_the_rule_cue(nlp, rules_nlp) -> None:
    component = nlp.get_pipe(MODEL_NAME)
    rule_labels = [r["signal"] for r in _label(rules_nlp, ARTICLE)]
    for i, r in enumerate(_label(nlp, ARTICLE)):
        items = [e for e in r["evidence"] if e["rule"].startswith("model:")]
        assert [e["field"] for e in items] == ["signal", "tone"]
        match = RULE.match(items[0]["rule"])
        assert match, items[0]["rule"]
        assert match["version"] == component.version and re.fullmatch(
            r"\d+\.\d+\.\d+\+[0-9a-f]{8}", component.version
        )
        assert float(match["p"]) == pytest.approx(r["signal_confidence"], abs=6e-4)
        assert items[0]["label"] == r["signal"]
        # the rule label it agreed with or overruled is what the rules alone decided
        assert match["rule"] == rule_labels[i]
        assert (match["verdict"] == "agreed") == (match["rule"] == r["signal"])
        assert r["sentence"][: len(items[0]["text"])] == items[0]["text"]


def test_to_disk_from_disk_round_trip_gives_the_same_probabilities(nlp, tmp_path: Path) -> None:
    component = nlp.get_pipe(MODEL_NAME)
    component.to_disk(tmp_path / "m")
    fresh = SignalModelComponent(nlp).from_disk(tmp_path / "m")
    assert fresh.version == component.version and fresh.overrule_min == component.overrule_min
    doc = nlp.make_doc(ARTICLE)
    for name, proc in nlp.pipeline:
        if name != MODEL_NAME:
            doc = proc(doc)
    rows = sentence_features(doc, sentence_pairs(doc), component.groups)
    a, b = component.signal.proba(rows), fresh.signal.proba(rows)
    np.testing.assert_allclose(a, b, atol=1e-6)
    assert np.allclose(a.sum(axis=1), 1.0) and (a >= 0).all() and (a <= 1).all()


def test_weights_of_another_feature_version_are_refused(nlp, tmp_path: Path) -> None:
    component = nlp.get_pipe(MODEL_NAME)
    component.to_disk(tmp_path / "m")
    meta = (tmp_path / "m" / "meta.json").read_text()
    (tmp_path / "m" / "meta.json").write_text(
        meta.replace(f'"feature_version": {FEATURE_VERSION}', '"feature_version": 999')
    )
    with pytest.raises(ValueError, match="feature version 999"):
        SignalModelComponent(nlp).from_disk(tmp_path / "m")


def test_untrained_component_keeps_the_rule_labels(rules_nlp) -> None:
    want = [(r["signal"], r["tone"]) for r in _label(rules_nlp, ARTICLE)]
    rules = build_pipeline(learned=False)
    component = rules.add_pipe(MODEL_NAME, last=True)
    assert not component.trained
    records = _label(rules, ARTICLE)
    assert [(r["signal"], r["tone"]) for r in records] == want
    assert all(0 < r["signal_confidence"] < 1 for r in records)


def test_overrule_gate_keeps_the_rule_label_below_the_threshold() -> None:
    classes = ["agreement", "none", "progress"]
    proba = np.array([0.45, 0.15, 0.40])
    assert decide(classes, proba, "progress", 0.0) == 0  # the model decides
    assert decide(classes, proba, "progress", 0.5) == 2  # not sure enough: the rules stand
    assert decide(classes, proba, "agreement", 0.5) == 0  # agreement needs no gate


def test_linear_model_is_a_softmax_over_known_features() -> None:
    model = LinearModel(["a", "b"], ["x", "y"], np.array([[1.0, 0.0], [0.0, 1.0]]), np.zeros(2))
    p = model.proba([{"x": 2.0, "unseen": 5.0}, {}])
    assert p[0, 0] == pytest.approx(np.exp(2) / (np.exp(2) + 1))
    assert p[1].tolist() == [0.5, 0.5]


def test_training_is_reproducible_and_the_result_labels(rules_nlp, tmp_path: Path) -> None:
    """``nlp.train`` on a few sentences written for this test: the same data gives the same
    weights and version twice, and the fitted component, saved and loaded, decides with them."""
    from nlp.train import collect, fit, model_version

    written = [
        ("The union and the studios reached a tentative agreement.", "agreement", 1),
        ("Members ratified the new contract by a wide margin.", "agreement", 1),
        ("Talks collapsed after the company walked away.", "breakdown", -1),
        ("The sides remain far apart on wages.", "gap", -1),
        ("Negotiators will meet again on Thursday.", "scheduling", 0),
        ("Workers walked off the job at midnight.", "strike_action", -1),
        ("The company made a new offer that narrowed the gap.", "progress", 1),
        ("The guild was founded in 1933.", "none", 0),
    ]
    gold = [
        {"id": f"t{i}", "doc": f"d{i}", "sentence": text, "signal": sig, "tone": tone}
        for i, (text, sig, tone) in enumerate(written)
    ]
    examples = collect(rules_nlp, gold, {})
    first, again = fit(examples), fit(examples)
    assert model_version(*first) == model_version(*again)
    np.testing.assert_array_equal(first[0].coef, again[0].coef)
    nlp = build_pipeline(learned=False)
    component = nlp.add_pipe(MODEL_NAME, last=True)
    component.set_models(*first, model_version(*first))
    component.to_disk(tmp_path / "m")
    loaded = SignalModelComponent(nlp).from_disk(tmp_path / "m")
    assert loaded.version == model_version(*first)
    records = _label(nlp, written[0][0] + " " + written[4][0])
    assert [r["signal"] for r in records] == ["agreement", "scheduling"]
