"""Opening the warehouse: one writer that migrates and publishes a snapshot, readers that never wait.

DuckDB lets a single process write a file, and a read-only open of that file blocks the writer.
So every write session ends by publishing a consistent copy (``<db stem>.snapshot.duckdb``,
written to a temporary name and moved into place atomically) and readers open that copy: a report
or an ad-hoc query never holds up the daily load, and never sees half of it.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import yaml

from kernel import labels
from kernel.config import read_yaml
from kernel.errors import ConfigError, TablewatchError
from kernel.paths import layout

PACKAGE_DIR = Path(__file__).resolve().parent
MIGRATIONS_DIR = PACKAGE_DIR / "migrations"
VIEWS_DIR = PACKAGE_DIR / "views"
SETTINGS_FILE = PACKAGE_DIR / "settings.yaml"
MILESTONES_FILE = PACKAGE_DIR / "milestones.yaml"
BOARD_FILE = PACKAGE_DIR / "board.yaml"

_MIGRATION_NAME = re.compile(r"^(\d{3})_[A-Za-z0-9_]+\.sql$")
_LOCK_MESSAGES = ("could not set lock", "conflicting lock")
_BOOTSTRAP = (
    "create table if not exists schema_migrations "
    "(version integer primary key, name varchar not null, applied_at timestamp not null)"
)


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path


@cache
def settings() -> dict[str, Any]:
    """The warehouse settings file, parsed once per process."""
    return yaml.safe_load(SETTINGS_FILE.read_text(encoding="utf-8"))


def utc_now() -> dt.datetime:
    """Naive UTC, the form every warehouse timestamp is stored in."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def list_migrations(migrations_dir: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Migration files in version order; two files with one number would make the order a guess."""
    found: dict[int, Migration] = {}
    for path in sorted(Path(migrations_dir).glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if not match:
            raise TablewatchError(f"migration file name must be NNN_name.sql: {path}")
        version = int(match.group(1))
        if version in found:
            raise TablewatchError(
                f"two migrations with version {version}: {found[version].path}, {path}"
            )
        found[version] = Migration(version, path.name, path)
    return [found[v] for v in sorted(found)]


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """Highest applied migration, 0 for a new file."""
    exists = con.execute(
        "select count(*) from duckdb_tables() "
        "where table_name = 'schema_migrations' and schema_name = 'main' and not temporary"
    ).fetchall()[0][0]
    if not exists:
        return 0
    return con.execute("select coalesce(max(version), 0) from schema_migrations").fetchall()[0][0]


def _apply_pending(con: duckdb.DuckDBPyConnection, pending: list[Migration]) -> None:
    for migration in pending:
        try:
            con.execute(migration.path.read_text(encoding="utf-8"))
        except duckdb.Error as exc:
            raise TablewatchError(f"migration {migration.name} failed: {_one_line(exc)}") from None
        con.execute(
            "insert into schema_migrations (version, name, applied_at) values (?, ?, ?)",
            [migration.version, migration.name, utc_now()],
        )


def _view_order(views_dir: Path) -> list[tuple[str, str]]:
    """View files sorted so that every view comes after the views it selects from."""
    sql = {p.stem: p.read_text(encoding="utf-8") for p in sorted(Path(views_dir).glob("*.sql"))}
    code = {name: re.sub(r"--[^\n]*", "", text).lower() for name, text in sql.items()}
    deps = {
        name: {other for other in sql if other != name and re.search(rf"\b{other}\b", text)}
        for name, text in code.items()
    }
    ordered: list[tuple[str, str]] = []
    done: set[str] = set()
    while len(done) < len(sql):
        ready = [n for n in sql if n not in done and deps[n] <= done]
        if not ready:
            stuck = sorted(set(sql) - done)
            raise TablewatchError(f"views depend on each other in a cycle: {', '.join(stuck)}")
        for name in ready:
            ordered.append((name, sql[name]))
            done.add(name)
    return ordered


def _table_rows(con: duckdb.DuckDBPyConnection, table: str, columns: str) -> list[tuple] | None:
    """A reference table's rows, sorted, or None when it does not exist yet."""
    exists = con.execute(
        "select count(*) from duckdb_tables() where table_name = ? and schema_name = 'main'",
        [table],
    ).fetchone()[0]
    if not exists:
        return None
    return sorted(con.execute(f"select {columns} from {table}").fetchall())


def refresh_reference_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Tables the views read that come from configuration, rebuilt when the configuration changed.

    ``label_vocabulary``: every label of kernel.labels, so views can list what has no rows (an
    issue never mentioned) without a copy of the vocabulary in SQL. ``milestone_cues``: the cues
    of ``milestones.yaml`` that make a dated sentence a milestone (view ``sentence_milestones``).
    The macros ``milestone_cued`` and ``deal_terms_pattern`` (``board.yaml``) are written every time.
    Each write-open compares them with the configuration (a few hundred rows) and rewrites a table
    only when they differ, so a daily load does not rewrite unchanged tables into every snapshot.
    """
    rows = [
        (name, str(label), position)
        for name, values in (
            ("signal", labels.SIGNALS),
            ("tone", labels.TONES),
            ("issues", labels.ISSUES),
            ("parties", labels.PARTIES),
            ("dates.type", labels.DATE_TYPES),
            ("status", labels.STATUSES),
            ("milestones.kind", labels.MILESTONE_KINDS),
        )
        for position, label in enumerate(values)
    ]
    if _table_rows(con, "label_vocabulary", "field, label, position") != sorted(rows):
        con.execute(
            "create or replace table label_vocabulary"
            " (field varchar not null, label varchar not null, position integer not null)"
        )
        fields, values, positions = (list(col) for col in zip(*rows, strict=True))
        con.execute(
            "insert into label_vocabulary"
            " select unnest(cast(? as varchar[])), unnest(cast(? as varchar[])),"
            " unnest(cast(? as integer[]))",
            [fields, values, positions],
        )
    cues = milestone_cues()
    wanted = [
        (c["kind"], c["pattern"], i, cues["max_distance"]) for i, c in enumerate(cues["cues"])
    ]
    stale = _table_rows(con, "milestone_cues", "kind, pattern, position, max_distance") != sorted(
        wanted
    )
    if stale:
        kinds, patterns, positions, _ = (list(col) for col in zip(*wanted, strict=True))
        con.execute(
            "create or replace table milestone_cues as select unnest(cast(? as varchar[])) as kind,"
            " unnest(cast(? as varchar[])) as pattern, unnest(cast(? as integer[])) as position,"
            " cast(? as integer) as max_distance",
            [kinds, patterns, positions, cues["max_distance"]],
        )
    # written every session like the views (a catalog entry, no data): asking duckdb_functions()
    # whether it exists costs more than writing it
    con.execute(milestone_cued_sql([c["pattern"] for c in cues["cues"]]))
    con.execute(deal_terms_sql(board_settings()["deal_terms"]))


def deal_terms_sql(pattern: str) -> str:
    """``deal_terms_pattern()``: the board's deal-terms regular expression (``board.yaml``), the
    default of ``issue_status_as_of(..., deal_terms)``.

    A macro of a string constant, not a table row: the board's ``regexp_matches`` then gets a
    constant pattern, compiled once, where one read from a table would be compiled per sentence.
    DuckDB takes a macro parameter's default when the macro is created, so this must run before
    the views are (re-)created, as ``migrate`` does: readers of a snapshot then need no config.
    """
    return f"create or replace macro deal_terms_pattern() as {sql_literal(pattern)}"


def sql_literal(text: str) -> str:
    """``text`` as a SQL string constant. Only the macros need it: DuckDB takes no parameters in
    ``create macro``, and a constant pattern is what lets it compile the regex once."""
    return "'" + text.replace("'", "''") + "'"


@cache
def board_settings(path: Path = BOARD_FILE) -> dict[str, Any]:
    """The issue board's settings (``board.yaml``), checked: a ``deal_terms`` pattern DuckDB can
    compile and no other key, so a typo or a broken pattern stops the write-open with one line.
    Read and checked once per process, like ``settings()``: every write-open asks for it."""
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping with the key 'deal_terms'")
    unknown = sorted(set(data) - {"deal_terms"})
    if unknown:
        raise ConfigError(f"{path}: unknown keys {unknown}; allowed: ['deal_terms']")
    pattern = data.get("deal_terms")
    if not isinstance(pattern, str) or not pattern.strip():
        raise ConfigError(f"{path}: deal_terms must be a non-empty regular expression (a string)")
    try:
        duckdb.sql("select regexp_matches('', ?)", params=[pattern]).fetchall()
    except duckdb.Error as exc:
        raise ConfigError(f"{path}: deal_terms does not compile: {_one_line(exc)}") from None
    return data


def milestone_cued_sql(patterns: list[str]) -> str:
    """``milestone_cued(sentence)``: does any cue match, as ONE constant regular expression.

    The view ``sentence_milestones`` joins sentences with ``milestone_cues`` on a per-row pattern,
    which DuckDB compiles again for every pair (70 CPU s at 0.5M sentences). This macro, the
    alternation of every cue, is a literal pattern compiled once; the view filters with it first,
    so only the few cued sentences reach the per-cue join. Same rows: a sentence passes the filter
    exactly when at least one cue matches it.
    """
    alternation = "|".join(f"(?:{p})" for p in patterns)
    return (
        "create or replace macro milestone_cued(sentence) as"
        f" regexp_matches(lower(sentence), {sql_literal(alternation)})"
    )


@cache
def milestone_cues(path: Path = MILESTONES_FILE) -> dict[str, Any]:
    """The coverage-milestone cues, checked: known kinds, patterns DuckDB can compile. Read and
    checked once per process (every write-open asks for them)."""
    data = read_yaml(path)
    cues = data.get("cues") if isinstance(data, dict) else None
    if not isinstance(cues, list) or not cues:
        raise ConfigError(f"{path}: expected a non-empty 'cues' list")
    for i, cue in enumerate(cues):
        if not isinstance(cue, dict) or set(cue) != {"kind", "pattern"}:
            raise ConfigError(f"{path}: cues[{i}] must have exactly 'kind' and 'pattern'")
        if cue["kind"] not in labels.MILESTONE_KINDS:
            raise ConfigError(
                f"{path}: cues[{i}].kind {cue['kind']!r} is not one of {labels.MILESTONE_KINDS}"
            )
        try:
            duckdb.sql("select regexp_matches('', ?)", params=[cue["pattern"]]).fetchall()
        except duckdb.Error as exc:
            raise ConfigError(
                f"{path}: cues[{i}].pattern does not compile: {_one_line(exc)}"
            ) from None
    distance = data.get("max_distance")
    if not isinstance(distance, int) or isinstance(distance, bool) or distance < 1:
        raise ConfigError(f"{path}: max_distance must be a whole number of characters >= 1")
    return data


def create_views(con: duckdb.DuckDBPyConnection, views_dir: Path = VIEWS_DIR) -> list[str]:
    """(Re-)create every view of ``views_dir``; a view file holds one ``create or replace view``
    (or table macro) and its ``comment on view``, so the description lives beside the SQL."""
    names = []
    for name, text in _view_order(views_dir):
        try:
            con.execute(text)
        except duckdb.Error as exc:
            raise TablewatchError(f"view {name}.sql failed: {_one_line(exc)}") from None
        names.append(name)
    return names


def migrate(
    con: duckdb.DuckDBPyConnection,
    migrations_dir: Path = MIGRATIONS_DIR,
    views_dir: Path | None = VIEWS_DIR,
    upto: int | None = None,
) -> list[int]:
    """Apply pending migrations and re-create the views in one transaction: all or nothing.

    Returns the versions applied. ``upto`` stops at a version (tests build old files with it).
    """
    available = list_migrations(migrations_dir)
    con.execute("begin transaction")
    try:
        con.execute(_BOOTSTRAP)
        current = schema_version(con)
        latest = available[-1].version if available else 0
        if current > latest:
            raise TablewatchError(
                f"warehouse schema version {current} is newer than this code knows ({latest}): "
                "upgrade Tablewatch"
            )
        pending = [
            m for m in available if m.version > current and (upto is None or m.version <= upto)
        ]
        _apply_pending(con, pending)
        refresh_reference_tables(con)
        if views_dir is not None:
            create_views(con, views_dir)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return [m.version for m in pending]


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def _is_lock_error(exc: BaseException) -> bool:
    text = str(exc).lower()
    return any(m in text for m in _LOCK_MESSAGES)


def _open_for_write(path: Path, timeout_s: float | None = None) -> duckdb.DuckDBPyConnection:
    conf = settings()["write_lock"]
    timeout_s = conf["timeout_s"] if timeout_s is None else timeout_s
    delay = conf["first_delay_s"]
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return duckdb.connect(str(path))
        except duckdb.Error as exc:
            if not _is_lock_error(exc):
                raise TablewatchError(f"cannot open warehouse {path}: {_one_line(exc)}") from None
            if time.monotonic() + delay > deadline:
                raise TablewatchError(
                    f"warehouse {path} is locked by another writer (waited {timeout_s:g}s): "
                    "try again when the running load or alerts job has finished"
                ) from None
        time.sleep(delay)
        delay = min(delay * 2, conf["max_delay_s"])


def _make_parent(db: Path) -> None:
    """The warehouse's folder, or a one-line error when a file sits where a folder must be."""
    if db.is_dir():
        raise TablewatchError(f"the warehouse path is a folder, not a DuckDB file: {db}")
    try:
        db.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        blocker = next((p for p in db.parents if p.exists() and not p.is_dir()), db.parent)
        raise TablewatchError(
            f"cannot use warehouse {db}: {blocker} is a file, not a folder"
        ) from None
    except OSError as exc:
        raise TablewatchError(
            f"cannot create the warehouse folder {db.parent}: {exc.strerror}"
        ) from None


def _copy_file(src: Path, dst: Path) -> None:
    """Copy in the kernel (a reflink where the file system has them), then make it durable."""
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        remaining = os.fstat(fin.fileno()).st_size
        try:
            while remaining > 0:
                n = os.copy_file_range(fin.fileno(), fout.fileno(), remaining)
                if n == 0:
                    break
                remaining -= n
        except OSError:
            fin.seek(0)
            fout.seek(0)
            fout.truncate()
            shutil.copyfileobj(fin, fout, 1 << 20)
        fout.flush()
        os.fsync(fout.fileno())


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    return True


def remove_stale_temps(snapshot: Path) -> list[Path]:
    """Delete half-written snapshot copies of writers that died (``kill -9``, power loss).

    Each publisher writes ``.<snapshot name>.<pid>.tmp``; a living pid may still be copying (only
    possible in its own process, the write lock keeps other writers out), a dead one never will.
    """
    pattern = re.compile(rf"^\.{re.escape(snapshot.name)}\.(\d+)\.tmp$")
    removed = []
    for path in snapshot.parent.glob(f".{snapshot.name}.*.tmp"):
        match = pattern.match(path.name)
        if match and not _pid_alive(int(match.group(1))):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def publish_snapshot(db_path: str | Path) -> Path:
    """Copy the closed, checkpointed file to the snapshot path atomically (temp file + rename).

    Runs under the write lock; first removes the temp files of publishers that were killed.
    """
    db = Path(db_path)
    target = layout(db).snapshot
    remove_stale_temps(target)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        _copy_file(db, tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


@contextmanager
def connect_write(
    db_path: str | Path, lock_timeout_s: float | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """The single writer: migrated, views fresh; on a clean exit the snapshot is republished.

    Waits (with backoff) while another process writes, up to ``write_lock.timeout_s``. The
    snapshot is copied after CHECKPOINT but before the file is closed: the write lock is still
    held, so a second writer cannot change the file mid-copy or publish out of order.
    """
    db = Path(db_path)
    _make_parent(db)
    con = _open_for_write(db, lock_timeout_s)
    try:
        con.execute("set timezone = 'UTC'")
        migrate(con)
        yield con
        con.execute("checkpoint")
        try:
            publish_snapshot(db)
        except OSError as exc:
            raise TablewatchError(
                f"committed, but the read snapshot of {db} could not be written: {exc}"
            ) from None
    finally:
        con.close()


def _read_target(db_path: str | Path) -> Path:
    """The latest published snapshot, else the file itself."""
    db = Path(db_path)
    snapshot = layout(db).snapshot
    target = snapshot if snapshot.exists() else db
    if not target.exists():
        blocker = next((p for p in db.parents if p.exists() and not p.is_dir()), None)
        if blocker is not None:
            raise TablewatchError(f"cannot use warehouse {db}: {blocker} is a file, not a folder")
        raise TablewatchError(f"no warehouse at {db}: run `tablewatch load` first")
    if not target.is_file():
        raise TablewatchError(f"not a warehouse file: {target}")
    return target


def _read_error(target: Path, exc: duckdb.Error) -> TablewatchError:
    """One wording for both readers: a writer holding a file that has no snapshot yet is the
    only lock a reader can meet, and it passes once that first load ends."""
    if _is_lock_error(exc):
        return TablewatchError(
            f"warehouse {target} is locked by a writer and has no snapshot yet: "
            "retry when the load has finished"
        )
    return TablewatchError(f"cannot open warehouse {target}: {_one_line(exc)}")


@contextmanager
def connect_read(db_path: str | Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the latest published snapshot (else the file itself).

    Our own readers (report, alerts, export) use it; the export writes Parquet through it, so it
    keeps file access. Ad-hoc SQL from people goes through ``connect_analyst`` instead.
    """
    target = _read_target(db_path)
    try:
        con = duckdb.connect(str(target), read_only=True)
    except duckdb.Error as exc:
        raise _read_error(target, exc) from None
    try:
        con.execute("set timezone = 'UTC'")
        yield con
    finally:
        con.close()


#: Applied in this order after the snapshot is attached; the last one freezes the rest.
_ANALYST_SETTINGS = (
    "set TimeZone = 'UTC'",
    "set autoinstall_known_extensions = false",
    "set autoload_known_extensions = false",
    "set enable_external_access = false",
    "set lock_configuration = true",
)


@contextmanager
def connect_analyst(db_path: str | Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """The snapshot for arbitrary SQL from people: SELECTs over the tables and views, nothing else.

    Read-only, with DuckDB's external access off (no ``read_csv``/``glob`` of other files, no
    ``COPY ... TO``, ``EXPORT DATABASE``, ``ATTACH``, ``INSTALL``/``LOAD``) and the configuration
    locked so a query cannot switch that back on. The snapshot is attached to an in-memory database
    instead of opened directly: DuckDB refuses two connections to one file with different settings
    in one process, and the attach lets the time zone (an extension setting) be set before the lock.
    """
    target = _read_target(db_path)
    con = duckdb.connect(":memory:")
    try:
        try:
            con.execute("attach ? as warehouse (read_only)", [str(target)])
        except duckdb.Error as exc:
            raise _read_error(target, exc) from None
        con.execute("use warehouse")
        for statement in _ANALYST_SETTINGS:
            con.execute(statement)
        yield con
    finally:
        con.close()
