"""RESULTS.md is shared by every benchmark: each one replaces its own ``## `` section."""

from __future__ import annotations

from pathlib import Path


def replace_section(path: Path, heading: str, text: str) -> None:
    """Replace the section that starts at ``heading`` (up to the next ``## ``) with ``text``, or
    append it, leaving the rest of the file as it was."""
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    start = current.find(heading + "\n")
    if start >= 0:
        rest = current[start + len(heading) :]
        nxt = rest.find("\n## ")
        tail = rest[nxt + 1 :] if nxt >= 0 else ""
        current = current[:start].rstrip("\n") + "\n\n" + text + ("\n" + tail if tail else "")
    else:
        current = current.rstrip("\n") + "\n\n" + text
    path.write_text(current, encoding="utf-8")
