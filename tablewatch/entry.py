"""The ``tablewatch`` console script: ``extract --html-dir`` directly, everything else via Typer.

Extracting a folder is a batch job (a benchmark, a re-extraction script) whose cost should be
the extractor's. Loading Typer, Rich and every command's options first costs a few tenths of a CPU
second per run, a noticeable share of a short run. So this entry answers exactly that form
(``extract --html-dir DIR --output OUT``, with a folder that exists) itself and hands every other
command line, ``--help`` and every error case included, to ``tablewatch.cli``: one place decides
the interface, and this shortcut only repeats its success message and its error lines.
"""

from __future__ import annotations

import sys
from pathlib import Path

_FOLDER_OPTIONS = ("--html-dir", "--output")


def folder_args(argv: list[str]) -> tuple[Path, Path] | None:
    """(html_dir, output) when ``argv`` is ``extract --html-dir DIR --output OUT`` (either order,
    ``--opt=value`` or ``--opt value``); None for anything else, which the Typer CLI handles."""
    if not argv or argv[0] != "extract":
        return None
    found: dict[str, str] = {}
    rest = argv[1:]
    i = 0
    while i < len(rest):
        name, eq, value = rest[i].partition("=")
        if name not in _FOLDER_OPTIONS or name in found:
            return None
        if not eq:
            if i + 1 >= len(rest):
                return None
            i += 1
            value = rest[i]
        if not value or value.startswith("-"):
            return None
        found[name] = value
        i += 1
    if len(found) != len(_FOLDER_OPTIONS):
        return None
    return Path(found["--html-dir"]), Path(found["--output"])


def extract_folder(html_dir: Path, output: Path) -> int:
    """Run ``tablewatch extract --html-dir`` and return its exit code, with the CLI's messages."""
    from kernel.errors import USER_ERRORS, error_line

    try:
        from crawlers.extraction.api import extract_dir

        n = extract_dir(html_dir, output)
    except USER_ERRORS as exc:
        line, code = error_line(exc)
        print(line, file=sys.stderr)
        return code
    print(f"extracted {n} pages into {output}", file=sys.stderr)
    return 0


def main() -> None:
    args = folder_args(sys.argv[1:])
    if args is not None and args[0].is_dir():
        sys.exit(extract_folder(*args))
    from tablewatch.cli import main as cli_main

    cli_main()


if __name__ == "__main__":  # pragma: no cover
    main()
