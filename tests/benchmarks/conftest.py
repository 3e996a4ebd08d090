"""The alerts storyline benchmark is tested on the alerts tests' warehouses and config."""

from tests.support.alerts import alerts_config, db  # noqa: F401 - fixtures
