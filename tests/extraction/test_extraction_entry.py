"""The console entry's shortcut for ``extract --html-dir`` and the lazy extraction imports."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tablewatch.entry import folder_args
from tests.extraction.pages import article_html

REPO = Path(__file__).resolve().parents[2]


def _python(code: str) -> dict:
    """Run ``code`` in a fresh interpreter (imports start empty) and read the JSON it prints."""
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _run(module: str, *args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", module, *args], cwd=cwd, capture_output=True, text=True
    )


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["extract", "--html-dir", "in", "--output", "o.json"], ("in", "o.json")),
        (["extract", "--output=o.json", "--html-dir=in"], ("in", "o.json")),
        (["extract", "--html-dir", "in"], None),  # the CLI's error message, not ours
        (["extract", "--html-dir", "in", "--output", "o.json", "--url", "u"], None),
        (["extract", "page.html"], None),
        (["extract", "--html-dir", "--output", "o.json"], None),
        (["extract", "--html-dir", "in", "--html-dir", "in2", "--output", "o"], None),
        (["extract", "--html-dir", "in", "--output", "o.json", "--help"], None),
        (["report", "--html-dir", "in", "--output", "o.json"], None),
        ([], None),
    ],
)
def test_only_the_plain_folder_form_takes_the_shortcut(argv: list[str], expected: tuple) -> None:
    got = folder_args(argv)
    assert got == (tuple(Path(p) for p in expected) if expected else None)


def _folder(tmp_path: Path) -> Path:
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "a.html").write_text(article_html(), encoding="utf-8")
    (pages / "b.html.gz").write_bytes(gzip.compress(article_html(title="Talks resume").encode()))
    return pages


def test_shortcut_writes_what_the_typer_command_writes(tmp_path: Path) -> None:
    pages = _folder(tmp_path)
    args = ("extract", "--html-dir", str(pages), "--output")
    fast = _run("tablewatch.entry", *args, "f.json", cwd=tmp_path)
    slow = _run("tablewatch.cli", *args, "s.json", cwd=tmp_path)
    assert (fast.returncode, fast.stdout) == (slow.returncode, slow.stdout) == (0, "")
    assert fast.stderr.replace("f.json", "s.json") == slow.stderr
    out = json.loads((tmp_path / "f.json").read_text(encoding="utf-8"))
    assert out == json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    assert sorted(out) == ["a", "b"] and "automation" in out["a"]["articleBody"]


def test_shortcut_reports_errors_like_the_cli(tmp_path: Path) -> None:
    pages = _folder(tmp_path)
    (pages / "broken.html.gz").write_bytes(b"not gzip at all")
    out = tmp_path / "out.json"
    fast = _run("tablewatch.entry", "extract", "--html-dir", str(pages), "--output", str(out))
    slow = _run("tablewatch.cli", "extract", "--html-dir", str(pages), "--output", str(out))
    assert fast.returncode == slow.returncode == 1
    assert fast.stderr == slow.stderr
    assert "broken.html.gz is not a valid gzip file" in fast.stderr
    # an OS error (the output is a folder) reads the same from both
    (tmp_path / "taken").mkdir()
    (tmp_path / "clean").mkdir()
    clean = _folder(tmp_path / "clean")
    args = ("extract", "--html-dir", str(clean), "--output", str(tmp_path / "taken"))
    fast, slow = _run("tablewatch.entry", *args), _run("tablewatch.cli", *args)
    assert fast.returncode == slow.returncode == 1
    # the message names the temporary file the write went to, with its process's id
    fast_line, slow_line = (re.sub(r"\.\d+\.tmp", ".tmp", r.stderr) for r in (fast, slow))
    assert fast_line == slow_line and "Is a directory" in fast_line
    # a missing folder goes to the CLI, which names it
    gone = _run("tablewatch.entry", "extract", "--html-dir", str(tmp_path / "no"), "--output", "x")
    assert gone.returncode == 1 and "not a folder" in gone.stderr


def test_shortcut_loads_neither_typer_nor_the_cli(tmp_path: Path) -> None:
    pages = _folder(tmp_path)
    got = _python(
        "import json, sys\n"
        "from tablewatch import entry\n"
        f"sys.argv = ['tablewatch', 'extract', '--html-dir', {str(pages)!r},"
        f" '--output', {str(tmp_path / 'o.json')!r}]\n"
        "try:\n    entry.main()\nexcept SystemExit as exc:\n    code = exc.code\n"
        "print(json.dumps([code, 'typer' in sys.modules, 'tablewatch.cli' in sys.modules]))"
    )
    assert got == [0, False, False]


def test_importing_the_crawl_side_does_not_load_trafilatura() -> None:
    """The reactor imports the encoding helpers and the worker pool; only extracting a body
    needs trafilatura (and its date, language and readability stacks)."""
    got = _python(
        "import json, sys\n"
        "import crawlers.extraction.encoding, crawlers.extraction_workers\n"
        "from crawlers.extraction import extract_page\n"
        "before = 'trafilatura' in sys.modules\n"
        "body = extract_page('<html><body><p>' + 'Talks went on late. ' * 30 + '</p></body></html>')\n"
        "print(json.dumps([before, 'trafilatura' in sys.modules, bool(body['body'])]))"
    )
    assert got == [False, True, True]
