"""Parties: names, aliases, leaders and generic mentions map to the guideline labels."""

from __future__ import annotations

import pytest

CASES = [
    ("Fran Drescher met Carol Lombardini on Tuesday.", {"sag_aftra", "amptp"}),
    ("Duncan Crabtree-Ireland criticised the Alliance.", {"sag_aftra", "amptp"}),
    ("Netflix and Warner Bros. Discovery chief David Zaslav joined the call.", {"studios"}),
    ("Disney's Bob Iger said the studios want a fair deal.", {"studios"}),
    ("Studio negotiators left the room.", {"amptp"}),
    ("Hollywood companies pushed back.", {"studios"}),
    ("The writers picketed outside Paramount.", {"wga", "studios"}),
    ("The WGA and the Directors Guild issued statements.", {"wga", "dga"}),
    ("IATSE president Matthew Loeb thanked the crews.", {"iatse"}),
    ("Shawn Fain said the automakers can afford it.", {"uaw", "studios"}),
    ("Dockworkers of the ILA walked out at every port.", {"ila"}),
    ("Boeing machinists rejected the offer.", {"iam", "studios"}),
    ("A federal mediator and Gov. Gavin Newsom offered to help.", {"other"}),
    ("USMX said it had made a fair offer.", {"other"}),
    ("Teamsters Local 399 and the Basic Crafts unions signed.", {"teamsters", "other"}),
    ("The weather in Burbank was mild.", set()),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_parties_per_sentence(label, text: str, expected: set[str]) -> None:
    (record,) = label(text, "2023-10-05")
    assert set(record["parties"]) == expected


def test_generic_guild_resolves_to_the_union_named_before(label) -> None:
    records = label(
        "The Writers Guild of America met the AMPTP on Monday. The guild said talks were useful.",
        "2023-09-20",
    )
    assert records[1]["parties"] == ["wga"]
    evidence = [e for e in records[1]["evidence"] if e["field"] == "parties"]
    assert evidence[0]["rule"] == "parties:generic_union"
    assert evidence[0]["text"] == "The guild"


def test_generic_union_in_new_paragraph_uses_the_articles_main_union(label) -> None:
    text = (
        "IATSE and the AMPTP reached a deal. IATSE members will vote.\n\n"
        "The deal matches terms won by SAG-AFTRA.\n\n"
        "The union announced the news to members on Tuesday."
    )
    records = label(text, "2024-06-27")
    assert records[-1]["parties"] == ["iatse"]


def test_generic_union_without_any_union_named_is_dropped(label) -> None:
    (record,) = label("The union said nothing.", "2023-10-05")
    assert record["parties"] == []


def test_party_evidence_offsets_point_at_the_mention(label) -> None:
    text = "Talks went on. Then SAG-AFTRA's Fran Drescher spoke."
    records = label(text, "2023-10-05")
    for item in records[1]["evidence"]:
        if item["field"] == "parties":
            assert text[item["start"] : item["end"]] == item["text"]
    texts = {e["text"] for e in records[1]["evidence"] if e["field"] == "parties"}
    assert texts == {"SAG-AFTRA", "Fran Drescher"}
