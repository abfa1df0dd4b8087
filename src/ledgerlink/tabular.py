"""Internal: plain tables, and how any of them shows in a notebook or becomes a DataFrame.

The result types (plans, run results, the transfer log, statuses, runs...) say
what their rows and columns are; this module knows nothing of them and
imports nothing of ledgerlink, so data and engine modules can use it without
depending on the presentation layer (the command line draws terminal tables
with :mod:`ledgerlink.cli.output`). It works the way rich's ``__rich__`` does: the object describes
itself in plain terms, a generic renderer draws the description.

A :class:`Rows` holds column names and one tuple of plain values per row.
Money stays :class:`~decimal.Decimal` (exact; a float would lose cents, a
string could not be summed), dates are :class:`~datetime.date`, instants
timezone-aware :class:`~datetime.datetime`, flags lower-case text. pandas is
an optional extra (``pip install ledgerlink[pandas]``), imported only by
:func:`to_frame`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from html import escape
from typing import Any

import attrs

__all__ = ["MAX_ROWS", "Rows", "cell", "fields_html", "html_table", "rows_html", "to_frame"]

#: Rows shown before a table is cut short.
MAX_ROWS = 200


@attrs.frozen
class Rows:
    """A table: column names and one tuple of values per row."""

    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]


def to_frame(table: Rows) -> Any:
    """``table`` as a pandas DataFrame (pandas is the ``pandas`` extra)."""
    try:
        import pandas as pd
    except ImportError as missing:
        raise ImportError(
            "to_pandas() needs pandas: pip install 'ledgerlink[pandas]'") from missing
    return pd.DataFrame.from_records(table.rows, columns=list(table.columns))


def html_table(headers: Iterable[str], rows: Iterable[Iterable[object]],
               caption: str = "") -> str:
    """An HTML table; every header and cell is escaped (names come from users' files)."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def cell(value: object) -> str:
    """A value as a table cell: None blank, instants to the second."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M:%S}"
    return str(value)


def rows_html(table: Rows, caption: str = "") -> str:
    """``table`` as HTML (the first :data:`MAX_ROWS` rows, with a note when cut)."""
    hidden = len(table.rows) - MAX_ROWS
    note = f" (first {MAX_ROWS} of {len(table.rows)} shown)" if hidden > 0 else ""
    return html_table(table.columns,
                      ([cell(c) for c in row] for row in table.rows[:MAX_ROWS]), caption + note)


def fields_html(record: attrs.AttrsInstance, title: str = "") -> str:
    """An attrs record as a two-column (field, value) HTML table."""
    fields = attrs.fields(type(record))
    rows = [(f.name, cell(getattr(record, f.name))) for f in fields if f.repr]
    return html_table(("field", "value"), rows, title or type(record).__name__)
