"""Shared fixtures of the NLP tests: one pipeline per session (loading it takes about a second)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from spacy.language import Language

from nlp.extensions import ensure_sentences
from nlp.pipeline import build_pipeline, load_pipeline


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


@pytest.fixture(scope="session")
def rules_nlp() -> Language:
    """The pipeline without the learned model: the rule components' own decisions."""
    return build_pipeline(learned=False)


@pytest.fixture(scope="session")
def rules_label(rules_nlp: Language) -> Callable[..., list[dict[str, Any]]]:
    """Like ``label`` but through the rules alone (tests of what a rule component decides)."""

    def run(text: str, published: str | None = None) -> list[dict[str, Any]]:
        doc = rules_nlp.make_doc(text)
        doc._.tw_published = dt.date.fromisoformat(published) if published else None
        return ensure_sentences(rules_nlp(doc))

    return run
