"""Table files read a row at a time: the same work orders and the same problems as reading
the whole file, equal values shared, and a load that holds little besides its result."""

from __future__ import annotations

import csv
import json
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledgerlink import loading_tables
from ledgerlink.convert import converter, structure
from ledgerlink.csvformat import CSV_CONVERTER, LINE_COLUMNS, ORDER_COLUMNS
from ledgerlink.domain import WorkOrder
from ledgerlink.errors import InputFileError, ValidationError
from ledgerlink.loading import load_customers, load_work_orders, save_work_orders
from ledgerlink.rows import (
    all_problems,
    check_unique,
    fold_rows,
    group_rows,
    placed,
    read_json,
    read_records,
    row_order,
)

HEADER = ["work_order_id", "customer_id", "status", "planned_date", "completed_at", "project",
          "description", "line_description", "quantity", "unit_price", "vat_rate", "product_id"]
#: Values each column takes in a good file ...
GOOD: dict[str, list[str]] = {
    "customer_id": ["c1", "c2"], "status": ["completed", "planned", " cancelled "],
    "planned_date": ["", "2024-05-01", "2024-05-02"],
    "completed_at": ["2024-05-01T14:30:00+02:00", "2024-05-01T12:30:00Z"],
    "project": ["", "P1"], "description": ["", "Boiler"],
    "line_description": ["Hours", "Gasket"], "quantity": ["1", "2.50", "2.5", " 3 "],
    "unit_price": ["450", "129.95", "-10"], "vat_rate": ["", "25", "12.5"],
    "product_id": ["", "p1"],
}
#: ... and besides those, values that a file gets wrong.
BAD: dict[str, list[str]] = {
    "work_order_id": ["", " w1", "w" * 101], "customer_id": ["", " ", "c404"],
    "status": ["done"], "planned_date": ["01/05/2024", "2024-02-30"],
    "completed_at": ["2024-05-01T14:30:00", "soon"], "line_description": ["", " "],
    "quantity": ["", "1E+3", "abc", "12345678901"], "unit_price": ["", "0.0000001", "NaN"],
    "vat_rate": ["101", "-1"], "project": [" "], "description": [" "],
}


@st.composite
def _order_rows(draw: st.DrawFn) -> list[list[str]]:
    """The CSV rows of a few work orders, perhaps scattered, with perhaps a few cells wrong."""
    rows = []
    for number in range(draw(st.integers(min_value=0, max_value=4))):
        head = [f"w{number}"] + [draw(st.sampled_from(GOOD[name])) for name in HEADER[1:7]]
        lines = draw(st.integers(min_value=0, max_value=3))
        if not lines:
            rows.append(head + [""] * 5)
        rows.extend(head + [draw(st.sampled_from(GOOD[name])) for name in HEADER[7:]]
                    for _ in range(lines))
    if rows and draw(st.booleans()):
        rows = draw(st.permutations(rows))
    for _ in range(draw(st.integers(min_value=0, max_value=2)) if rows else 0):
        row = draw(st.sampled_from(rows))
        column = draw(st.sampled_from(sorted(BAD)))
        row[HEADER.index(column)] = draw(st.sampled_from(BAD[column] + GOOD.get(column, [])))
    if rows and draw(st.booleans()):
        at = draw(st.integers(min_value=0, max_value=len(rows)))
        rows.insert(at, draw(st.sampled_from([[""] * len(HEADER), ["w9", "c1"]])))
    return rows


