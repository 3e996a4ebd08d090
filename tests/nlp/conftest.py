"""Shared fixtures of the NLP tests: one pipeline per session (loading it takes about a second)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from spacy.language import Language

from nlp.extensions import ensure_sentences
from nlp.pipeline import load_pipeline


@pytest.fixture(scope="session")
def nlp() -> Language:
    return load_pipeline()


@pytest.fixture(scope="session")
def label(nlp: Language) -> Callable[..., list[dict[str, Any]]]:
    """Run the pipeline on ``text`` (published ``YYYY-MM-DD`` or None) and return its records."""

    def run(text: str, published: str | None = None) -> list[dict[str, Any]]:
        doc = nlp.make_doc(text)
        doc._.tw_published = dt.date.fromisoformat(published) if published else None
        return ensure_sentences(nlp(doc))

    return run
