"""Sentence annotation: a spaCy pipeline that labels negotiation news per the guidelines.

``NLP_VERSION`` is stored with every loaded sentence so the warehouse can tell which rules labelled
it. It is ``<semver>+<hash of the rule files>``: editing a YAML rule file changes the version even
when no code changed. It is computed on first access, so importing ``nlp`` stays cheap.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

__all__ = ["NLP_VERSION", "SEMVER", "CONFIG_DIR"]

SEMVER = "0.1.0"
CONFIG_DIR = Path(__file__).resolve().parent / "config"


@cache
def _version() -> str:
    digest = hashlib.sha256()
    for path in sorted(CONFIG_DIR.glob("*.yaml")):
        digest.update(path.name.encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return f"{SEMVER}+{digest.hexdigest()[:8]}"


def __getattr__(name: str) -> str:
    if name == "NLP_VERSION":
        return _version()
    raise AttributeError(f"module 'nlp' has no attribute {name!r}")
