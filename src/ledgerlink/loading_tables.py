"""Internal: reading table files (customers, products, work orders) a row at a time.

What :mod:`ledgerlink.loading`'s loaders promise is kept here: every problem of
a file named by file, row and field, all of them raised at once, and nothing
returned from a file with a problem. What this module adds is that a file is
never held whole: a CSV file's rows and a JSON list's items are read one at a
time and turned into domain objects as they come, so loading holds the objects
and one row (in CSV, one work order's rows), not the file's text and a dict per
row besides. Work orders, the large file, are built by
:class:`~ledgerlink.order_building.OrderBuilder` where it can, each amount read
once and equal values shared.

Two cases go the way files were read before, whole, so that what they report
stays what it was:

* a JSON file that is not a well-formed list (:mod:`ledgerlink.json_stream`
  steps aside and :func:`~ledgerlink.rows.read_json` says what is wrong);
* a work-order CSV whose rows of one work order are not next to each other
  (another work order's rows between them): a work order is complete only at
  the end of such a file, so its rows are grouped over the whole file.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

import cattrs

from ledgerlink.convert import converter, structure
from ledgerlink.csvformat import (
    CSV_CONVERTER,
    LINE_COLUMNS,
    ORDER_COLUMNS,
    Column,
    blank,
    column_for,
    nest,
)
from ledgerlink.domain import WorkOrder
from ledgerlink.errors import InputFileError, ValidationError
from ledgerlink.json_stream import Unstreamable, json_list_items
from ledgerlink.order_building import OrderBuilder
from ledgerlink.rows import (
    TABLE_SUFFIXES,
    UniqueIds,
    all_problems,
    check_suffix,
    fold_rows,
    placed,
    read_json,
    read_rows,
    row_order,
)

__all__ = ["read_table", "read_work_orders"]

T = TypeVar("T")
#: Builds one item (row number, value) or adds its problems; None when it had some.
_Make = Callable[[int, Any, list[ValidationError]], T | None]


class _Unfolded(Exception):
    """A work order's CSV rows are not all next to each other."""


def _check_customer(row: int, value: object, customer_ids: Collection[str] | None,
                    source: str, problems: list[ValidationError]) -> None:
    """Report a work order whose customer is not among ``customer_ids`` (None: no check)."""
    if (customer_ids is not None and isinstance(value, str) and value.strip()
            and value not in customer_ids):
        problems.append(ValidationError(
            f"unknown customer {value!r} (not among the customers)",
            source=source, row=row, field="customer_id", value=value,
        ))


def _structured(cls: type[T], conv: cattrs.Converter, source: str,
                name_of: Callable[[str | None], str | None]) -> _Make[T]:
    """Builds a ``cls`` from one item in the converter's shape, placing its problems."""

    def make(row: int, item: Any, problems: list[ValidationError]) -> T | None:
        try:
            return structure(item, cls, conv=conv)
        except ValidationError as err:
            problems.extend(placed(p, source, row, name_of(p.field)) for p in err.problems)
            return None

    return make


def _collect(items: Iterable[tuple[int, Any]], make: _Make[T], what: str, source: str,
             customer_ids: Collection[str] | None, problems: list[ValidationError]) -> list[T]:
    """Every item made, its id checked unique (and its customer known) on the way."""
    ids = UniqueIds(what, source, problems)
    loaded = []
    for row, item in items:
        mapping = item if isinstance(item, Mapping) else {}
        ids.check(row, mapping.get("id"), "id")
        _check_customer(row, mapping.get("customer_id"), customer_ids, source, problems)
        made = make(row, item, problems)
        if made is not None:
            loaded.append(made)
    return loaded


def _from_json(source: str, make: _Make[T], what: str,
               customer_ids: Collection[str] | None) -> list[T]:
    problems: list[ValidationError] = []
    try:
        loaded = _collect(enumerate(json_list_items(source)), make, what, source,
                          customer_ids, problems)
    except Unstreamable:
        problems = []
        loaded = _collect(enumerate(read_json(source)), make, what, source, customer_ids,
                          problems)
    if problems:
        raise all_problems(source, sorted(problems, key=row_order))
    return loaded


def read_table(source: str, cls: type[T], columns: Sequence[Column], what: str) -> list[T]:
    """Every ``cls`` of a ``.csv`` or ``.json`` table file whose ids must be unique."""
    if check_suffix(source, TABLE_SUFFIXES) == ".json":
        return _from_json(source, _structured(cls, converter, source, lambda f: f), what, None)
    problems: list[ValidationError] = []
    header, rows = read_rows(source, columns, problems)
    names = column_for(columns)
    make = _structured(cls, CSV_CONVERTER, source, lambda f: names.get(f or "", f))
    items = ((row, nest(columns, dict(zip(header, cells, strict=True)))) for row, cells in rows)
    loaded = _collect(items, make, what, source, None, problems)
    if problems:
        raise all_problems(source, sorted(problems, key=row_order))
    return loaded


# --- work orders ---------------------------------------------------------------------


