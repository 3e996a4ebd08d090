"""Reading the YAML rule files of the NLP components.

Rules are data (``nlp/config/*.yaml``) so that tuning a lexicon never touches code; every
component reads its file through here so a broken file fails with one clear line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nlp import CONFIG_DIR
from tablewatch.config import _read_yaml
from tablewatch.errors import ConfigError


def rules_path(path: str | Path | None, default_name: str) -> Path:
    """The rule file to use: an explicit path, else the packaged default."""
    return Path(path) if path else CONFIG_DIR / default_name


def load_rules(path: str | Path | None, default_name: str) -> dict[str, Any]:
    """Read one rule file; it must be a YAML mapping."""
    resolved = rules_path(path, default_name)
    data = _read_yaml(resolved)
    if not isinstance(data, dict):
        raise ConfigError(f"{resolved}: expected a YAML mapping at the top level")
    return data


def str_list(value: Any, what: str) -> list[str]:
    """A list of non-empty strings (a single string is accepted as a one-item list)."""
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{what} must be a list of non-empty strings")
    return [v.strip() for v in value]
