"""Fixed, seeded folds of the dev corpus, grouped by article.

Every learned or hand-tuned NLP figure is quoted from articles it was not fitted on, so every
benchmark and training script splits the corpus the same way: the distinct article stems (the dev
records' ``doc``), sorted, shuffled with one fixed seed, dealt round-robin into ``k`` folds. The
split lives in ``nlp.corpus`` (training uses it too); this module is the benchmarks' name for it.
"""

from __future__ import annotations

from nlp.corpus import SEED, K, fold_of, grouped_folds

__all__ = ["K", "SEED", "fold_of", "grouped_folds"]
