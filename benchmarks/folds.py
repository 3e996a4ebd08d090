"""Fixed, seeded folds of the dev corpus, grouped by article.

Every learned or hand-tuned NLP figure is quoted from articles it was not fitted on, so every
benchmark and training script splits the corpus the same way: the distinct article stems (the dev
records' ``doc``), sorted, shuffled with one fixed seed, dealt round-robin into ``k`` folds.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence

SEED = 13
K = 5


def grouped_folds(docs: Iterable[str], k: int = K, seed: int = SEED) -> list[list[str]]:
    """The ``k`` folds of article stems; each article in exactly one fold."""
    stems = sorted(set(docs))
    random.Random(seed).shuffle(stems)
    return [sorted(stems[i::k]) for i in range(k)]


def fold_of(docs: Sequence[str], k: int = K, seed: int = SEED) -> dict[str, int]:
    """Article stem -> index of the fold that holds it out."""
    return {doc: i for i, fold in enumerate(grouped_folds(docs, k, seed)) for doc in fold}
