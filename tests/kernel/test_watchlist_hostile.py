"""A hostile or mistyped watchlist is a one-line ConfigError naming the file and the entry."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kernel.errors import ConfigError
from kernel.watchlist import DEFAULT_WATCHLIST, load_watchlist

GOOD = "  - id: wga_2023\n    parties: [wga]\n    aliases: [WGA]\n    start: 2023-02-01\n    end: 2023-10-31\n"
SECOND = GOOD.replace("wga_2023", "dga_2023").replace("WGA]", "DGA]").replace("[wga]", "[dga]")


def _write(tmp_path: Path, entries: str) -> Path:
    path = tmp_path / "watchlist.yaml"
    path.write_text("negotiations:\n" + entries, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("entries", "reason"),
    [
        (SECOND + GOOD.replace("2023-02-01", "2023-13-01"), r"negotiations\[1\] \(wga_2023\): start: must be a date YYYY-MM-DD, got '2023-13-01'"),
        (GOOD.replace("2023-02-01", "2023-02-01 09:30:00"), r"\(wga_2023\): start: must be a date YYYY-MM-DD without a time"),
        (GOOD.replace("aliases:", "alias:"), r"\(wga_2023\): .*aliases: is required.*alias: unknown key"),
        (GOOD.replace("[WGA]", "[]"), r"\(wga_2023\): aliases: needs at least one alias"),
        (GOOD.replace("[WGA]", "['  ']"), r"\(wga_2023\): aliases: .*non-empty strings"),
        (GOOD + GOOD, r"negotiations\[1\] \(wga_2023\): duplicate id 'wga_2023' \(first at negotiations\[0\]\)"),
        (GOOD.replace("[wga]", "[pirates]"), r"\(wga_2023\): parties: .*unknown labels \['pirates'\]"),
        (GOOD.replace("2023-10-31", "2023-01-31"), r"\(wga_2023\): ends before it starts"),
        (GOOD.replace("id: wga_2023", "id: 7"), r"negotiations\[0\]: id: "),
        ("  - just a string\n", r"negotiations\.0: "),
        ("  []\n", r"'negotiations' list is empty"),
        (GOOD + "    milestones: [{date: 2023-05-01, kind: picnic, label: x}]\n", r"milestones\.0\.kind: .*'picnic' is not a milestone kind"),
        (GOOD + "    milestones: [{date: 2023-05-01 09:00:00, kind: deadline, label: x}]\n", r"milestones\.0\.date: must be a date YYYY-MM-DD without a time"),
        (GOOD + "    milestones: [{date: 2023-05-01, kind: deadline, lable: x}]\n", r"milestones\.0\.lable: unknown key"),
    ],
    ids=["month-13", "datetime", "alias-typo", "no-aliases", "blank-alias", "duplicate-id",
         "unknown-party", "inverted", "int-id", "not-a-mapping", "empty-list", "milestone-kind",
         "milestone-datetime", "milestone-typo"],
)  # fmt: skip
def test_bad_watchlist_is_one_line_naming_file_and_entry(
    tmp_path: Path, entries: str, reason: str
) -> None:
    path = _write(tmp_path, entries)
    with pytest.raises(ConfigError, match=reason) as info:
        load_watchlist(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and "\n" not in message


def test_milestones_load_sorted_and_the_default_watchlist_has_them(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        GOOD
        + "    milestones:\n"
        + "      - {date: 2023-05-02, kind: strike_start, label: Strike begins}\n"
        + "      - {date: 2023-05-01, kind: contract_expiry, label: MBA expires}\n",
    )
    (neg,) = load_watchlist(path)
    assert [(m.date.isoformat(), m.kind) for m in neg.milestones] == [
        ("2023-05-01", "contract_expiry"),
        ("2023-05-02", "strike_start"),
    ]
    watched = {n.id: n for n in load_watchlist()}
    assert {m.kind for m in watched["sag_aftra_tv_2023"].milestones} >= {
        "contract_expiry",
        "strike_start",
        "ratification_vote",
    }


def test_unknown_top_level_key_and_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "w.yaml"
    path.write_text("negotiation:\n" + GOOD, encoding="utf-8")
    with pytest.raises(ConfigError, match="negotiation: unknown key"):
        load_watchlist(path)
    path.write_text("", encoding="utf-8")
    with pytest.raises(ConfigError, match="expected a mapping"):
        load_watchlist(path)


def test_good_watchlist_loads_every_entry(tmp_path: Path) -> None:
    negs = load_watchlist(_write(tmp_path, GOOD + SECOND.replace("[DGA]", "Directors Guild")))
    assert [(n.id, n.aliases, n.title) for n in negs] == [
        ("wga_2023", ("WGA",), "wga_2023"),
        ("dga_2023", ("Directors Guild",), "dga_2023"),
    ]
    shipped = load_watchlist(DEFAULT_WATCHLIST)
    assert len(shipped) == len({n.id for n in shipped}) >= 10 and all(n.aliases for n in shipped)


@pytest.mark.parametrize("command", ["crawl", "annotate", "run", "report"])
def test_cli_watchlist_option_gives_the_one_line_error(tmp_path: Path, command: str) -> None:
    bad = _write(tmp_path, GOOD.replace("aliases:", "alias:"))
    proc = subprocess.run(
        [sys.executable, "-m", "tablewatch.cli", command, "--watchlist", str(bad),
         "--db", str(tmp_path / "tablewatch.duckdb")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 1, proc.stderr
    assert lines[-1].startswith(f"tablewatch: error: {bad}: negotiations[0] (wga_2023): ")
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").rglob("*.jsonl"))


def test_cli_annotate_uses_the_given_watchlist(tmp_path: Path) -> None:
    custom = _write(
        tmp_path,
        "  - id: nurses_2025\n    parties: [other]\n    aliases: [nurses union, Kaiser]\n"
        "    start: 2025-01-01\n    end: 2025-12-31\n",
    )
    docs = tmp_path / "in.jsonl"
    docs.write_text(
        '{"id": "a1", "text": "Kaiser made a new offer to the nurses union.", "published": "2025-03-02"}\n',
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    proc = subprocess.run(
        [sys.executable, "-m", "tablewatch.cli", "annotate", "--input", str(docs),
         "--output", str(out), "--watchlist", str(custom)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    labels = [json.loads(line)["negotiation"] for line in out.read_text().splitlines()]
    assert labels == ["nurses_2025"]
