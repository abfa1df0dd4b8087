"""List mechanics over generated data: paging covers everything once; filters agree with Python."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import httpx
from hypothesis import given
from hypothesis import strategies as st

from ledgerlink_dinero.emulator.listing import list_page, parse_filter
from ledgerlink_dinero.emulator.state import Record
from tests.ledgerlink_dinero.emulator.support import api, ok

Maker = Callable[..., dict[str, Any]]
names = st.text("abcæøå' ", min_size=1, max_size=6)


def _records(count: int) -> list[Record]:
    return [Record(f"g{i}", {"Name": f"n{i}"}, float(i), float(i), i) for i in range(count)]


def _view(record: Record) -> dict[str, Any]:
    return {"Guid": record.guid, "Name": record.data["Name"]}


@given(st.integers(min_value=0, max_value=40), st.integers(min_value=1, max_value=15))
def test_pages_cover_every_item_once(count: int, size: int) -> None:
    """Walking the pages of any list yields every item once, in order and page count."""
    records = _records(count)
    seen: list[str] = []
    page = 0
    while True:
        query = {"page": str(page), "pageSize": str(size), "fields": "Guid"}
        body = list_page(records, query, view=_view, filterable=("Name",), default_fields="Guid")
        assert body["Pagination"]["Result"] == count
        if not body["Collection"]:
            break
        assert len(body["Collection"]) <= size
        seen.extend(row["Guid"] for row in body["Collection"])
        page += 1
    assert seen == [r.guid for r in records]
    assert page == -(-count // size)


@given(st.lists(names, min_size=1, max_size=8), names)
def test_eq_and_contains_agree_with_casefolded_python(stored: list[str], wanted: str) -> None:
    """Filters eq and contains pick the same names as case-folded Python comparisons."""
    records = [Record(f"g{i}", {"Name": n}, 0.0, 0.0, i) for i, n in enumerate(stored)]
    quoted = "'" + wanted.replace("'", "''") + "'"
    for operator, rule in (
        ("eq", lambda name: name.casefold() == wanted.casefold()),
        ("contains", lambda name: wanted.casefold() in name.casefold()),
    ):
        (clause,) = parse_filter(f"Name {operator} {quoted}", ("Name",))
        query = {"queryFilter": f"Name {operator} {quoted}", "fields": "Name"}
        body = list_page(records, query, view=_view, filterable=("Name",), default_fields="Name")
        assert [row["Name"] for row in body["Collection"]] == [n for n in stored if rule(n)]
        assert clause.operator == operator


def test_concurrent_bookings_get_distinct_consecutive_numbers(
    client: httpx.Client, draft: Maker
) -> None:
    """Twelve drafts booked at once get the numbers 1 to 12, each once."""
    drafts = [draft() for _ in range(12)]
    numbers: list[int] = []

    def book(created: dict[str, Any]) -> None:
        path = api(f"invoices/{created['Guid']}/book")
        numbers.append(ok(client.post(path, json={"Timestamp": created["TimeStamp"]}))["Number"])

    threads = [threading.Thread(target=book, args=(created,)) for created in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(numbers) == list(range(1, 13))
