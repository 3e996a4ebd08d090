"""`tablewatch`: one command per stage, plus `run` (all stages for a day) and `demo`.

Every command takes ``--db``, logs what it did (counts, timings) and turns a ``TablewatchError``
into one readable line and exit code 1, so scripts and cron mails stay legible. Heavy packages are
imported inside the commands: ``tablewatch --help`` answers instantly.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from kernel.errors import USER_ERRORS, TablewatchError, error_line
from kernel.paths import DEFAULT_DB

app = typer.Typer(
    help="Tablewatch: negotiation news monitor (crawl -> annotate -> load -> alerts -> report).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
log = logging.getLogger("tablewatch")
#: where ``tablewatch demo`` builds its warehouse (relative to the working directory)
DEMO_DB = Path("data/demo/tablewatch.duckdb")

DbOpt = Annotated[Path, typer.Option("--db", help="DuckDB warehouse file.", show_default=True)]
DateOpt = Annotated[
    str | None, typer.Option("--date", help="Logical day YYYY-MM-DD (default: today, UTC).")
]
SourcesOpt = Annotated[
    Path | None, typer.Option("--sources", help="Sources YAML (default: crawlers/sources.yaml).")
]
WatchlistOpt = Annotated[
    Path | None,
    typer.Option("--watchlist", help="Watchlist YAML (default: kernel/watchlist.yaml)."),
]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Debug logging.")]

F = TypeVar("F", bound=Callable[..., Any])


def _setup_logging(verbose: bool) -> None:
    from rich.logging import RichHandler

    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(message)s",
        datefmt="[%X]",
        handlers=[RichHandler(console=_stderr(), show_path=False, rich_tracebacks=False)],
        force=True,
    )
    for noisy in ("scrapy", "urllib3", "filelock", "asyncio", "numba"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _stderr():  # noqa: ANN202 - rich Console, imported lazily
    from rich.console import Console

    return Console(stderr=True)


def friendly_errors(func: F) -> F:
    """Print a TablewatchError (and common OS errors) as one line and exit 1, never a traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return func(*args, **kwargs)
        except USER_ERRORS as exc:
            line, code = error_line(exc)
            typer.echo(line, err=True)
            raise typer.Exit(code) from None
        finally:
            log.debug("%s took %.2fs", func.__name__, time.perf_counter() - started)

    return wrapper  # type: ignore[return-value]


