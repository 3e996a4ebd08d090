"""Self-contained HTML report of the warehouse: the trend at a glance, per negotiation."""

from report.build import build_report

__all__ = ["build_report"]
