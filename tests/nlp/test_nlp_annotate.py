"""The annotate contract: schema-valid output, offsets, edge inputs, errors, streaming, reruns."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from kernel.errors import TablewatchError
from nlp import NLP_VERSION
from nlp.annotate import annotate_file, annotate_records, split_text

# the repo's copy of ../shared/contracts (tests/contracts checks that the two are identical)
SCHEMA_FILE = Path(__file__).resolve().parents[1] / "contracts" / "annotate-output.schema.json"
SCHEMA = json.loads(SCHEMA_FILE.read_text())

ARTICLE = (
    "SAG-AFTRA, studios to meet Monday\n\n"
    "Negotiators for SAG-AFTRA and the AMPTP will resume talks on Monday, the union said on Wednesday. "
    "Residuals and AI remain the sticking points.\n\n"
    "\u201cWe want a fair deal,\u201d Fran Drescher said. The strike began on July 14."
)


def _write(path: Path, rows: list) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def _read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_output_matches_the_contract(tmp_path: Path) -> None:
    src = _write(
        tmp_path / "in.jsonl",
        [{"id": "a1", "text": ARTICLE, "published": "2023-10-05", "url": "u"}],
    )
    n = annotate_file(src, tmp_path / "out.jsonl", progress=False)
    rows = _read(tmp_path / "out.jsonl")
    assert n == len(rows) >= 4
    for row in rows:
        jsonschema.validate(row, SCHEMA)
        assert row["sentence"] == ARTICLE[row["start"] : row["end"]]
        for item in row["evidence"]:
            if item["text"]:
                assert ARTICLE[item["start"] : item["end"]] == item["text"]
    assert [r["sent_index"] for r in rows] == list(range(len(rows)))
    assert rows[0]["sentence"] == "SAG-AFTRA, studios to meet Monday"
    second = rows[1]
    assert second["negotiation"] == "sag_aftra_tv_2023"
    assert set(second["parties"]) == {"sag_aftra", "amptp"}
    assert {d["value"] for d in second["dates"]} == {"2023-10-09", "2023-10-04"}
    assert set(rows[2]["issues"]) == {"streaming_residuals", "ai"}
    assert any(r["sentence"].startswith("\u201cWe want") for r in rows)


def test_rerun_replaces_output(tmp_path: Path) -> None:
    src = _write(tmp_path / "in.jsonl", [{"id": "a1", "text": ARTICLE, "published": "2023-10-05"}])
    out = tmp_path / "out.jsonl"
    annotate_file(src, out, progress=False)
    first = out.read_text()
    annotate_file(src, out, progress=False)
    assert out.read_text() == first
    assert [p.name for p in tmp_path.iterdir()] != [] and not list(tmp_path.glob("*.tmp*"))


def test_empty_whitespace_and_null_texts_give_no_sentences(tmp_path: Path) -> None:
    rows = [
        {"id": "e1", "text": "", "published": None},
        {"id": "e2", "text": "  \n\n \t ", "published": "2023-10-05"},
        {"id": "e3", "text": None, "published": None},
        {"id": "ok", "text": "The WGA met the AMPTP.", "published": "2023-05-05"},
    ]
    src = _write(tmp_path / "in.jsonl", rows)
    assert annotate_file(src, tmp_path / "out.jsonl", progress=False) == 1
    assert [r["id"] for r in _read(tmp_path / "out.jsonl")] == ["ok"]


def test_malformed_line_names_the_line_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    out.write_text("previous result\n")
    src = _write(tmp_path / "in.jsonl", [{"id": "a", "text": "Fine."}, "", "{not json"])
    with pytest.raises(TablewatchError, match=r"line 3: not valid JSON"):
        annotate_file(src, out, progress=False)
    assert out.read_text() == "previous result\n"
    src = _write(tmp_path / "in2.jsonl", [{"text": "no id"}])
    with pytest.raises(TablewatchError, match=r"line 1: 'id' must be"):
        annotate_file(src, out, progress=False)
    src = _write(tmp_path / "in3.jsonl", [{"id": "x", "text": 42}])
    with pytest.raises(TablewatchError, match=r"line 1: 'text' must be"):
        annotate_file(src, out, progress=False)


def test_missing_input_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(TablewatchError, match="cannot read annotate input"):
        annotate_file(tmp_path / "nope.jsonl", tmp_path / "out.jsonl", progress=False)


def test_bad_published_date_is_treated_as_undated(tmp_path: Path, caplog) -> None:
    rows = [{"id": "d", "text": "SAG-AFTRA met the AMPTP on Tuesday.", "published": "last week"}]
    (row,) = list(annotate_records(rows))
    assert row["dates"] == [{"text": "Tuesday", "value": None, "type": "date"}]
    assert "bad published date" in caplog.text


def test_non_english_text_gets_default_labels(tmp_path: Path) -> None:
    text = (
        "Die Gewerkschaft und die Studios haben sich heute nicht geeinigt, und die Verhandlungen "
        "werden in der nächsten Woche fortgesetzt, sagte ein Sprecher am Montag in Los Angeles."
    )
    rows = list(annotate_records([{"id": "de", "text": text, "published": "2023-10-05"}]))
    assert rows
    for row in rows:
        jsonschema.validate(row, SCHEMA)
        assert row["negotiation"] is None and row["parties"] == [] and row["dates"] == []
        assert row["evidence"][0]["label"] == "not_english"


def test_huge_text_is_chunked_with_correct_offsets(monkeypatch) -> None:
    import nlp.annotate as annotate

    monkeypatch.setattr(annotate, "CHUNK_CHARS", 1000)
    paragraph = "SAG-AFTRA and the AMPTP met on Monday. Residuals were discussed at length.\n\n"
    text = paragraph * 60
    rows = list(annotate_records([{"id": "big", "text": text, "published": "2023-10-05"}]))
    assert len(rows) == 120
    assert [r["sent_index"] for r in rows] == list(range(120))
    for row in rows:
        assert text[row["start"] : row["end"]] == row["sentence"]
    assert all(r["issues"] == ["streaming_residuals"] for r in rows[1::2])


def test_split_text_never_exceeds_the_limit() -> None:
    text = ("word " * 50 + "\n\n") * 20 + "x" * 700
    pieces = split_text(text, 300)
    assert "".join(p for _, p in pieces) == text
    assert all(len(p) <= 300 for _, p in pieces)
    assert all(text[o : o + len(p)] == p for o, p in pieces)


def test_output_is_streamed_lazily() -> None:
    seen = []

    def source():
        for i in range(50):
            seen.append(i)
            yield {"id": str(i), "text": "The WGA met the AMPTP.", "published": "2023-05-05"}

    stream = annotate_records(source(), batch_size=4)
    first = next(stream)
    assert first["id"] == "0"
    assert len(seen) < 50


def test_two_processes_give_the_same_result(tmp_path: Path) -> None:
    rows = [{"id": f"d{i}", "text": ARTICLE, "published": "2023-10-05"} for i in range(4)]
    src = _write(tmp_path / "in.jsonl", rows)
    annotate_file(src, tmp_path / "one.jsonl", n_process=1, progress=False)
    annotate_file(src, tmp_path / "two.jsonl", n_process=2, batch_size=2, progress=False)
    assert _read(tmp_path / "one.jsonl") == _read(tmp_path / "two.jsonl")


def test_nlp_version_hashes_the_rule_files() -> None:
    semver, _, digest = NLP_VERSION.partition("+")
    assert semver.count(".") == 2 and len(digest) == 8


def test_bad_record_in_a_stream_names_its_index() -> None:
    records = [{"id": "a", "text": "Fine."}, {"id": "", "text": "No id."}]
    with pytest.raises(TablewatchError, match=r"record 1: 'id' must be"):
        list(annotate_records(records))


def test_progress_on_a_non_terminal_writes_nothing_to_stdout(tmp_path: Path, capsys) -> None:
    src = _write(
        tmp_path / "in.jsonl", [{"id": "a", "text": "The WGA met the AMPTP.", "published": None}]
    )
    assert annotate_file(src, tmp_path / "out.jsonl", progress=True) == 1
    assert capsys.readouterr().out == ""
