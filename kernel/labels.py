"""The label vocabulary: the one copy of every label string the product uses.

The annotation guidelines (``../shared/annotation-guidelines.md``, "Fields of a sentence record")
and the annotate output contract (``annotate-output.schema.json``) fix these strings, and the
warehouse, the alerts and every analyst query rely on exactly them. So the NLP components, the
warehouse's load checks, the watchlist check and the benchmarks all import them from here instead
of keeping their own lists, and ``tests/kernel/test_labels.py`` fails when this copy drifts from the
contracts. Each tuple keeps the guidelines' order (reports and confusion tables follow it).
``EVENT_SIGNALS`` is the one subset every stage agrees on: the signals that change the state of a
table (the alerts raise them, the report marks them); other subsets are configuration, kept where
they are used.
"""

from __future__ import annotations

#: ``signal``: exactly one per sentence
SIGNALS: tuple[str, ...] = (
    "progress",
    "gap",
    "agreement",
    "breakdown",
    "strike_action",
    "scheduling",
    "none",
)
#: signals that change the state of a table: a deal, a collapse, a walkout
EVENT_SIGNALS: tuple[str, ...] = ("agreement", "breakdown", "strike_action")
#: ``tone``: negative, neutral, hopeful for the prospects of a deal
TONES: tuple[int, ...] = (-1, 0, 1)
#: ``issues``: any of these per sentence
ISSUES: tuple[str, ...] = (
    "streaming_residuals",
    "ai",
    "wages",
    "health_pension",
    "working_conditions",
    "staffing_jobs",
    "transparency",
)
#: ``parties``: any of these per sentence; also the only labels a watchlist may name
PARTIES: tuple[str, ...] = (
    "sag_aftra",
    "amptp",
    "wga",
    "dga",
    "iatse",
    "teamsters",
    "uaw",
    "ila",
    "iam",
    "studios",
    "other",
)
#: ``dates[].type``
DATE_TYPES: tuple[str, ...] = ("date", "duration", "set")
#: ``kind`` of a milestone on a negotiation's timeline (watchlist ``milestones``, coverage cues)
MILESTONE_KINDS: tuple[str, ...] = (
    "contract_expiry",
    "extension",
    "strike_vote",
    "strike_start",
    "ratification_vote",
    "deadline",
)
#: ``status`` of an article record of the crawl
STATUSES: tuple[str, ...] = ("relevant", "skipped", "duplicate", "failed")
