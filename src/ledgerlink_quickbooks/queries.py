"""Building QuickBooks query-language statements safely.

QuickBooks' query language takes values in single quotes with ``\\'`` as the
escape and has no parameter binding, so every value goes through
:func:`quote`: backslashes are escaped first, then quotes, and typographic
apostrophes (which break QuickBooks' lexer) become plain ones. Field names and
operators come from fixed sets, never from data, so a customer called
``O'Brien \\ Sons`` cannot change a query's meaning.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

from ledgerlink.errors import ValidationError

__all__ = ["MAX_RESULTS", "Condition", "quote", "select"]

#: QuickBooks returns at most this many rows per query page.
MAX_RESULTS = 1000
#: Operators the query language supports (there is no OR).
OPERATORS = frozenset({"=", "<", ">", "<=", ">=", "IN", "LIKE"})
_FIELD = re.compile(r"^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$")
_ENTITY = re.compile(r"^[A-Z][A-Za-z]*$")
_TYPOGRAPHIC = str.maketrans({"\u2018": "'", "\u2019": "'"})

Value = str | int | Decimal | date | datetime
Condition = tuple[str, str, Value | Sequence[Value]]


def quote(value: Value) -> str:
    """``value`` as a quoted query literal."""
    if isinstance(value, bool):
        raise ValidationError("booleans are written as 'true'/'false' strings", value=value)
    text = value.isoformat() if isinstance(value, datetime | date) else str(value)
    text = text.translate(_TYPOGRAPHIC).replace("\\", "\\\\").replace("'", "\\'")
    return f"'{text}'"


def _condition(field: str, operator: str, value: Value | Sequence[Value]) -> str:
    if not _FIELD.match(field):
        raise ValidationError("not a query field name", field="field", value=field)
    op = operator.upper()
    if op not in OPERATORS:
        raise ValidationError("not a query operator", field="operator", value=operator)
    if op == "IN":
        if isinstance(value, str | bytes) or not isinstance(value, Iterable):
            raise ValidationError("IN takes a list of values", field=field, value=value)
        items = list(value)
        if not items:
            raise ValidationError("IN needs at least one value", field=field)
        return f"{field} IN ({', '.join(quote(v) for v in items)})"
    if not isinstance(value, str | int | Decimal | date | datetime):
        raise ValidationError("a single value is needed", field=field, value=value)
    return f"{field} {op} {quote(value)}"


def select(
    entity: str, where: Iterable[Condition] = (), *, start: int = 1,
    max_results: int = MAX_RESULTS, order_by: str | None = None,
) -> str:
    """``SELECT * FROM entity WHERE ... [ORDERBY ...] STARTPOSITION n MAXRESULTS m``."""
    if not _ENTITY.match(entity):
        raise ValidationError("not a QuickBooks entity name", field="entity", value=entity)
    if start < 1 or not 1 <= max_results <= MAX_RESULTS:
        raise ValidationError(f"paging is STARTPOSITION >= 1, MAXRESULTS 1..{MAX_RESULTS}",
                              field="paging", value=(start, max_results))
    text = f"SELECT * FROM {entity}"
    conditions = [_condition(*c) for c in where]
    if conditions:
        text += " WHERE " + " AND ".join(conditions)
    if order_by is not None:
        field, _, direction = order_by.partition(" ")
        if not _FIELD.match(field) or direction.upper() not in ("", "ASC", "DESC"):
            raise ValidationError("ORDERBY takes a field and ASC/DESC", value=order_by)
        text += f" ORDERBY {order_by}"
    return f"{text} STARTPOSITION {start} MAXRESULTS {max_results}"
