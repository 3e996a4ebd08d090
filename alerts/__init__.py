"""Alerts: tone shifts, table events and signal surges per negotiation, stored once, delivered once.

Entry points: ``run_alerts`` (the pipeline's alerts stage), ``format_alert`` (CLI listing) and
``notify_failure`` (plain messages from Airflow failure callbacks).
"""

from alerts.format import format_alert
from alerts.model import Alert
from alerts.run import notify_failure, run_alerts

__all__ = ["Alert", "format_alert", "notify_failure", "run_alerts"]
