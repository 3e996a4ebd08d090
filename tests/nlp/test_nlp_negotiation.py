"""Negotiation assignment: aliases, parties, article context and the negotiation's window."""

from __future__ import annotations

from pathlib import Path

import yaml

from nlp.pipeline import build_pipeline


def test_alias_and_window_pick_the_negotiation(label) -> None:
    (record,) = label("SAG-AFTRA returned to the bargaining table.", "2023-10-05")
    assert record["negotiation"] == "sag_aftra_tv_2023"
    (record,) = label("SAG-AFTRA returned to the bargaining table.", "2026-02-10")
    assert record["negotiation"] == "sag_aftra_tv_2026"


def test_sentences_without_evidence_inherit_the_article_negotiation(label) -> None:
    records = label(
        "Boeing machinists voted on the offer.\n\nTalks to end the walkout broke off.",
        "2024-10-10",
    )
    assert [r["negotiation"] for r in records] == ["iam_boeing_2024", "iam_boeing_2024"]
    # (the learned signal model appends its own items after the negotiation's)
    rules = [e["rule"] for e in records[1]["evidence"] if e["field"] == "negotiation"]
    assert rules[-1] == "negotiation:context"


def test_article_about_two_negotiations_assigns_per_sentence(label) -> None:
    records = label(
        "The Writers Guild ratified its deal. Meanwhile SAG-AFTRA remains on strike. "
        "Fran Drescher spoke to reporters.",
        "2023-10-10",
    )
    assert [r["negotiation"] for r in records] == [
        "wga_2023",
        "sag_aftra_tv_2023",
        "sag_aftra_tv_2023",
    ]


def test_no_negotiation_fits(label) -> None:
    records = label("The weather was warm. A new cafe opened downtown.", "2023-10-10")
    assert [r["negotiation"] for r in records] == [None, None]


def test_outside_every_window_is_null(label) -> None:
    (record,) = label("The UAW held a rally.", "2019-05-01")
    assert record["negotiation"] is None


def test_undated_page_uses_dates_in_the_article(label) -> None:
    (record,) = label("SAG-AFTRA and the AMPTP will meet on February 9, 2026.", None)
    assert record["negotiation"] == "sag_aftra_tv_2026"


def test_custom_watchlist(tmp_path: Path) -> None:
    watchlist = tmp_path / "watchlist.yaml"
    watchlist.write_text(
        yaml.safe_dump(
            {
                "negotiations": [
                    {
                        "id": "nurses_2025",
                        "title": "Nurses 2025",
                        "parties": ["other"],
                        "aliases": ["nurses union", "Kaiser"],
                        "start": "2025-01-01",
                        "end": "2025-12-31",
                    }
                ]
            }
        )
    )
    nlp = build_pipeline(watchlist)
    doc = nlp.make_doc("Kaiser made a new offer to the nurses union.")
    import datetime as dt

    doc._.tw_published = dt.date(2025, 3, 1)
    doc = nlp(doc)
    assert doc._.tw_sentences[0]["negotiation"] == "nurses_2025"
