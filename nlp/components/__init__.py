"""Tablewatch spaCy components, one per module, registered as ``tablewatch_<name>`` factories."""
