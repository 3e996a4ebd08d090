"""Content fingerprints for dedupe: an exact hash and a 64-bit simhash.

Syndicated copies differ by a byline, a "(Reuters)" prefix or a related-links line; the exact hash
misses them, the simhash over word shingles keeps them within a few bits of each other.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import defaultdict

import numpy as np

_WORD = re.compile(r"\w+", re.UNICODE)
SHINGLE = 3
BITS = 64


def normalise(text: str) -> str:
    """Case, Unicode form and whitespace must not make two copies of one text differ."""
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


def body_hash(body: str) -> str:
    return hashlib.sha256(normalise(body).encode("utf-8")).hexdigest()


def simhash(body: str) -> int:
    """Charikar simhash of the 3-word shingles of the normalised body (bit counts vectorised:
    a per-bit Python loop costs milliseconds per article)."""
    words = _WORD.findall(normalise(body))
    if len(words) >= SHINGLE:
        shingles = [" ".join(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)]
    else:
        shingles = words
    if not shingles:
        return 0
    digests = b"".join(hashlib.blake2b(s.encode("utf-8"), digest_size=8).digest() for s in shingles)
    bits = np.unpackbits(np.frombuffer(digests, dtype=np.uint8).reshape(-1, 8), axis=1)
    ones = bits.sum(axis=0, dtype=np.int64)  # column j = bit (63 - j) of the big-endian hash
    positive = 2 * ones > len(shingles)
    value = 0
    for j in np.flatnonzero(positive):
        value |= 1 << (BITS - 1 - int(j))
    return value


def to_hex(value: int) -> str:
    return f"{value:016x}"


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()


class SimhashIndex:
    """Near-duplicate lookup without a scan: split into (k+1) bands, any match within k bits
    shares at least one band exactly (pigeonhole), so only those candidates are compared."""

    def __init__(self, max_distance: int) -> None:
        self.max_distance = max_distance
        self.bands = max_distance + 1
        width = BITS // self.bands
        self._spans = [
            (i * width, BITS if i == self.bands - 1 else (i + 1) * width) for i in range(self.bands)
        ]
        self._tables: list[dict[int, list[tuple[int, str]]]] = [
            defaultdict(list) for _ in range(self.bands)
        ]

    def _keys(self, value: int) -> list[int]:
        return [(value >> lo) & ((1 << (hi - lo)) - 1) for lo, hi in self._spans]

    def add(self, value: int, article_id: str) -> None:
        for table, key in zip(self._tables, self._keys(value), strict=True):
            table[key].append((value, article_id))

    def find(self, value: int) -> str | None:
        """article_id of the closest stored simhash within max_distance, if any."""
        best: tuple[int, str] | None = None
        for table, key in zip(self._tables, self._keys(value), strict=True):
            for other, aid in table.get(key, ()):
                d = hamming(value, other)
                if d <= self.max_distance and (best is None or d < best[0]):
                    best = (d, aid)
        return best[1] if best else None
