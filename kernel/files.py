"""Writing a file all at once and reading JSON lines: the two file habits every stage shares.

Every stage hands the next one files (``runs/<day>/*``, the report, exports). A reader must never
see half a file, so every writer goes through ``atomic_write``: a temporary file beside the target,
renamed over it only when the writing finished (a crash leaves the previous file whole and at most
a ``.tmp`` that the next writer's name does not collide with).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from kernel.errors import TablewatchError


def temp_path(path: Path) -> Path:
    """The temporary name ``atomic_write`` uses for ``path`` (one per process)."""
    return path.with_name(f"{path.name}.{os.getpid()}.tmp")


class AtomicResult:
    """Filled in when an ``atomic_write`` block ends: whether ``path`` now holds new bytes."""

    changed: bool = False


@contextlib.contextmanager
def atomic_write(
    path: str | Path,
    mode: str = "w",
    encoding: str | None = "utf-8",
    result: AtomicResult | None = None,
) -> Iterator[IO[Any]]:
    """Open a temporary file for writing; on success it replaces ``path``, on error it is removed.

    With ``result``, identical bytes leave ``path`` untouched (same inode and timestamp, so a
    downstream stage keyed on the file's age does not redo its work) and ``result.changed`` says
    which happened.
    """
    path = Path(path)
    tmp = temp_path(path)
    fh = tmp.open(mode, encoding=None if "b" in mode else encoding)
    try:
        with fh:
            yield fh
        if result is not None and path.is_file() and _same_bytes(tmp, path):
            tmp.unlink()
            result.changed = False
        else:
            os.replace(tmp, path)
            if result is not None:
                result.changed = True
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _same_bytes(a: Path, b: Path, chunk: int = 1 << 20) -> bool:
    if a.stat().st_size != b.stat().st_size:
        return False
    with a.open("rb") as fa, b.open("rb") as fb:
        while True:
            x, y = fa.read(chunk), fb.read(chunk)
            if x != y:
                return False
            if not x:
                return True


def write_text(path: str | Path, text: str) -> None:
    """``path`` holds ``text``, or (after a crash) what it held before: never a part of it."""
    with atomic_write(path) as fh:
        fh.write(text)


def write_json(path: str | Path, value: Any) -> None:
    write_text(path, json.dumps(value, indent=1, sort_keys=True, ensure_ascii=False, default=str))


def iter_jsonl(path: str | Path) -> Iterator[dict[str, Any]]:
    """The records of a JSON-lines file; a bad line is a one-line error naming file and line."""
    path = Path(path)
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError as exc:
                raise TablewatchError(f"{path}:{n}: not valid JSON ({exc.msg})") from None
