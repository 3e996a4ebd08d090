"""The kernel: what every stage shares, and nothing else.

Labels, errors, where a warehouse keeps its files (and the run folder's file names), the records the
stages hand each other, the watchlist, and the few file primitives every stage needs (one day
parser, one atomic writer, one JSONL reader). The kernel imports no stage; every stage imports the
kernel; only the top (``tablewatch``, the DAGs, the benchmarks) imports the stages. See
``docs/choices.md`` ("The house") and ``tests/test_import_rules.py``.
"""
