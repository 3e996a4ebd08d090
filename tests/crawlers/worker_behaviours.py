"""Page "extractors" that really misbehave, for the extraction worker tests.

They live in their own small module because spawned workers import it by name.
"""

from __future__ import annotations

import os
import signal
import time
from typing import Any


def behave(mode: str) -> dict[str, Any]:
    """``die``: the worker process is killed; ``hang``: never returns; ``raise``: a bug in the
    extractor; anything else: an answer naming the worker's pid."""
    if mode == "die":
        os.kill(os.getpid(), signal.SIGKILL)
    if mode == "hang":
        time.sleep(60)
    if mode == "raise":
        raise KeyError("a bug in the extractor")
    return {"mode": mode, "pid": os.getpid()}
