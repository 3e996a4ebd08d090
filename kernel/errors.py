"""The one exception type the CLI turns into a one-line message and a non-zero exit.

Every stage raises ``TablewatchError`` for problems a user can fix (bad config, unreadable input,
a locked database), so the CLI never shows a traceback for them.
"""


class TablewatchError(Exception):
    """A user-facing error: its message is printed as one line."""


class ConfigError(TablewatchError):
    """A configuration file is missing, unparsable or has invalid values."""
