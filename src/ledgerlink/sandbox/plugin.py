"""Registers the built-in sandbox connector (placeholder until the book lands)."""
