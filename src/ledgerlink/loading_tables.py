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
from ledgerlink.errors import ValidationError
from ledgerlink.json_stream import Unstreamable, json_list_items
from ledgerlink.order_building import OrderBuilder
from ledgerlink.rows import (
    TABLE_SUFFIXES,
    Record,
    UniqueIds,
    all_problems,
    check_suffix,
    fold_rows,
    group_rows,
    placed,
    read_json,
    read_records,
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
        return _grouped_csv_orders(source, customer_ids)


def _order_rows(source: str, problems: list[ValidationError]
                ) -> tuple[list[str], Iterator[list[tuple[int, list[str]]]]]:
    """The header, and each work order's rows (row number, cells) as they are read."""
    header, rows = read_rows(source, ORDER_COLUMNS + LINE_COLUMNS, problems)
    id_at = header.index("work_order_id")

    def runs() -> Iterator[list[tuple[int, list[str]]]]:
        done: set[str] = set()
        run: list[tuple[int, list[str]]] = []
        for row, cells in rows:
            key = cells[id_at]
            if blank(key):
                problems.append(ValidationError("required value missing", source=source,
                                                row=row, field="work_order_id"))
            elif run and key == run[0][1][id_at]:
                run.append((row, cells))
            elif key in done:
                raise _Unfolded
            else:
                if run:
                    yield run
                done.add(key)
                run = [(row, cells)]
        if run:
            yield run

    return header, runs()


def _csv_orders(source: str, customer_ids: Collection[str] | None,
                builder: OrderBuilder) -> list[WorkOrder]:
    """Work orders from a CSV file whose rows of each work order are next to each other."""
    problems: list[ValidationError] = []
    header, runs = _order_rows(source, problems)
    build = builder.csv_reader(header)
    customer_at = header.index("customer_id")
    orders = []
    for run in runs:
        first_row, first = run[0]
        _check_customer(first_row, first[customer_at], customer_ids, source, problems)
        order = build([cells for _, cells in run])
        if order is None:
            records = [(row, dict(zip(header, cells, strict=True))) for row, cells in run]
            order = _fold(source, records, problems)
        if order is not None:
            orders.append(order)
    if problems:
        raise all_problems(source, sorted(problems, key=row_order))
    return orders


def _fold(source: str, records: Sequence[Record],
          problems: list[ValidationError]) -> WorkOrder | None:
    return fold_rows(source, records, WorkOrder, CSV_CONVERTER, problems, head=ORDER_COLUMNS,
                     parts=LINE_COLUMNS, parts_field="lines", what="work order")


def _grouped_csv_orders(source: str, customer_ids: Collection[str] | None) -> list[WorkOrder]:
    """Work orders from a CSV file read whole, rows grouped by id wherever they are."""
    problems: list[ValidationError] = []
    groups = group_rows(read_records(source, ORDER_COLUMNS + LINE_COLUMNS, problems),
                        "work_order_id", source, problems)
    for rows in groups.values():
        _check_customer(rows[0][0], rows[0][1]["customer_id"], customer_ids, source, problems)
    orders = []
    for rows in groups.values():
        order = _fold(source, rows, problems)
        if order is not None:
            orders.append(order)
    if problems:
        raise all_problems(source, sorted(problems, key=row_order))
    return orders
