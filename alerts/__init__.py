"""Alerts: tone shifts, changes of each negotiation's state and signal surges, stored once,
delivered once; and the morning brief.

Entry points: ``run_alerts`` (the pipeline's alerts stage), ``format_alert`` (CLI listing),
``notify_failure`` (plain messages from Airflow failure callbacks) and ``alerts.brief.run_brief``
(the brief stage).
"""

from alerts.format import format_alert
from alerts.model import Alert
from alerts.run import notify_failure, run_alerts

__all__ = ["Alert", "format_alert", "notify_failure", "run_alerts"]
