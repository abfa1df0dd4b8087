"""Internal: the CSV layout of the input files: columns, nesting and the text converter.

A CSV row is flat; the converter's shape (:mod:`ledgerlink.convert`) is
nested. Each :class:`Column` names a CSV column and the path of its value in
that shape, so one table of columns serves reading, writing and naming the
column of a bad value. CSV is text, so the CSV converter also reads whole
numbers and yes/no flags from text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import cattrs

from ledgerlink.convert import make_converter
from ledgerlink.errors import ValidationError

__all__ = [
    "CSV_CONVERTER",
    "CUSTOMER_COLUMNS",
    "LINE_COLUMNS",
    "ORDER_COLUMNS",
    "PRODUCT_COLUMNS",
    "Column",
    "blank",
    "cell",
    "col",
    "column_for",
    "flatten",
    "make_csv_converter",
    "nest",
    "text",
]

_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0"})
_WHOLE = re.compile(r"\s*[+-]?0*([0-9]+)\s*", re.ASCII)
#: Whole numbers in CSV longer than this are refused before int() reads them
#: (no whole-number field comes near; int() itself gives up past 4,300 digits).
MAX_WHOLE_DIGITS = 18


# --- columns ------------------------------------------------------------------------


@attrs.frozen
class Column:
    """A CSV column and where its value sits in the converter's shape."""

    name: str
    path: tuple[str, ...]
    required: bool = True


def col(name: str, *path: str, required: bool = True) -> Column:
    """A column whose value sits at ``path`` (default: its own name)."""
    return Column(name, path or (name,), required)


CUSTOMER_COLUMNS = (
    col("id"), col("name"), col("kind"), col("email"),
    col("street", "address", "street"), col("postal_code", "address", "postal_code"),
    col("city", "address", "city"), col("country", "address", "country"),
    col("registration_number"), col("currency"), col("delivery"),
    col("posting", "policy", "posting", required=False),
    col("timing", "policy", "timing", required=False),
    col("send", "policy", "send", required=False),
    col("payment_terms_days", "policy", "payment_terms_days", required=False),
)
PRODUCT_COLUMNS = (
    col("id"), col("name"), col("kind"), col("unit_price"), col("vat_rate"),
)
# A work order CSV has one row per line: these columns repeat the work order ...
ORDER_COLUMNS = (
    col("work_order_id", "id"), col("customer_id"), col("status"), col("planned_date"),
    col("completed_at"), col("project", required=False),
    col("description", required=False),
)
# ... and these describe the row's line.
LINE_COLUMNS = (
    col("line_description", "description"), col("quantity"), col("unit_price"),
    col("vat_rate"), col("product_id", required=False),
)


def column_for(columns: Sequence[Column]) -> dict[str, str]:
    """Converter path (``address.city``) → column name, for naming bad fields."""
    return {".".join(c.path): c.name for c in columns}


def blank(cell: str | None) -> bool:
    """True for a missing or whitespace-only cell ("not given")."""
    return cell is None or not cell.strip()


def text(cell: str | None) -> str:
    """A cell's text, with blank cells as the empty string."""
    return "" if blank(cell) else str(cell)


def nest(columns: Sequence[Column], record: Mapping[str, str]) -> dict[str, Any]:
    """A CSV record in the converter's shape; blank cells are left out (defaults apply)."""
    data: dict[str, Any] = {}
    for column in columns:
        cell = record.get(column.name)
        if blank(cell):
            continue
        target = data
        for key in column.path[:-1]:
            target = target.setdefault(key, {})
        target[column.path[-1]] = cell
    return data


def flatten(columns: Sequence[Column], data: Mapping[str, Any]) -> list[str]:
    """The cells of one CSV row for ``data`` in the converter's shape."""
    cells = []
    for column in columns:
        value: Any = data
        for key in column.path:
            value = value.get(key) if isinstance(value, Mapping) else None
        cells.append(cell(value))
    return cells


def cell(value: Any) -> str:
    """One value as CSV text (blank for None, true/false for booleans)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# --- the CSV converter ----------------------------------------------------------------


def _csv_int(value: Any, _: type) -> int:
    match = _WHOLE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ValidationError("expected a whole number", value=value)
    if len(match.group(1)) > MAX_WHOLE_DIGITS:
        raise ValidationError(f"too large: at most {MAX_WHOLE_DIGITS} digits", value=value)
    return int(value)


def _csv_bool(value: Any, _: type) -> bool:
    word = value.strip().lower() if isinstance(value, str) else None
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValidationError("expected true or false (or yes/no, 1/0)", value=value)


def make_csv_converter() -> cattrs.Converter:
    """The JSON converter, plus whole numbers and yes/no flags read from text."""
    conv = make_converter()
    conv.register_structure_hook(int, _csv_int)
    conv.register_structure_hook(bool, _csv_bool)
    return conv


CSV_CONVERTER = make_csv_converter()
