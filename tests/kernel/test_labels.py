"""``kernel.labels`` is the one copy of the vocabulary; it must say what the contracts say.

The strings are read from the contracts themselves (the annotate output schema, the committed copy
and the shared one, and the guidelines' table of sentence fields), so a label renamed or added on
either side fails here instead of in a load or an analyst's query.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from kernel import labels

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[1] / ".." / "shared"
GUIDELINES = SHARED / "annotation-guidelines.md"
SCHEMA_NAME = "annotate-output.schema.json"
SCHEMAS = [
    pytest.param(HERE.parent / "contracts" / SCHEMA_NAME, id="committed"),
    pytest.param(
        SHARED / "contracts" / SCHEMA_NAME,
        id="shared",
        marks=pytest.mark.skipif(
            not (SHARED / "contracts").is_dir(),
            reason="../shared/contracts is not beside this checkout",
        ),
    ),
]


def _schema_enums(path: Path) -> dict[str, list[Any]]:
    props = json.loads(path.read_text(encoding="utf-8"))["properties"]
    return {
        "signal": props["signal"]["enum"],
        "tone": props["tone"]["enum"],
        "issues": props["issues"]["items"]["enum"],
        "parties": props["parties"]["items"]["enum"],
        "date_type": props["dates"]["items"]["properties"]["type"]["enum"],
    }


@pytest.mark.parametrize("path", SCHEMAS)
def test_labels_are_the_schema_enums(path: Path) -> None:
    assert _schema_enums(path) == {
        "signal": list(labels.SIGNALS),
        "tone": list(labels.TONES),
        "issues": list(labels.ISSUES),
        "parties": list(labels.PARTIES),
        "date_type": list(labels.DATE_TYPES),
    }


def _field_rows() -> dict[str, str]:
    """The guidelines' "Fields of a sentence record" table: field name -> its values cell."""
    text = GUIDELINES.read_text(encoding="utf-8")
    section = text.split("## Fields of a sentence record", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        match = re.match(r"^\|\s*`(\w+)`\s*\|(.*)\|\s*$", line)
        if match:
            rows[match.group(1)] = match.group(2)
    return rows


def _ticked(text: str) -> list[str]:
    return re.findall(r"`([^`]+)`", text)


@pytest.mark.skipif(
    not GUIDELINES.is_file(), reason="../shared guidelines are not beside this checkout"
)
def test_labels_are_the_guidelines_vocabulary() -> None:
    rows = _field_rows()
    assert tuple(_ticked(rows["signal"])) == labels.SIGNALS
    assert tuple(_ticked(rows["issues"])) == labels.ISSUES
    assert tuple(_ticked(rows["parties"])) == labels.PARTIES
    # "`-1`, `0` or `1`, plus a continuous `tone_score`": the labels come before "plus"
    assert tuple(int(t) for t in _ticked(rows["tone"].split("plus", 1)[0])) == labels.TONES
    # "`type` is `date`, `duration` or `set`;"
    types = re.search(r"`type` is ([^;]*);", rows["dates"])
    assert types is not None
    assert tuple(_ticked(types.group(1))) == labels.DATE_TYPES


def test_configured_subsets_come_from_the_vocabulary() -> None:
    """Subsets stay configuration where they are used, but may only name known labels."""
    from alerts import settings as alert_settings
    from nlp.components.parties import UNIONS
    from report import build, charts

    assert set(labels.EVENT_SIGNALS) <= set(labels.SIGNALS)
    assert set(alert_settings.SURGE_SIGNALS) <= set(labels.SIGNALS)
    assert set(build.CHARTED_SIGNALS) == set(labels.SIGNALS) - {"none"}
    assert set(labels.EVENT_SIGNALS) <= set(build.CHARTED_SIGNALS)
    assert set(charts.SIGNAL_COLOURS) == set(labels.SIGNALS)
    assert set(UNIONS) <= set(labels.PARTIES)


def test_labels_are_distinct() -> None:
    vocabularies = (labels.SIGNALS, labels.TONES, labels.ISSUES, labels.PARTIES, labels.DATE_TYPES)
    for vocab in (*vocabularies, labels.STATUSES):
        assert len(set(vocab)) == len(vocab)
