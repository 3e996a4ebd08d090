"""Dates: every rule of the guidelines, on sentences written for these tests."""

from __future__ import annotations

import datetime as dt

import pytest

from nlp.components.dates import resolve_dates

# (sentence, published, expected [(text, value, type)])
CASES = [
    # past weekday resolves backwards; the same weekday as publication is that day
    (
        "The union said on Tuesday that talks went well.",
        "2023-10-12",
        [("Tuesday", "2023-10-10", "date")],
    ),
    ("The board met on Thursday.", "2023-10-12", [("Thursday", "2023-10-12", "date")]),
    # future meeting: forwards
    ("The sides will meet again on Tuesday.", "2023-10-12", [("Tuesday", "2023-10-17", "date")]),
    ("Talks are expected to resume Friday.", "2023-10-12", [("Friday", "2023-10-13", "date")]),
    (
        "Negotiators will return on Monday, the guild said Wednesday.",
        "2023-10-12",
        [("Monday", "2023-10-16", "date"), ("Wednesday", "2023-10-11", "date")],
    ),
    ("Actors and studios to meet on Friday", "2023-10-12", [("Friday", "2023-10-13", "date")]),
    (
        "Talks resume Monday at the union's offices.",
        "2023-10-12",
        [("Monday", "2023-10-16", "date")],
    ),
    (
        "The news follows the end of the vote on Tuesday.",
        "2023-10-12",
        [("Tuesday", "2023-10-10", "date")],
    ),
    ("The studios expected a reply Sunday.", "2023-10-16", [("Sunday", "2023-10-15", "date")]),
    (
        "The strike began more than three months ago.",
        "2023-10-12",
        [("more than three months ago", None, "date")],
    ),
    ("The vote ended Saturday night.", "2023-10-12", [("Saturday night", "2023-10-07", "date")]),
    # absolute dates
    (
        "The contract expires June 30, 2026.",
        "2023-12-06",
        [("June 30, 2026", "2026-06-30", "date")],
    ),
    (
        "They met on Wednesday, Aug. 2, 2023.",
        "2023-08-05",
        [("Wednesday, Aug. 2, 2023", "2023-08-02", "date")],
    ),
    # month-day / month without year: towards the tense, closest to publication
    ("The strike began on July 14.", "2023-10-05", [("July 14", "2023-07-14", "date")]),
    ("The deadline is Jan. 15.", "2023-12-20", [("Jan. 15", "2024-01-15", "date")]),
    ("The studios may walk away until January.", "2023-10-29", [("January", "2024-01", "date")]),
    ("Ratification ended in December.", "2024-01-10", [("December", "2023-12", "date")]),
    (
        "A deal is needed by the end of October.",
        "2023-10-20",
        [("the end of October", "2023-10", "date")],
    ),
    # years, relative days, holidays, seasons
    ("The 2020 contract was weaker.", "2023-05-01", [("2020", "2020", "date")]),
    ("We received the offer today.", "2023-11-04", [("today", "2023-11-04", "date")]),
    ("The letter arrived yesterday.", "2023-11-04", [("yesterday", "2023-11-03", "date")]),
    ("A deal must come by Halloween.", "2023-10-29", [("Halloween", "2023-10-31", "date")]),
    (
        "Production could restart by Thanksgiving.",
        "2023-10-29",
        [("Thanksgiving", "2023-11-23", "date")],
    ),
    (
        "Talks stalled in the summer of 2023.",
        "2023-12-01",
        [("the summer of 2023", "2023-SU", "date")],
    ),
    ("Shooting resumes next spring.", "2023-11-20", [("next spring", "2024-SP", "date")]),
    ("Negotiations collapsed last fall.", "2024-03-02", [("last fall", "2023-FA", "date")]),
    ("The union struck last month.", "2023-10-05", [("last month", "2023-09", "date")]),
    # weeks, weekends and "recently" stay null unless the week is named
    ("Talks may resume next week.", "2023-10-05", [("next week", None, "date")]),
    ("Ratification ended this past year.", "2024-02-05", [("this past year", "2023", "date")]),
    ("They will work over the weekend.", "2023-10-05", [("over the weekend", None, "date")]),
    ("The guild recently sent a letter.", "2023-10-05", [("recently", None, "date")]),
    ("A deal could come in the coming weeks.", "2023-10-05", [("the coming weeks", None, "date")]),
    (
        "Pickets return the week of Oct. 9.",
        "2023-10-05",
        [("the week of Oct. 9", "2023-10-09", "date")],
    ),
    # durations and sets carry null
    ("The extension runs for 90 days.", "2023-06-30", [("for 90 days", None, "duration")]),
    ("The strike lasted five days.", "2023-06-30", [("five days", None, "duration")]),
    ("They bargained over 10 days.", "2023-06-30", [("over 10 days", None, "duration")]),
    ("It is a three-year contract.", "2023-06-30", [("three-year", None, "duration")]),
    (
        "The strike has lasted more than seven weeks.",
        "2024-11-05",
        [("more than seven weeks", None, "duration")],
    ),
    (
        "For the past weeks the studios stayed quiet.",
        "2023-11-05",
        [("the past weeks", None, "duration")],
    ),
    ("The committee meets every week.", "2023-06-30", [("every week", None, "set")]),
    ("Workers picketed 24 hours a day.", "2024-09-18", [("24 hours a day", None, "set")]),
    # no dates: ordinals, ages, times of day alone
    ("The strike entered its 84th day.", "2023-10-05", []),
]


