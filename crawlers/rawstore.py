"""Content-addressed archive of fetched pages, so extraction can be rerun without refetching.

The name is the sha256 of the bytes: the same page fetched twice is stored once, and a rerun
rewrites nothing. Files appear atomically (tmp + rename), so a crash never leaves half a page.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from pathlib import Path
from typing import Any


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def archive(raw_dir: Path, body: bytes, meta: dict[str, Any]) -> str:
    """Store body + ``{url, status, headers, fetched_at}``; return the path relative to the root."""
    digest = hashlib.sha256(body).hexdigest()
    folder = Path(raw_dir) / digest[:2]
    page = folder / f"{digest}.html.gz"
    if not page.exists():
        folder.mkdir(parents=True, exist_ok=True)
        _atomic_write(page, gzip.compress(body, compresslevel=6, mtime=0))
        _atomic_write(
            folder / f"{digest}.json",
            json.dumps(meta, ensure_ascii=False, sort_keys=True).encode("utf-8"),
        )
    return page.relative_to(Path(raw_dir).parent).as_posix()
