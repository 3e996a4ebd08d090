"""Real servers and hand-built warehouses for the alerts tests.

The webhook receiver is a stdlib HTTP server and the mail server is aiosmtpd, both on 127.0.0.1 on
free ports; warehouse rows are written through ``warehouse.db.connect_write`` into a real DuckDB
file, so the views the detector reads are the production ones."""

from tests.support.alerts import (  # noqa: F401 - fixtures
    _no_channels,
    alerts_config,
    db,
    smtp_auth_server,
    smtp_server,
    smtp_tls_server,
    webhook,
)
