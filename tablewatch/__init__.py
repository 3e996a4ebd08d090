"""Tablewatch: a negotiation news monitor (crawl -> raw store -> annotate -> load -> views -> alerts)."""

__version__ = "0.1.0"
