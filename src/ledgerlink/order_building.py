"""Internal: work orders built straight from a file's values, for loading large files.

The general way to read a work order (nest its cells, then cattrs structuring
with :data:`~ledgerlink.csvformat.CSV_CONVERTER` or the JSON converter) reads
each amount twice: the converter's hook reads the text as a Decimal, then the
domain's converter checks that Decimal against the field's bound. It also
builds a dict per row and per line on the way. :class:`OrderBuilder` calls the
domain constructors with the values as the file gives them, so the domain's
converters read each amount once, from its text, with the field's own bound
(and :func:`ledgerlink.money.read_amount` remembers the texts it has read).

It is a fast path only. It takes a work order only when every value has the
type the converter would hand on unchanged, and it calls the same hooks (the
converter's own, for status, dates and times) and the same constructors, so a
work order it builds equals the one the converter builds. At anything else,
or when any check refuses a value, it gives up (``None``), and the caller reads
that work order the general way, which names every problem by file, row and
field.

Equal values met again are shared rather than kept once per row: line texts,
customer and product ids, dates, times. A file repeats them thousands of times
(a customer's id on every order, a day's date on all its work), and immutable
objects can be shared by any number of work orders. Each table of shared values
is bounded (:data:`SHARED_LIMIT`), so a file of all-different values costs a
table, not a copy of the file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from operator import itemgetter
from typing import Any, TypeVar, cast

import attrs

from ledgerlink.csvformat import CSV_CONVERTER, LINE_COLUMNS, ORDER_COLUMNS, blank
from ledgerlink.domain import WorkLine, WorkOrder, WorkStatus
from ledgerlink.errors import ValidationError

__all__ = ["SHARED_LIMIT", "OrderBuilder"]

T = TypeVar("T")

#: Most distinct values a table of shared values holds; a full table starts over.
SHARED_LIMIT = 1 << 14

# The converters' own hooks. The CSV converter is the JSON one plus hooks for whole
# numbers and yes/no flags, so for these types the two read text alike.
_parse_status = CSV_CONVERTER.get_structure_hook(WorkStatus)
_parse_date = CSV_CONVERTER.get_structure_hook(date)
_parse_instant = CSV_CONVERTER.get_structure_hook(datetime)
# The fields' own defaults, given explicitly for a blank cell (the converter leaves it out).
_DEFAULT_VAT = cast(Decimal, attrs.fields(WorkLine).vat_rate.default)
_DEFAULT_STATUS = cast(WorkStatus, attrs.fields(WorkOrder).status.default)

#: The keys of a work order and of a line in the JSON shape.
_ORDER_KEYS = frozenset(f.name for f in attrs.fields(WorkOrder))
_LINE_KEYS = frozenset(f.name for f in attrs.fields(WorkLine))


class _GiveUp(Exception):
    """A value the fast path does not take; the general path will say what is wrong."""


#: Marks a key a table has no value for (None is a value: a row without a line).
_MISSING: Any = object()
#: A JSON line without a ``vat_rate`` key (null there is an error, not the default).
_ABSENT: Any = object()


class _Shared:
    """Equal values made once: each key maps to the one object made from it."""

    def __init__(self, make: Callable[[Any], Any]) -> None:
        self._make = make
        self._made: dict[Any, Any] = {}

    def __call__(self, key: Any) -> Any:
        made = self._made.get(key, _MISSING)
        if made is _MISSING:
            if len(self._made) >= SHARED_LIMIT:
                self._made.clear()
            made = self._made[key] = self._make(key)  # a refused value raises: not kept
        return made


class OrderBuilder:
    """Builds work orders from one file's values, sharing equal values between them.

    Make one per file: the shared values live as long as the builder. Lines
    are values too: work orders whose lines read the same (the same text, the
    same amounts written the same way) share one :class:`WorkLine`, made and
    checked once.
    """

    def __init__(self) -> None:
        self.text = _Shared(lambda text: text)
        self._dates = _Shared(lambda text: _parse_date(text, date))
        self._instants = _Shared(lambda text: _parse_instant(text, datetime))
        self._statuses = _Shared(lambda text: _parse_status(text, WorkStatus))
        self._json_lines = _Shared(lambda key: self._json_line(*key))

    # --- CSV ---------------------------------------------------------------------------

    def csv_reader(self, header: Sequence[str]) -> Callable[[Sequence[Sequence[str]]],
                                                             WorkOrder | None]:
        """What builds the work order of a run of CSV rows (cells under ``header``)."""
        where = {name: index for index, name in enumerate(header)}
        head_at = [where.get(c.name) for c in ORDER_COLUMNS]
        # The required columns alone are more than one, so these give tuples.
        head_cells = itemgetter(*[index for index in head_at if index is not None])
        part_names = [c.name for c in LINE_COLUMNS if c.name in where]
        part_cells = itemgetter(*[where[name] for name in part_names])
        slots = [part_names.index(c.name) if c.name in where else None for c in LINE_COLUMNS]

        def line_of(cells: tuple[str, ...]) -> WorkLine | None:
            values = [None if slot is None or blank(cells[slot]) else cells[slot]
                      for slot in slots]
            if all(value is None for value in values):
                return None  # a row without a line (a work order without lines)
            return self._line(*values)

        lines_of = _Shared(line_of)

        def build(rows: Sequence[Sequence[str]]) -> WorkOrder | None:
            first = rows[0]
            if len(rows) > 1:
                head = head_cells(first)
                if any(head_cells(cells) != head for cells in rows[1:]):
                    return None  # the general path names the disagreement
            try:
                lines = [line for line in map(lines_of, map(part_cells, rows))
                         if line is not None]
                values = [None if index is None or blank(first[index]) else first[index]
                          for index in head_at]
                return self._order(lines, *values)
            except (_GiveUp, ValidationError, ValueError, TypeError):
                return None

        return build

    def _line(self, description: str | None, quantity: str | None, unit_price: str | None,
              vat_rate: str | None, product_id: str | None) -> WorkLine:
        # Blank cells are left out: required ones are missing, others take their default.
        if description is None or quantity is None or unit_price is None:
            raise _GiveUp
        return WorkLine(self.text(description), quantity, unit_price,
                        _DEFAULT_VAT if vat_rate is None else vat_rate,
                        None if product_id is None else self.text(product_id))

    def _order(self, lines: list[WorkLine], id: str | None, customer_id: str | None,
               status: str | None, planned_date: str | None, completed_at: str | None,
               project: str | None, description: str | None) -> WorkOrder:
        if id is None or customer_id is None:
            raise _GiveUp
        return WorkOrder(
            id, self.text(customer_id), tuple(lines),
            _DEFAULT_STATUS if status is None else self._statuses(status),
            None if planned_date is None else self._dates(planned_date),
            None if completed_at is None else self._instants(completed_at),
            None if project is None else self.text(project),
            "" if description is None else self.text(description))

    # --- JSON --------------------------------------------------------------------------

    def from_json(self, item: object) -> WorkOrder | None:
        """The work order of one JSON item, or None to read it the general way."""
        try:
            return self._json_order(item)
        except (_GiveUp, ValidationError, ValueError, TypeError, KeyError):
            return None

    def _json_order(self, item: object) -> WorkOrder:
        data = _object(item, _ORDER_KEYS)
        lines = data["lines"]
        if type(lines) is not list:
            raise _GiveUp
        return WorkOrder(
            _text(data["id"]), self.text(_text(data["customer_id"])),
            tuple(self._json_lines(_line_key(line)) for line in lines),
            self._statuses(_text(data["status"])) if "status" in data else _DEFAULT_STATUS,
            self._maybe(data.get("planned_date"), self._dates),
            self._maybe(data.get("completed_at"), self._instants),
            self._maybe(data.get("project"), self.text),
            self.text(_text(data.get("description", ""))),
            self._maybe(data.get("invoice_date"), self._dates),
            self._maybe(data.get("registration_date"), self._dates))

    def _json_line(self, description: object, quantity: object, unit_price: object,
                   vat_rate: object, product_id: object) -> WorkLine:
        # Amounts as text only: the domain reads them once, with the field's bound.
        return WorkLine(self.text(_text(description)), _text(quantity), _text(unit_price),
                        _DEFAULT_VAT if vat_rate is _ABSENT else _text(vat_rate),
                        self._maybe(product_id, self.text))

    @staticmethod
    def _maybe(value: object, make: Callable[[str], T]) -> T | None:
        """An optional field: null (or left out) is None, text is read, anything else gives up."""
        return None if value is None else make(_text(value))


def _line_key(item: object) -> tuple[object, ...]:
    """A JSON line's values in :meth:`OrderBuilder._json_line`'s order, as a table key.

    Only lines of text values are ever kept (any other value gives up), so an
    int or a bool in a key never meets an equal key of text.
    """
    data = _object(item, _LINE_KEYS)
    return (data["description"], data["quantity"], data["unit_price"],
            data.get("vat_rate", _ABSENT), data.get("product_id"))


def _object(item: object, keys: frozenset[str]) -> Mapping[str, Any]:
    # Unknown keys are refused by the general path, which names them.
    if type(item) is not dict or not item.keys() <= keys:
        raise _GiveUp
    return item


def _text(value: object) -> str:
    if type(value) is not str:
        raise _GiveUp
    return value
