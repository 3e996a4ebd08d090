"""The command line the scaling benchmarks share: ``--quick``, ``--sizes``, ``--budget-s``."""

from __future__ import annotations

import argparse
from typing import NamedTuple


class SizeOptions(NamedTuple):
    quick: bool
    sizes: tuple[int, ...] | None
    budget_s: float


def parse_size_options(
    prog: str, description: str | None, unit: str, quick_sizes: tuple[int, ...], budget_s: float
) -> SizeOptions:
    """``unit`` names what a size counts (articles, documents) in the help text."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--quick", action="store_true", help=f"only {quick_sizes} {unit}")
    parser.add_argument("--sizes", type=int, nargs="+", help=f"{unit} counts to measure instead")
    parser.add_argument("--budget-s", type=float, default=budget_s, help="skip sizes beyond it")
    args = parser.parse_args()
    return SizeOptions(args.quick, tuple(args.sizes) if args.sizes else None, args.budget_s)
