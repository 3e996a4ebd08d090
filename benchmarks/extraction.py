"""Body-extraction quality and speed against plain trafilatura, on the shared benchmark pages.

Scoring follows the data's README (scrapinghub/article-extraction-benchmark): bodies are compared
as multisets of word 4-gram shingles; each page's tp/fp/fn are normalised to sum to 1 so long
articles do not dominate; precision and recall are averaged over pages and F1 is taken from the
two means. Both extractors see the same raw bytes in the same run, and
interleaved page by page, so the ratios are fair even on a busy machine.
"""

from __future__ import annotations

import gzip
import json
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

DATA_DIR = (
    Path(__file__).resolve().parents[1] / ".." / "shared" / "benchmarks" / "article-extraction"
)
QUICK_PAGES = 40

_WORD = re.compile(r"\w+")


def shingles(text: str | None, n: int = 4) -> Counter[tuple[str, ...]]:
    words = _WORD.findall(text or "")
    if len(words) < n:
        return Counter([tuple(words)] if words else [])
    return Counter(tuple(words[i : i + n]) for i in range(len(words) - n + 1))


def page_counts(true: str | None, pred: str | None) -> tuple[float, float, float]:
    """Normalised (tp, fp, fn) of one page's shingle multisets."""
    t, p = shingles(true), shingles(pred)
    tp = float(sum((t & p).values()))
    fp = float(sum((p - t).values()))
    fn = float(sum((t - p).values()))
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def _precision(tp: float, fp: float, fn: float) -> float:
    if fp == 0 and fn == 0:
        return 1.0
    return tp / (tp + fp) if tp + fp else 0.0


def _recall(tp: float, fp: float, fn: float) -> float:
    if fp == 0 and fn == 0:
        return 1.0
    return tp / (tp + fn) if tp + fn else 0.0


def score(counts: Iterable[tuple[float, float, float]]) -> dict[str, float]:
    """Mean precision, mean recall and the F1 of those means."""
    counts = list(counts)
    precision = statistics.mean(_precision(*c) for c in counts if c[0] + c[1] > 0)
    recall = statistics.mean(_recall(*c) for c in counts if c[0] + c[2] > 0)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"f1": f1, "precision": precision, "recall": recall}


def load_pages(
    data_dir: Path = DATA_DIR, limit: int | None = None
) -> list[tuple[str, bytes, dict]]:
    """(id, raw bytes, ground truth) of the benchmark pages, in a stable order."""
    truth = json.loads((data_dir / "ground-truth.json").read_text(encoding="utf-8"))
    ids = sorted(truth)
    if limit:
        ids = ids[:: max(1, len(ids) // limit)][:limit]
    return [
        (pid, gzip.decompress((data_dir / "html" / f"{pid}.html.gz").read_bytes()), truth[pid])
        for pid in ids
    ]


def measure(
    extractors: dict[str, Callable[[bytes, str | None], str | None]],
    pages: list[tuple[str, bytes, dict]],
) -> dict[str, dict[str, float]]:
    """Quality and speed of each extractor; pages are interleaved so load drift hits all alike."""
    seconds = dict.fromkeys(extractors, 0.0)
    counts: dict[str, list[tuple[float, float, float]]] = {name: [] for name in extractors}
    names = list(extractors)
    for i, (_, raw, gt) in enumerate(pages):
        for name in names if i % 2 == 0 else reversed(names):
            started = time.perf_counter()
            body = extractors[name](raw, gt.get("url"))
            seconds[name] += time.perf_counter() - started
            counts[name].append(page_counts(gt.get("articleBody"), body))
    results = {}
    for name in names:
        results[name] = score(counts[name])
        results[name]["pages_per_s"] = len(pages) / seconds[name] if seconds[name] else float("inf")
    return results


def tablewatch_body(raw: bytes, url: str | None) -> str | None:
    from crawlers.extraction import extract_page

    return extract_page(raw, url=url)["body"]


def trafilatura_body(raw: bytes, url: str | None) -> str | None:
    import trafilatura

    return trafilatura.extract(raw, url=url)


def run(quick: bool = False) -> str:
    if not (DATA_DIR / "ground-truth.json").exists():
        return f"### Article extraction\n\nskipped: {DATA_DIR} not found\n"
    pages = load_pages(limit=QUICK_PAGES if quick else None)
    # warm both up (imports, lazy tables) outside the timed runs
    tablewatch_body(pages[0][1], None)
    trafilatura_body(pages[0][1], None)
    results = measure({"ours": tablewatch_body, "base": trafilatura_body}, pages)
    ours, base = results["ours"], results["base"]
    speed_ratio = ours["pages_per_s"] / base["pages_per_s"]
    rows = [
        "| extractor | F1 | precision | recall | pages/s | speed vs trafilatura |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, m, ratio in (
        ("tablewatch extract_page", ours, speed_ratio),
        ("trafilatura.extract", base, 1.0),
    ):
        rows.append(
            f"| {name} | {m['f1']:.3f} | {m['precision']:.3f} | {m['recall']:.3f} "
            f"| {m['pages_per_s']:.1f} | {ratio:.2f}x |"
        )
    mode = f"quick, {len(pages)} pages" if quick else f"{len(pages)} pages"
    return (
        f"### Article extraction ({mode})\n\n"
        + "\n".join(rows)
        + f"\n\nF1 gain over trafilatura: {ours['f1'] - base['f1']:+.3f} "
        "(word 4-gram shingles, mean over pages).\n"
    )


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv))
