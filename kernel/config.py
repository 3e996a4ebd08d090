"""Reading YAML config files with one-line errors, and the checks every config parser shares.

Each stage owns its config file and its parser (sources with the crawler, alert settings with the
alerts, lexicons with the NLP); they all read through here so a missing file, bad YAML or a wrong
value reads the same everywhere.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml

from kernel.errors import ConfigError


class _Loader(yaml.SafeLoader):
    """Safe YAML in which an impossible date (``2023-13-01``) stays a string.

    PyYAML builds ``datetime.date`` while parsing and a bad month raises a bare ``ValueError``
    from deep inside the parser; as a string it reaches the config's own check, which can name
    the entry and the field.
    """


def _timestamp(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def read_yaml(path: str | Path) -> Any:
    """The parsed file; ConfigError (with the line of a syntax error) instead of a traceback."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path} is not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise ConfigError(
            f"{path}{where} is not valid YAML: {getattr(exc, 'problem', exc)}"
        ) from None


def str_list(value: Any, what: str) -> tuple[str, ...]:
    """A list of non-empty strings (a lone string counts as a list of one), stripped."""
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{what} must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def config_date(value: Any, what: str) -> dt.date:
    """A calendar date written YYYY-MM-DD (YAML may already have parsed it)."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(f"{what} must be a date YYYY-MM-DD, got {value!r}") from None
