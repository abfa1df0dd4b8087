"""How a connector tags an invoice line with the source key of the work it bills.

Providers give a line one free text field that survives updates (Dinero's
``Comments``, Billy's ``discountText``); a connector writes
``ledgerlink:<source key>`` there, so the lines of one piece of work can be
told apart (and replaced) on an open draft, and reads the key back from it.
"""

from __future__ import annotations

__all__ = ["LINE_PREFIX", "line_key", "line_tag"]

#: How a line's text carries its source key.
LINE_PREFIX = "ledgerlink:"


def line_tag(source_key: str | None) -> str | None:
    """The text tagging a line that bills the work keyed ``source_key`` (None: no key)."""
    return f"{LINE_PREFIX}{source_key}" if source_key else None


def line_key(text: str | None) -> str | None:
    """The source key a line's tag carries, or None when the text is not a tag of ours."""
    if text and text.startswith(LINE_PREFIX):
        return text[len(LINE_PREFIX):] or None
    return None
