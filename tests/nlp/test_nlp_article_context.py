"""Fields that read their article: the article's negotiation, both sides at the table, anchored
dates on undated pages (issue 19). Sentences written for these tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from nlp.components.dates import resolve_dates


def _by_text(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["sentence"]: r for r in records}


def test_a_union_shared_with_the_articles_negotiation_does_not_switch_it(label) -> None:
    records = label(
        "The video game strike is over after game companies and performers reached a deal. "
        "SAG-AFTRA's national board will review the agreement next week. "
        "The companies promised consent rules for digital replicas.",
        None,
    )
    assert [r["negotiation"] for r in records] == ["sag_aftra_videogame_2024"] * 3


def test_a_negotiation_named_only_in_a_background_clause_leaves_the_sentence(label) -> None:
    records = label(
        "SAG-AFTRA and the studios agreed to extend their contract talks. "
        "The extension comes two weeks after the AMPTP reached a deal with the Directors Guild.",
        "2023-06-30",
    )
    assert [r["negotiation"] for r in records] == ["sag_aftra_tv_2023", "sag_aftra_tv_2023"]


def test_a_rival_negotiation_in_the_main_clause_still_wins(label) -> None:
    records = label(
        "SAG-AFTRA and the studios agreed to extend their contract talks. "
        "The Directors Guild ratified its own deal on Friday.",
        "2023-06-30",
    )
    assert records[1]["negotiation"] == "dga_2023"


def test_undated_page_is_not_ruled_by_a_date_of_another_contract(label) -> None:
    records = label(
        "SAG-AFTRA members ratified the deal that ended the 118-day strike. "
        "The contract expires June 30, 2026, the union said.",
        None,
    )
    assert [r["negotiation"] for r in records] == ["sag_aftra_tv_2023", "sag_aftra_tv_2023"]


def test_both_sides_are_the_union_and_its_employer_side(label) -> None:
    records = _by_text(
        label(
            "SAG-AFTRA returned to the table on Monday. Both sides said the session was useful.",
            "2023-10-03",
        )
    )
    assert sorted(records["Both sides said the session was useful."]["parties"]) == [
        "amptp",
        "sag_aftra",
    ]
    records = _by_text(
        label(
            "Dockworkers and the ILA were back at work. The two parties will meet in January.",
            "2024-10-05",
        )
    )
    assert sorted(records["The two parties will meet in January."]["parties"]) == ["ila", "other"]


def test_a_room_and_an_appositive_name_no_party(label) -> None:
    (record,) = label("The writers want to protect the writers room from cuts.", "2023-08-12")
    assert record["parties"] == ["wga"]
    (record,) = label("The AMPTP, which represents the studios, sent a reply.", "2023-08-12")
    assert record["parties"] == ["amptp"]


def test_photo_credit_is_about_no_negotiation(label) -> None:
    records = label(
        "SAG-AFTRA members picketed outside the studio gates.\n\n(Jane Roe/AFP via Getty Images)",
        "2023-10-29",
    )
    assert [r["negotiation"] for r in records] == ["sag_aftra_tv_2023", None]


def test_weekday_on_an_undated_page_is_anchored_on_a_date_in_its_sentence(label) -> None:
    (record,) = label(
        "On Wednesday, November 8, SAG-AFTRA said its strike would end at midnight on Thursday.",
        None,
    )
    assert [(d["text"], d["value"]) for d in record["dates"]] == [
        ("Wednesday, November 8", "2023-11-08"),
        ("Thursday", "2023-11-09"),
    ]


def test_weeks_ago_counts_back_whole_weeks(nlp) -> None:
    doc = nlp.make_doc("The union walked out one week ago.")
    doc = nlp(doc)
    (sent,) = list(doc.sents)
    values = [d["value"] for d in resolve_dates(sent, dt.date(2023, 10, 20))]
    assert values == ["2023-10-13"]


def test_pay_as_a_noun_is_wages_not_as_a_verb(label) -> None:
    (record,) = label("The dispute over pay and AI protections continues.", "2023-10-10")
    assert sorted(record["issues"]) == ["ai", "wages"]
    (record,) = label("Streamers will pay residuals on hit shows.", "2023-10-10")
    assert record["issues"] == ["streaming_residuals"]