def _outcome(load: Callable[[], list[Any]]) -> object:
    """What a load gives: its objects, or each problem as (message, row, field, value)."""
    try:
        return load()
    except ValidationError as err:
        return [(p.message, p.source, p.row, p.field, p.value) for p in err.problems], str(err)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One directory for the property examples (each overwrites its own file)."""
    return tmp_path_factory.mktemp("tables")


@settings(max_examples=300)
@given(_order_rows(), st.sampled_from([None, {"c1", "c2"}]))
def test_csv_work_orders_are_those_of_the_whole_file_reading(
        folder: Path, rows: list[list[str]], customer_ids: set[str] | None) -> None:
    """Read a row at a time, any work-order CSV (good, scattered, or with wrong cells, rows
    or customers) gives the same work orders, or the same problems, as grouping its rows
    over the whole file and reading each work order with the converter."""
    path = folder / "w.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([HEADER, *rows])
    source = str(path)
    streamed = _outcome(lambda: load_work_orders(path, customer_ids=customer_ids))
    assert streamed == _outcome(lambda: _grouped_over_the_whole_file(source, customer_ids))


def _grouped_over_the_whole_file(source: str, customer_ids: set[str] | None
                                 ) -> list[WorkOrder]:
    """Work orders as they were read before rows were streamed: every row read at once,
    grouped by id, each group read with the CSV converter."""
    problems: list[ValidationError] = []
    groups = group_rows(read_records(source, ORDER_COLUMNS + LINE_COLUMNS, problems),
                        "work_order_id", source, problems)
    for rows in groups.values():
        customer = rows[0][1]["customer_id"]
        if customer_ids is not None and customer.strip() and customer not in customer_ids:
            problems.append(ValidationError(
                f"unknown customer {customer!r} (not among the customers)", source=source,
                row=rows[0][0], field="customer_id", value=customer))
    orders = [fold_rows(source, rows, WorkOrder, CSV_CONVERTER, problems, head=ORDER_COLUMNS,
                        parts=LINE_COLUMNS, parts_field="lines", what="work order")
              for rows in groups.values()]
    if problems:
        raise all_problems(source, sorted(problems, key=row_order))
    return [order for order in orders if order is not None]


def _json_item(row: list[str]) -> dict[str, Any]:
    cells = dict(zip(HEADER, row, strict=True))
    line = {"description": cells["line_description"], "quantity": cells["quantity"],
            "unit_price": cells["unit_price"], "vat_rate": cells["vat_rate"] or "25",
            "product_id": cells["product_id"] or None}
    return {"id": cells["work_order_id"], "customer_id": cells["customer_id"],
            "status": cells["status"], "planned_date": cells["planned_date"] or None,
            "completed_at": cells["completed_at"], "project": cells["project"] or None,
            "description": cells["description"], "lines": [line]}


_odd_values = st.sampled_from([None, 1, 2.5, True, [], {}, "", "x", "1E+3", "2024-05-01"])


@settings(max_examples=300)
@given(_order_rows(), st.data(), st.sampled_from([None, {"c1", "c2"}]))
def test_json_work_orders_are_those_the_converter_reads(
        folder: Path, rows: list[list[str]], data: st.DataObject,
        customer_ids: set[str] | None) -> None:
    """Any work-order JSON list (good items, or items with values of the wrong type or
    shape, missing or unknown keys, repeated ids) gives the same work orders, or the same
    problems, as reading the whole list and each item with the converter."""
    items: list[Any] = [_json_item(row) for row in rows if len(row) == len(HEADER)]
    for _ in range(data.draw(st.integers(min_value=0, max_value=2)) if items else 0):
        item = data.draw(st.sampled_from(items))
        lines = item.get("lines")
        target = data.draw(st.sampled_from(
            [item, *(line for line in (lines if isinstance(lines, list) else ())
                     if isinstance(line, dict))]))
        key = data.draw(st.sampled_from([*sorted(target), "colour"]))
        if data.draw(st.booleans()):
            target.pop(key, None)
        else:
            target[key] = data.draw(_odd_values)
    path = folder / "w.json"
    path.write_text(json.dumps(items), encoding="utf-8")
    source = str(path)

    assert _outcome(lambda: load_work_orders(path, customer_ids=customer_ids)) == \
        _outcome(lambda: _read_whole_and_structured(source, customer_ids))


def _read_whole_and_structured(source: str, customer_ids: set[str] | None
                               ) -> list[WorkOrder]:
    """Work orders as they were read before items were streamed: the whole list at once,
    each item read with the JSON converter."""
    problems: list[ValidationError] = []
    items = list(enumerate(read_json(source)))
    check_unique(((row, item.get("id") if isinstance(item, dict) else None, "id")
                  for row, item in items), "work order", source, problems)
    for row, item in items:
        customer = item.get("customer_id") if isinstance(item, dict) else None
        if (customer_ids is not None and isinstance(customer, str) and customer.strip()
                and customer not in customer_ids):
            problems.append(ValidationError(
                f"unknown customer {customer!r} (not among the customers)", source=source,
                row=row, field="customer_id", value=customer))
    orders = []
    for row, item in items:
        try:
            orders.append(structure(item, WorkOrder, conv=converter))
        except ValidationError as err:
            problems.extend(placed(p, source, row, p.field) for p in err.problems)
    if problems:
        raise all_problems(source, sorted(problems, key=row_order))
    return orders


def _orders_file(path: Path, count: int, *, apart: bool = False) -> Path:
    """``count`` work orders of two lines each; ``apart``: each work order's second row
    comes after the next work order's first, so no work order's rows are together."""
    pairs = [[[f"w{n}", f"c{n % 50}", "completed", "2024-05-01",
               f"2024-05-01T{n % 24:02d}:00:00+02:00", "", "", text, quantity, price, "25", ""]
              for text, quantity, price in (("Hours", str(n % 7 + 1), "450"),
                                            ("Gasket", "1", "129.95"))]
             for n in range(count)]
    if apart:
        rows = [pairs[0][0], *(row for n in range(1, count)
                               for row in (pairs[n][0], pairs[n - 1][1])), pairs[-1][1]]
    else:
        rows = [row for pair in pairs for row in pair]
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([HEADER, *rows])
    return path


def test_equal_values_are_shared_between_work_orders(tmp_path: Path) -> None:
    """Work orders of one file share their equal customer ids, dates, times and lines."""
    same = load_work_orders(_orders_file(tmp_path / "w.csv", 60))
    assert same[0].customer_id is same[50].customer_id
    assert same[0].planned_date is same[1].planned_date
    assert same[0].completed_at is same[24].completed_at
    assert same[0].lines[0] is same[7].lines[0] and same[0].lines[1] is same[1].lines[1]
    assert same[0].lines[0] is not same[1].lines[0]  # 1 hour and 2 hours


def _held_while_loading(path: Path) -> int:
    """Bytes a load held at its peak beyond the work orders it returned."""
    tracemalloc.start()
    try:
        orders = load_work_orders(path)
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert orders
    return peak - kept


@pytest.mark.parametrize("kind", ["csv", "csv, rows apart", "json"])
def test_what_loading_holds_besides_the_work_orders_hardly_grows_with_the_file(
        tmp_path: Path, kind: str) -> None:
    """Each work order more in a file adds under 300 bytes to what loading holds beyond the
    work orders (a file read whole held its text and a dict per row: some 3 KB each), also
    when a work order's rows lie apart."""
    held = []
    for count in (2_000, 12_000):
        path = _orders_file(tmp_path / f"w{count}.csv", count, apart=kind.endswith("apart"))
        if kind == "json":
            save_work_orders(load_work_orders(path), tmp_path / f"w{count}.json")
            path = tmp_path / f"w{count}.json"
        held.append(_held_while_loading(path))
    assert (held[1] - held[0]) / 10_000 < 300, held


