"""The one exception type the CLI turns into a one-line message and a non-zero exit.

Every stage raises ``TablewatchError`` for problems a user can fix (bad config, unreadable input,
a locked database), so the CLI never shows a traceback for them.
"""


class TablewatchError(Exception):
    """A user-facing error: its message is printed as one line."""


class ConfigError(TablewatchError):
    """A configuration file is missing, unparsable or has invalid values."""


#: the errors the CLI answers with one line instead of a traceback
USER_ERRORS = (TablewatchError, OSError, KeyboardInterrupt)


def error_line(exc: BaseException) -> tuple[str, int]:
    """The CLI's one line and exit code for one of ``USER_ERRORS``: here once, so the Typer CLI and
    its Typer-free shortcut for ``extract --html-dir`` (tablewatch.entry) say the same."""
    if isinstance(exc, KeyboardInterrupt):
        return "tablewatch: interrupted", 130
    if isinstance(exc, OSError) and not isinstance(exc, TablewatchError):
        # a path that is a file, a folder, missing, not writable...
        where = f": {exc.filename}" if exc.filename else ""
        return f"tablewatch: error: {exc.strerror or exc}{where}", 1
    return f"tablewatch: error: {exc}", 1
