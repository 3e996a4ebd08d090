"""Reading the YAML rule files of the NLP components.

Rules are data (``nlp/config/*.yaml``) so that tuning a lexicon never touches code; every
component reads its file through here so a broken file fails with one clear line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kernel.config import read_yaml, str_list
from kernel.errors import ConfigError
from nlp import CONFIG_DIR

__all__ = ["load_rules", "rules_path", "str_list"]


def rules_path(path: str | Path | None, default_name: str) -> Path:
    """The rule file to use: an explicit path, else the packaged default."""
    return Path(path) if path else CONFIG_DIR / default_name


def load_rules(path: str | Path | None, default_name: str) -> dict[str, Any]:
    """Read one rule file; it must be a YAML mapping."""
    resolved = rules_path(path, default_name)
    data = read_yaml(resolved)
    if not isinstance(data, dict):
        raise ConfigError(f"{resolved}: expected a YAML mapping at the top level")
    return data
