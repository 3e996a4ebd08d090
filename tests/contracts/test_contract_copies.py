"""The repo keeps copies of the outside contracts so its tests run anywhere; they must not drift."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[1] / ".." / "shared" / "contracts"


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/contracts is not beside this checkout")
def test_annotate_schema_copy_is_the_shared_contract() -> None:
    name = "annotate-output.schema.json"
    assert json.loads((HERE / name).read_text()) == json.loads((SHARED / name).read_text())