@pytest.mark.parametrize(("text", "published", "expected"), CASES)
def test_date_rules(label, text: str, published: str, expected: list[tuple]) -> None:
    (record,) = label(text, published)
    got = [(d["text"], d["value"], d["type"]) for d in record["dates"]]
    assert got == expected
    for d in record["dates"]:
        assert d["text"] in record["sentence"]


def test_undated_page_keeps_relative_dates_null_and_resolves_absolute(label) -> None:
    (record,) = label("On Tuesday the guild recalled the March 3, 2023 vote.", None)
    got = [(d["text"], d["value"]) for d in record["dates"]]
    assert got == [("Tuesday", None), ("March 3, 2023", "2023-03-03")]


def test_undated_month_day_takes_year_from_an_explicit_date_in_the_sentence(label) -> None:
    (record,) = label(
        "Dockworkers set a strike for October 1, 2024 if no deal by September 30.", None
    )
    assert [d["value"] for d in record["dates"]] == ["2024-10-01", "2024-09-30"]


def test_undated_month_day_takes_year_from_the_negotiation_window(label) -> None:
    (record,) = label("SAG-AFTRA walked out of talks on Oct. 12 after the AMPTP offer.", None)
    assert record["negotiation"] == "sag_aftra_tv_2023"
    assert record["dates"] == [{"text": "Oct. 12", "value": "2023-10-12", "type": "date"}]


def test_anchor_in_preceding_sentence(label) -> None:
    records = label(
        "The guild met the studios on Thursday, Oct. 12. The night before, members rallied.",
        "2023-10-20",
    )
    assert records[1]["dates"] == [
        {"text": "The night before", "value": "2023-10-11", "type": "date"}
    ]


def test_resolve_dates_function_on_a_span(nlp) -> None:
    doc = nlp("On Monday, the union said that talks will resume on Oct. 2.")
    got = resolve_dates(doc[:], dt.date(2023, 9, 28))
    assert got == [
        {"text": "Monday", "value": "2023-09-25", "type": "date"},
        {"text": "Oct. 2", "value": "2023-10-02", "type": "date"},
    ]
    assert resolve_dates(doc[:], None)[0]["value"] is None


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda r: r["resolvers"].update(month="calendar"), "calendar"),
        (lambda r: r["resolvers"].pop("season"), "season"),
    ],
)
def test_a_broken_resolver_table_is_one_config_error(tmp_path, edit, message) -> None:
    """The resolver table is data: a pattern with no resolver, or an unknown one, fails at load."""
    import yaml

    from kernel.errors import ConfigError
    from nlp.components.dates import DatesComponent
    from nlp.rules import CONFIG_DIR

    rules = yaml.safe_load((CONFIG_DIR / "dates.yaml").read_text(encoding="utf-8"))
    edit(rules)
    path = tmp_path / "dates.yaml"
    path.write_text(yaml.safe_dump(rules), encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        DatesComponent(path)
