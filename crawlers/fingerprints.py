"""Content fingerprints for dedupe: an exact hash, a 64-bit simhash and passage fingerprints.

Syndicated copies differ by a byline, a "(Reuters)" prefix or a related-links line; the exact hash
misses them, the simhash over word shingles keeps lightly edited copies within a few bits of each
other. A copy with a rewritten headline and lede moves the simhash of a 150-400-word article as far
as an unrelated article on the same story would, so such copies are found by the ordered sentence
windows they share with the original (``passages`` / ``PassageIndex``).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

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


# -- passage fingerprints (syndication) ------------------------------------------------------
# A syndicated copy keeps the wire text and rewrites the headline and lede: most of its sentences,
# in the same order, appear in the original. A fingerprint is the hash of a window of consecutive
# sentences, so copies match whatever their paragraphing, while articles that merely share one
# boilerplate sentence or recombine stock phrases in another order do not.

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'\u201d\u2019)\]]*\s+|\n\s*\n")


@dataclass(frozen=True)
class PassageParams:
    """How bodies are cut into fingerprinted windows and when a match counts as a copy."""

    window: int = 3  # consecutive sentences per fingerprint
    min_sentence_words: int = 5  # shorter fragments are joined to the next sentence
    min_coverage: float = 0.6  # share of the shorter body's words inside matched windows
    min_shared_words: int = 30  # below this, a match is a quote or boilerplate, not a copy


@dataclass(frozen=True)
class Passages:
    """One body's window hashes, the word count of each sentence, and the body's word count."""

    hashes: tuple[int, ...]
    sentence_words: tuple[int, ...]
    words: int


def _sentences(body: str, min_words: int) -> list[list[str]]:
    units: list[list[str]] = []
    carry: list[str] = []
    for piece in _SENTENCE_END.split(unicodedata.normalize("NFKC", body)):
        words = _WORD.findall(piece.lower()) if piece else []
        if not words:
            continue
        carry.extend(words)
        if len(carry) >= min_words:
            units.append(carry)
            carry = []
    if carry:
        if units:
            units[-1].extend(carry)
        else:
            units.append(carry)
    return units


def passages(body: str, params: PassageParams = PassageParams()) -> Passages:
    """Window ``i`` covers sentences ``i .. i + window - 1``; a body shorter than one window is a
    single window, so short texts can still be matched as a whole."""
    units = _sentences(body, params.min_sentence_words)
    span = min(params.window, len(units))
    hashes = []
    for i in range(len(units) - span + 1) if units else ():
        text = " ".join(" ".join(u) for u in units[i : i + span])
        digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()
        hashes.append(int.from_bytes(digest, "big", signed=True))
    counts = tuple(len(u) for u in units)
    return Passages(tuple(hashes), counts, sum(counts))


class PassageIndex:
    """Window hash -> articles, for "which kept article does this body copy?".

    Bodies loaded in bulk (the warehouse history) live in sorted numpy arrays, 12 bytes per window;
    bodies added one by one during the crawl go to a dict. Only kept articles are added, so a match
    always names a kept article and duplicates never chain.
    """

    def __init__(self, params: PassageParams = PassageParams()) -> None:
        self.params = params
        self._ids: list[str] = []
        self._words: list[int] = []
        self._frozen_hashes = np.empty(0, dtype=np.int64)
        self._frozen_owners = np.empty(0, dtype=np.int32)
        self._live: dict[int, list[int]] = {}

    def __len__(self) -> int:
        return len(self._ids)

    def _register(self, article_id: str, words: int) -> int:
        self._ids.append(article_id)
        self._words.append(words)
        return len(self._ids) - 1

    def add(self, article_id: str, fp: Passages) -> None:
        owner = self._register(article_id, fp.words)
        for h in set(fp.hashes):
            self._live.setdefault(h, []).append(owner)

    def add_many(self, items: Iterable[tuple[str, Passages]]) -> None:
        """Bulk load: one sort for the whole batch instead of a dict entry per window."""
        hashes: list[int] = []
        owners: list[int] = []
        for article_id, fp in items:
            owner = self._register(article_id, fp.words)
            unique = set(fp.hashes)
            hashes.extend(unique)
            owners.extend([owner] * len(unique))
        if not hashes:
            return
        all_h = np.concatenate([self._frozen_hashes, np.asarray(hashes, dtype=np.int64)])
        all_o = np.concatenate([self._frozen_owners, np.asarray(owners, dtype=np.int32)])
        order = np.argsort(all_h, kind="stable")
        self._frozen_hashes, self._frozen_owners = all_h[order], all_o[order]

    def _owners(self, hashes: Sequence[int]) -> list[list[int]]:
        found: list[list[int]] = [list(self._live.get(h, ())) for h in hashes]
        if len(self._frozen_hashes) and hashes:
            query = np.asarray(hashes, dtype=np.int64)
            lo = np.searchsorted(self._frozen_hashes, query, side="left")
            hi = np.searchsorted(self._frozen_hashes, query, side="right")
            for i in np.flatnonzero(hi > lo):
                found[i].extend(self._frozen_owners[lo[i] : hi[i]].tolist())
        return found

    def find(self, fp: Passages) -> tuple[str, float] | None:
        """The kept article covering the largest share of the shorter body, with that share,
        if it reaches ``min_coverage`` and ``min_shared_words``."""
        if not fp.hashes:
            return None
        span = len(fp.sentence_words) - len(fp.hashes) + 1
        covered: dict[int, set[int]] = {}
        for i, owners in enumerate(self._owners(fp.hashes)):
            for owner in owners:
                covered.setdefault(owner, set()).update(range(i, i + span))
        best: tuple[str, float] | None = None
        for owner, sentences in covered.items():
            shared = sum(fp.sentence_words[s] for s in sentences)
            shorter = min(fp.words, self._words[owner]) or 1
            share = shared / shorter
            if shared >= self.params.min_shared_words and share >= self.params.min_coverage:
                if best is None or share > best[1]:
                    best = (self._ids[owner], share)
        return best
