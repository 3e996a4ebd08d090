"""Spiders of the Tablewatch crawler (one: ``news``)."""