def _show_version(value: bool) -> None:
    if value:
        from tablewatch import __version__

        typer.echo(f"tablewatch {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_show_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    pass


def _no_warehouse_but_demo(db: Path) -> None:
    """A new user runs the demo, then queries without ``--db``: name the demo's warehouse instead
    of a bare "no warehouse" that sends them to ``tablewatch load``."""
    from kernel.paths import layout

    def exists(path: Path) -> bool:
        return path.exists() or layout(path).snapshot.exists()

    if not exists(db) and exists(DEMO_DB):
        raise TablewatchError(
            f"no warehouse at {db}, but the demo's warehouse is {DEMO_DB}: "
            f"add `--db {DEMO_DB}` to query it"
        )


def _echo_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


@app.command()
@friendly_errors
def crawl(
    db: DbOpt = DEFAULT_DB,
    date: DateOpt = None,
    sources: SourcesOpt = None,
    watchlist: WatchlistOpt = None,
    source: Annotated[
        str | None,
        typer.Option(
            "--source",
            help="Crawl this outlet only, into runs/<day>/parts/<source>/ (then --merge).",
        ),
    ] = None,
    merge: Annotated[
        bool,
        typer.Option(
            "--merge", help="Merge the day's outlet parts into its run folder (dedupe across them)."
        ),
    ] = False,
    verbose: VerboseOpt = False,
) -> None:
    """Crawl every source's feeds, sitemaps and sections into the raw archive and the day's run folder."""
    from tablewatch.pipeline import crawl_merge_stage, crawl_stage

    _setup_logging(verbose)
    if merge and source:
        raise TablewatchError("--merge merges every outlet's part: give it without --source")
    if merge:
        _echo_json(crawl_merge_stage(db, date, sources=sources))
    else:
        _echo_json(crawl_stage(db, date, sources=sources, watchlist=watchlist, source=source))


@app.command()
@friendly_errors
def annotate(
    input: Annotated[
        Path | None, typer.Option("--input", help="JSONL of {id, text, published, url?} documents.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", help="JSONL, one line per sentence.")
    ] = None,
    db: DbOpt = DEFAULT_DB,
    date: DateOpt = None,
    batch_size: Annotated[int, typer.Option(help="Documents per nlp.pipe batch.")] = 32,
    n_process: Annotated[int, typer.Option(help="Worker processes for nlp.pipe.")] = 1,
    watchlist: WatchlistOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Label every sentence: with --input/--output any JSONL file, else the day's crawled articles."""
    _setup_logging(verbose)
    if input is not None or output is not None:
        if input is None or output is None:
            raise TablewatchError("--input and --output go together")
        from kernel.watchlist import load_watchlist
        from nlp.annotate import annotate_file
        from tablewatch.progress import Reporter

        load_watchlist(watchlist)
        started = time.perf_counter()
        with Reporter("annotate", "documents") as reporter:
            n = annotate_file(
                input,
                output,
                batch_size=batch_size,
                n_process=n_process,
                on_progress=reporter.update,
                watchlist_path=watchlist,
            )
        log.info(
            "annotated %d sentences into %s in %.1fs", n, output, time.perf_counter() - started
        )
        return
    from tablewatch.pipeline import annotate_stage

    _echo_json(
        annotate_stage(
            db,
            date,
            n_process=n_process,
            batch_size=batch_size,
            watchlist=watchlist,
        )
    )


@app.command()
@friendly_errors
def extract(
    page: Annotated[Path | None, typer.Argument(help="One page, .html or .html.gz.")] = None,
    url: Annotated[str | None, typer.Option(help="The page's URL (helps dates and links).")] = None,
    html_dir: Annotated[
        Path | None, typer.Option("--html-dir", help="Extract every *.html[.gz] in this folder.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", help="With --html-dir: the JSON file to write.")
    ] = None,
    fetched: Annotated[
        str | None,
        typer.Option(help="When the page was fetched (ISO time): reads a byline's '3 hours ago'."),
    ] = None,
) -> None:
    """Print the extraction (title, authors, dates, body...) of one page, or of a folder into a file."""
    from crawlers.extraction import extract_dir, extract_file

    if html_dir is not None:
        if output is None:
            raise TablewatchError("--html-dir needs --output OUT.json")
        if not html_dir.is_dir():
            raise TablewatchError(f"not a folder: {html_dir}")
        n = extract_dir(html_dir, output)
        typer.echo(f"extracted {n} pages into {output}", err=True)
        return
    if page is None:
        raise TablewatchError("give a PAGE.html[.gz] or --html-dir DIR --output OUT.json")
    if not page.is_file():
        raise TablewatchError(f"no such file: {page}")
    if fetched is not None:
        try:
            dt.datetime.fromisoformat(fetched.replace("Z", "+00:00"))
        except ValueError:
            raise TablewatchError(f"--fetched is not an ISO time: {fetched!r}") from None
    _echo_json(extract_file(page, url=url, fetched=fetched))


@app.command()
@friendly_errors
def reextract(db: DbOpt = DEFAULT_DB, date: DateOpt = None, verbose: VerboseOpt = False) -> None:
    """Re-run extraction on the day's archived pages (after an extraction fix), fetching nothing."""
    from tablewatch.pipeline import reextract_stage

    _setup_logging(verbose)
    _echo_json(reextract_stage(db, date))


@app.command()
@friendly_errors
def load(
    db: DbOpt = DEFAULT_DB,
    date: DateOpt = None,
    watchlist: WatchlistOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Load the day's articles and sentences into the warehouse (one transaction, idempotent)."""
    from tablewatch.pipeline import load_stage

    _setup_logging(verbose)
    _echo_json(load_stage(db, date, watchlist=watchlist))


@app.command()
@friendly_errors
def alerts(
    db: DbOpt = DEFAULT_DB,
    date: DateOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List what would be sent.")] = False,
    config: Annotated[Path | None, typer.Option(help="Alerts config YAML.")] = None,
    since: Annotated[
        str | None, typer.Option(help="Backfill: evaluate every day from this one to --date.")
    ] = None,
    verbose: VerboseOpt = False,
) -> None:
    """Detect tone shifts and table events as of the day, store them once and deliver them."""
    from tablewatch.pipeline import alerts_stage

    _setup_logging(verbose)
    summary = alerts_stage(db, date, dry_run=dry_run, config=config, since=since)
    for line in summary["lines"]:
        typer.echo(line)
    if not summary["lines"]:
        typer.echo("no alerts" + (" would be sent" if dry_run else ""))


@app.command()
@friendly_errors
def brief(
    db: DbOpt = DEFAULT_DB,
    date: DateOpt = None,
    negotiation: Annotated[str | None, typer.Option(help="Only this negotiation id.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="md, html or json.")] = "md",
    out: Annotated[Path | None, typer.Option("--out", help="File to write the brief to.")] = None,
    send: Annotated[
        bool, typer.Option("--send/--no-send", help="Deliver on the configured channels.")
    ] = True,
    config: Annotated[Path | None, typer.Option(help="Alerts config YAML.")] = None,
    verbose: VerboseOpt = False,
) -> None:
    """The morning brief: per negotiation, what changed since the previous day."""
    from tablewatch.pipeline import brief_stage

    _setup_logging(verbose)
    summary = brief_stage(
        db, date, negotiation=negotiation, fmt=fmt, out=out, deliver=send, config=config
    )
    typer.echo(summary["text"].rstrip())
    typer.echo(f"brief written to {summary['path']}", err=True)


@app.command()
@friendly_errors
def report(
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Folder for the HTML report (default: reports/ next to --db)."),
    ] = None,
    db: DbOpt = DEFAULT_DB,
    negotiation: Annotated[str | None, typer.Option(help="Only this negotiation id.")] = None,
    date_from: Annotated[str | None, typer.Option("--from", help="First day YYYY-MM-DD.")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Last day YYYY-MM-DD.")] = None,
    watchlist: WatchlistOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Write a self-contained HTML report with the trend charts."""
    from tablewatch.pipeline import report_stage

    _setup_logging(verbose)
    summary = report_stage(
        db,
        None,
        out_dir=out,
        negotiation=negotiation,
        date_from=date_from,
        date_to=date_to,
        watchlist=watchlist,
    )
    typer.echo(summary["report"])


@app.command()
@friendly_errors
def sql(
    query: Annotated[str, typer.Argument(help="SQL to run against the read snapshot.")],
    db: DbOpt = DEFAULT_DB,
    format: Annotated[str, typer.Option("--format", help="table, csv, json or parquet.")] = "table",
    output: Annotated[
        Path | None, typer.Option("--output", help="File to write (required for parquet).")
    ] = None,
) -> None:
    """Run a read-only SQL query against the warehouse and print the result."""
    from warehouse.query import write_result

    _no_warehouse_but_demo(db)
    write_result(db, query, fmt=format, output=output)


@app.command()
@friendly_errors
def board(
    negotiation: Annotated[str, typer.Option("--negotiation", help="Negotiation id (watchlist).")],
    db: DbOpt = DEFAULT_DB,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Day YYYY-MM-DD (default: latest coverage).")
    ] = None,
    window_days: Annotated[
        int | None, typer.Option("--window-days", help="Recent window in days (default 28).")
    ] = None,
    format: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """Which issues are agreed, narrowing, apart or quiet, with the sentence that decided."""
    from tablewatch.pipeline import board_stage

    if format not in ("table", "json"):
        raise TablewatchError(f"--format must be table or json, got {format!r}")
    entries = board_stage(db, negotiation, as_of=as_of, window_days=window_days)
    if format == "json":
        typer.echo(json.dumps(entries, ensure_ascii=False, indent=1))
        return
    from rich.console import Console
    from rich.table import Table

    day = entries[0]["as_of"] if entries else as_of
    table = Table(title=f"{negotiation}: issues as of {day}")
    for col in ("issue", "status", "last mentioned", "progress", "gap", "agreement", "evidence"):
        table.add_column(col, overflow="fold")
    for e in entries:
        ev = e["evidence"]
        table.add_row(
            e["issue"],
            e["status"],
            e["last_mentioned"] or "",
            str(e["progress"]),
            str(e["gap"]),
            str(e["agreement"]),
            f"{ev['published']}: {ev['sentence']}" if ev else "",
        )
    Console(width=160).print(table)


@app.command()
@friendly_errors
def export(
    to: Annotated[Path, typer.Option("--to", help="Folder for the Parquet dataset.")],
    db: DbOpt = DEFAULT_DB,
) -> None:
    """Write the sentences as Parquet partitioned by negotiation and month, for other tools."""
    from warehouse.export import export_parquet

    paths = export_parquet(db, to)
    typer.echo(f"wrote {len(paths)} files under {to}")


@app.command()
@friendly_errors
def run(
    db: DbOpt = DEFAULT_DB,
    date: DateOpt = None,
    sources: SourcesOpt = None,
    n_process: Annotated[int, typer.Option(help="Worker processes for annotation.")] = 1,
    watchlist: WatchlistOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """All stages for one day: crawl, annotate, load, alerts, report."""
    from tablewatch.pipeline import run_day

    _setup_logging(verbose)
    _echo_json(
        run_day(
            db,
            date,
            sources=sources,
            n_process=n_process,
            watchlist=watchlist,
        )
    )


@app.command()
@friendly_errors
def demo(
    db: DbOpt = DEMO_DB,
    fresh: Annotated[bool, typer.Option(help="Start from an empty warehouse.")] = True,
    verbose: VerboseOpt = False,
) -> None:
    """Serve the embedded demo site locally and run the whole pipeline over it."""
    from tablewatch.demo import run_demo

    _setup_logging(verbose)
    run_demo(db, fresh=fresh)


def main() -> None:  # pragma: no cover - console entry
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