def read_work_orders(source: str, customer_ids: Collection[str] | None) -> list[WorkOrder]:
    """Work orders from a ``.json`` or ``.csv`` file.

    See :func:`ledgerlink.loading.load_work_orders`.
    """
    builder = OrderBuilder()
    if check_suffix(source, TABLE_SUFFIXES) == ".json":
        general = _structured(WorkOrder, converter, source, lambda f: f)

        def make(row: int, item: Any, problems: list[ValidationError]) -> WorkOrder | None:
            order = builder.from_json(item)
            return general(row, item, problems) if order is None else order

        return _from_json(source, make, "work order", customer_ids)
    try:
        return _csv_orders(source, customer_ids, builder)
    except _Unfolded:
        return _scattered_csv_orders(source, customer_ids, builder)


_COLUMNS = ORDER_COLUMNS + LINE_COLUMNS
#: One work order's CSV rows: (spreadsheet row number, cells).
_Run = list[tuple[int, list[str]]]
#: In place of a work order's last row once it is made (no row has this number).
_MADE = 0


class _Folder:
    """Makes each work order from its rows, placing every problem at its row and column."""

    def __init__(self, source: str, header: list[str], customer_ids: Collection[str] | None,
                 builder: OrderBuilder, problems: list[ValidationError]) -> None:
        self.source, self.header, self.problems = source, header, problems
        self.customer_ids = customer_ids
        self.customer_at = header.index("customer_id")
        self.build = builder.csv_reader(header)

    def __call__(self, run: _Run) -> WorkOrder | None:
        first_row, first = run[0]
        _check_customer(first_row, first[self.customer_at], self.customer_ids, self.source,
                        self.problems)
        order = self.build([cells for _, cells in run])
        if order is not None:
            return order
        records = [(row, dict(zip(self.header, cells, strict=True))) for row, cells in run]
        return fold_rows(self.source, records, WorkOrder, CSV_CONVERTER, self.problems,
                         head=ORDER_COLUMNS, parts=LINE_COLUMNS, parts_field="lines",
                         what="work order")

    def missing_id(self, row: int) -> None:
        """A row that names no work order belongs to none: a problem."""
        self.problems.append(ValidationError("required value missing", source=self.source,
                                             row=row, field="work_order_id"))


def _finished(source: str, orders: list[WorkOrder | None],
              problems: list[ValidationError]) -> list[WorkOrder]:
    if problems:
        raise all_problems(source, sorted(problems, key=row_order))
    return [order for order in orders if order is not None]


def _csv_orders(source: str, customer_ids: Collection[str] | None,
                builder: OrderBuilder) -> list[WorkOrder]:
    """Work orders from a CSV file whose rows of each work order are next to each other,
    each made as soon as its rows end; _Unfolded at a work order's row found apart."""
    problems: list[ValidationError] = []
    header, rows = read_rows(source, _COLUMNS, problems)
    fold = _Folder(source, header, customer_ids, builder, problems)
    id_at = header.index("work_order_id")

    def runs() -> Iterator[_Run]:
        done: set[str] = set()
        run: _Run = []
        for row, cells in rows:
            key = cells[id_at]
            if run and key == run[0][1][id_at]:  # the usual case first: a run's next row
                run.append((row, cells))
            elif blank(key):
                fold.missing_id(row)
            elif key in done:
                raise _Unfolded
            else:
                if run:
                    yield run
                done.add(key)
                run = [(row, cells)]
        if run:
            yield run

    orders = [fold(run) for run in runs()]
    return _finished(source, orders, problems)


def _scattered_csv_orders(source: str, customer_ids: Collection[str] | None,
                          builder: OrderBuilder) -> list[WorkOrder]:
    """Work orders from a CSV file whose rows of a work order may lie apart, read twice.

    The first reading notes the last row of each work order; the second holds a
    work order's rows until that row, then makes it. Work orders keep the order
    in which their ids first appear.
    """
    header, rows = read_rows(source, _COLUMNS, [])
    id_at = header.index("work_order_id")
    last_rows = {cells[id_at]: row for row, cells in rows}
    problems: list[ValidationError] = []
    header, rows = read_rows(source, _COLUMNS, problems)
    fold = _Folder(source, header, customer_ids, builder, problems)
    id_at = header.index("work_order_id")
    orders: list[WorkOrder | None] = []
    unfinished: dict[str, tuple[int, _Run]] = {}  # id → (its place in orders, its rows)
    for row, cells in rows:
        key = cells[id_at]
        if blank(key):
            fold.missing_id(row)
            continue
        entry = unfinished.get(key)
        if entry is None:
            if last_rows.get(key) == _MADE:
                raise InputFileError("the file changed while it was read; load it again",
                                     source=source)
            entry = unfinished[key] = (len(orders), [])
            orders.append(None)
        place, run = entry
        run.append((row, cells))
        if last_rows.get(key) == row:
            del unfinished[key]
            last_rows[key] = _MADE
            orders[place] = fold(run)
    # Work orders whose last row moved (the file changed between the readings) end here.
    for place, run in unfinished.values():
        orders[place] = fold(run)
    return _finished(source, orders, problems)
