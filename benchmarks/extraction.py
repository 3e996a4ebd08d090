"""Body-extraction quality and speed against plain trafilatura, on the shared benchmark pages.

Two speed figures. Whole processes (the headline): ``tablewatch extract --html-dir`` against a
plain ``trafilatura.extract`` loop over the same folder, each started as its own process, CPU
(user + sys) taken from the OS, in pairs that alternate which runs first; the ratio is the median
of the pairs' ratios, so start-up and imports count as a user pays them. In process: both
extractors page by page in one interpreter (start-up excluded).

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
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

DATA_DIR = (
    Path(__file__).resolve().parents[1] / ".." / "shared" / "benchmarks" / "article-extraction"
)
QUICK_PAGES = 40
PAIRS = 5
QUICK_PAIRS = 3

#: the anchor process: what a user of plain trafilatura would run over the same folder
PLAIN_TRAFILATURA = """
import gzip, json, sys
from pathlib import Path
import trafilatura
bodies = {}
for path in sorted(Path(sys.argv[1]).iterdir()):
    if path.name.endswith(".html.gz"):
        text = trafilatura.extract(gzip.decompress(path.read_bytes()))
        bodies[path.name[: -len(".html.gz")]] = {"articleBody": text or ""}
Path(sys.argv[2]).write_text(json.dumps(bodies, ensure_ascii=False), encoding="utf-8")
"""

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


def _tablewatch_command() -> list[str]:
    """The installed console script (what users run), else the same entry through ``-m``."""
    script = Path(sys.executable).with_name("tablewatch")
    return [str(script)] if script.exists() else [sys.executable, "-m", "tablewatch.entry"]


def _child_cpu(cmd: list[str]) -> float:
    """User + system CPU seconds of one child process, from the OS's accounting."""
    from benchmarks.crawl import child_env

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        cmd, check=True, env=child_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _score_file(output: Path, pages: list[tuple[str, bytes, dict]]) -> dict[str, float]:
    bodies = json.loads(output.read_text(encoding="utf-8"))
    return score(
        page_counts(gt.get("articleBody"), bodies.get(pid, {}).get("articleBody"))
        for pid, _, gt in pages
    )


def measure_processes(
    pages: list[tuple[str, bytes, dict]], pairs: int, data_dir: Path = DATA_DIR
) -> dict[str, float]:
    """Whole-process CPU of ``tablewatch extract --html-dir`` and of a plain trafilatura loop.

    Both read the same folder of .html.gz files (a temporary folder of links when only some
    pages are measured) and write one JSON file, which is scored, so the F1 is that of the
    timed runs. One untimed run of each first fills the bytecode cache and the page cache.
    """
    with tempfile.TemporaryDirectory(prefix="extraction-bench-") as tmp:
        folder = data_dir / "html"
        if len(pages) < len(list(folder.glob("*.html.gz"))):
            folder = Path(tmp) / "html"
            folder.mkdir()
            for pid, _, _ in pages:
                (folder / f"{pid}.html.gz").symlink_to(data_dir / "html" / f"{pid}.html.gz")
        ours_out, base_out = Path(tmp) / "ours.json", Path(tmp) / "base.json"
        ours = [*_tablewatch_command(), "extract", "--html-dir", str(folder)]
        ours += ["--output", str(ours_out)]
        base = [sys.executable, "-c", PLAIN_TRAFILATURA, str(folder), str(base_out)]
        _child_cpu(ours)  # warm-up, untimed
        _child_cpu(base)
        cpu: dict[str, list[float]] = {"ours": [], "base": []}
        for i in range(pairs):
            order = ("ours", "base") if i % 2 else ("base", "ours")
            for name in order:
                cpu[name].append(_child_cpu(ours if name == "ours" else base))
        ratios = [o / b for o, b in zip(cpu["ours"], cpu["base"], strict=True)]
        return {
            "ours_cpu": statistics.median(cpu["ours"]),
            "base_cpu": statistics.median(cpu["base"]),
            "ratio": statistics.median(ratios),
            "ratio_min": min(ratios),
            "ratio_max": max(ratios),
            "ours_f1": _score_file(ours_out, pages)["f1"],
            "base_f1": _score_file(base_out, pages)["f1"],
        }


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
    pairs = QUICK_PAIRS if quick else PAIRS
    proc = measure_processes(pages, pairs)
    mode = f"quick, {len(pages)} pages" if quick else f"{len(pages)} pages"
    return (
        f"### Article extraction ({mode})\n\n"
        "Whole processes, CPU user + sys (median of "
        f"{pairs} pairs, order alternating; ratio = median of the pairs' ratios):\n\n"
        "| process | F1 | CPU s | CPU vs plain trafilatura |\n"
        "| --- | --- | --- | --- |\n"
        f"| `tablewatch extract --html-dir` | {proc['ours_f1']:.3f} | {proc['ours_cpu']:.2f} "
        f"| {proc['ratio']:.2f}x (pairs {proc['ratio_min']:.2f}-{proc['ratio_max']:.2f}) |\n"
        f"| `trafilatura.extract` loop | {proc['base_f1']:.3f} | {proc['base_cpu']:.2f} "
        "| 1.00x |\n\n"
        "In process (page by page in one interpreter, start-up excluded):\n\n"
        + "\n".join(rows)
        + f"\n\nF1 gain over trafilatura: {ours['f1'] - base['f1']:+.3f} "
        "(word 4-gram shingles, mean over pages).\n"
    )


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv))
