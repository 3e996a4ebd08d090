"""The pipeline skeleton: component order, defaults, caching, version."""

from __future__ import annotations

import nlp as nlp_package
from nlp import pipeline


def test_components_run_in_contract_order(nlp) -> None:
    names = [
        p for p in nlp.pipe_names if p.startswith("tablewatch_") and p != "tablewatch_paragraphs"
    ]
    assert names == [f"tablewatch_{c}" for c in pipeline.COMPONENTS] + [pipeline.LEARNED]
    assert nlp.pipe_names.index("tablewatch_paragraphs") < nlp.pipe_names.index("parser")


def test_pipeline_without_signal_and_tone_keeps_their_defaults(monkeypatch) -> None:
    """Fields of a component that is not in the pipeline keep the contract's neutral defaults."""
    monkeypatch.setattr(pipeline, "COMPONENTS", ("parties", "negotiation"))
    built = pipeline.build_pipeline(learned=False)
    assert [p for p in built.pipe_names if p.startswith("tablewatch_")] == [
        "tablewatch_paragraphs",
        "tablewatch_parties",
        "tablewatch_negotiation",
    ]
    doc = built("SAG-AFTRA walked out.")
    record = doc._.tw_sentences[0]
    assert record["signal"] == "none" and record["tone"] == 0 and record["tone_score"] == 0.0


def test_load_pipeline_is_cached() -> None:
    assert pipeline.load_pipeline() is pipeline.load_pipeline()


def test_paragraph_breaks_end_sentences(label) -> None:
    records = label("Actors and studios meet Friday\n\nThe talks begin at noon.", "2023-10-05")
    assert [r["sentence"] for r in records] == [
        "Actors and studios meet Friday",
        "The talks begin at noon.",
    ]


def test_quote_split_by_the_parser_is_joined_back(label) -> None:
    records = label("\u201cWe got a deal!\u201d the union told members on Tuesday.", "2023-10-05")
    assert len(records) == 1


def test_version_changes_with_rule_files() -> None:
    assert nlp_package.NLP_VERSION.startswith(nlp_package.SEMVER + "+")


def test_lone_closing_quote_stays_with_its_sentence(label) -> None:
    text = 'The AMPTP said "this is the union\'s choice, not ours." The guild disagreed.'
    records = label(text, "2023-07-13")
    assert all(any(ch.isalnum() for ch in r["sentence"]) for r in records)
    assert records[-1]["sentence"] == "The guild disagreed."
    assert "".join(r["sentence"] for r in records).replace(" ", "") == text.replace(" ", "")


def test_punctuation_only_text_keeps_offsets(label) -> None:
    records = label("...", None)
    assert [r["sentence"] for r in records] == ["..."]