def test_work_orders_whose_rows_lie_apart_keep_the_order_of_their_first_rows(
        tmp_path: Path) -> None:
    """A file whose work orders' rows are interleaved gives each work order all its lines,
    in the order the work orders first appear."""
    orders = load_work_orders(_orders_file(tmp_path / "w.csv", 5, apart=True))
    assert [order.id for order in orders] == ["w0", "w1", "w2", "w3", "w4"]
    assert all([line.description for line in order.lines] == ["Hours", "Gasket"]
               for order in orders)
    assert orders == load_work_orders(_orders_file(tmp_path / "together.csv", 5))


def test_customers_load_a_row_at_a_time_with_their_problems(tmp_path: Path) -> None:
    """A customer file's repeated ids and bad values are each named on their own row."""
    path = tmp_path / "c.csv"
    path.write_text("id,name,kind,email,street,postal_code,city,country,registration_number,"
                    "currency,delivery\n"
                    "c-1,A,company,,,,,DK,,DKK,email\n"
                    "c-1,B,firm,,,,,DK,,DKK,email\n"
                    "c-2,C,company,,,,,DK,,DKK\n", encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        load_customers(path)
    assert [(p.row, p.field) for p in caught.value.problems] == [
        (3, "id"), (3, "kind"), (4, None)]


def test_a_bad_header_in_a_file_not_utf8_reports_the_file_first(tmp_path: Path) -> None:
    """A file that cannot be read is said to be so even when its header is wrong too, as it
    was when files were read whole before their header was checked."""
    path = tmp_path / "w.csv"
    path.write_bytes(b"work_order_id,colour\n" + b"w1,red\n" * 5000 + b"w2,r\xf8d\n")
    with pytest.raises(InputFileError) as caught:
        load_work_orders(path)
    assert "not UTF-8" in caught.value.message


def test_a_json_syntax_error_is_placed_in_the_whole_document(tmp_path: Path) -> None:
    """A syntax error after many good items names its line and column in the whole file."""
    path = tmp_path / "w.json"
    good = json.dumps({"id": "w", "customer_id": "c", "status": "planned", "lines": []})
    path.write_text("[\n" + ",\n".join([good] * 3000) + ",\n{oops}\n]", encoding="utf-8")
    with pytest.raises(InputFileError) as caught:
        load_work_orders(path)
    assert "line 3002, column 2" in caught.value.message


def test_a_file_changed_between_its_two_readings_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """When a file of work orders whose rows lie apart changes between the two readings so
    that a work order goes on after its last row, the load says so rather than split it."""
    path = _orders_file(tmp_path / "w.csv", 3, apart=True)
    readings = 0
    real_read_rows = loading_tables.read_rows

    def read_rows(*args: Any) -> Any:
        nonlocal readings
        readings += 1
        if readings == 3:  # the streaming try, the first reading, now the second
            with path.open("a", encoding="utf-8", newline="") as handle:
                csv.writer(handle).writerow(
                    ["w0", "c0", "completed", "2024-05-01", "2024-05-01T00:00:00+02:00", "",
                     "", "Extra", "1", "1", "25", ""])
        return real_read_rows(*args)

    monkeypatch.setattr(loading_tables, "read_rows", read_rows)
    with pytest.raises(InputFileError) as caught:
        load_work_orders(path)
    assert "changed while it was read" in caught.value.message
