"""Sentence annotation: a spaCy pipeline that labels negotiation news per the guidelines.

``NLP_VERSION`` is stored with every loaded sentence so the warehouse can tell which rules labelled
it. It is ``<semver>+<hash>`` over everything that decides a label: the rule files, the component code, the trained weights
and the default watchlist, so editing any of them changes the version even when SEMVER did not. It is computed on first access, so importing ``nlp`` stays cheap.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

__all__ = ["NLP_VERSION", "SEMVER", "CONFIG_DIR"]

SEMVER = "0.1.0"
PACKAGE_DIR = Path(__file__).resolve().parent
CONFIG_DIR = PACKAGE_DIR / "config"
WATCHLIST = PACKAGE_DIR.parent / "kernel" / "watchlist.yaml"


def _labelling_files() -> list[Path]:
    learned = PACKAGE_DIR / "model" / "tablewatch_signal_model"
    files = [
        *CONFIG_DIR.glob("*.yaml"),
        *PACKAGE_DIR.rglob("*.py"),
        WATCHLIST,
        *learned.glob("*"),  # the trained weights decide labels too
    ]
    return sorted(
        (p for p in files if p.is_file()), key=lambda p: p.relative_to(PACKAGE_DIR.parent)
    )


@cache
def _version() -> str:
    digest = hashlib.sha256()
    for path in _labelling_files():
        digest.update(path.relative_to(PACKAGE_DIR.parent).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return f"{SEMVER}+{digest.hexdigest()[:8]}"


def __getattr__(name: str) -> str:
    if name == "NLP_VERSION":
        return _version()
    raise AttributeError(f"module 'nlp' has no attribute {name!r}")
