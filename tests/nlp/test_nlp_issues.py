"""Issues: only when the sentence names the issue; the matched span is kept as evidence."""

from __future__ import annotations

import pytest

CASES = [
    ("The union wants a bigger share of streaming revenue.", ["streaming_residuals"]),
    ("Residual payments for reruns have shrunk.", ["streaming_residuals"]),
    ("Performers want consent before any digital replica is made.", ["ai"]),
    ("Artificial intelligence and minimum wage increases top the list.", ["ai", "wages"]),
    ("The offer includes an 11% general wage increase.", ["wages"]),
    ("The health plan and the pension fund need more money.", ["health_pension"]),
    ("Crews want longer rest periods and safer sets.", ["working_conditions"]),
    ("Self-taped auditions are a burden for actors.", ["working_conditions"]),
    ("Automation at the ports threatens jobs.", ["staffing_jobs"]),
    ("The guild wants minimum staffing of writers' rooms.", ["staffing_jobs"]),
    ("Streamers refuse to share viewership data with writers.", ["transparency"]),
    ("The studios' offer was not enough.", []),
    ("The Wage Scale Delegates met in New Jersey.", []),
    ("Talks lasted for several hours on Tuesday.", []),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_issues_per_sentence(label, text: str, expected: list[str]) -> None:
    (record,) = label(text, "2023-10-05")
    assert sorted(record["issues"]) == sorted(expected)


def test_issue_evidence_names_the_matched_span(label) -> None:
    text = "Both sides remain apart on AI protections."
    (record,) = label(text, "2023-10-05")
    (item,) = [e for e in record["evidence"] if e["field"] == "issues"]
    assert item["label"] == "ai"
    assert text[item["start"] : item["end"]] == item["text"] == "AI protections"
    assert item["rule"] == "issues:lexicon"


def test_issue_is_not_carried_to_the_next_sentence(label) -> None:
    records = label("Residuals are the main fight. The studios said no.", "2023-10-05")
    assert records[0]["issues"] == ["streaming_residuals"]
    assert records[1]["issues"] == []
