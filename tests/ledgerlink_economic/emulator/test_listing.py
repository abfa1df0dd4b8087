"""Filters and paging over the space of collections and predicates."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ledgerlink_economic.emulator import EconomicEmulator
from tests.ledgerlink_economic.emulator.support import client_for, customer_body

numbers = st.sets(st.integers(min_value=1, max_value=500), min_size=1, max_size=30)


def _listed(numbers_made: set[int], **params: object) -> list[int]:
    emu = EconomicEmulator()
    grant = emu.create_agreement("Filter ApS")
    for number in numbers_made:
        emu.seed(grant, "POST", "/customers", customer_body(customerNumber=number,
                                                            name=f"Kunde {number}"))
    with client_for(emu, grant) as client:
        body = client.get("/customers", params={"pagesize": 1000, **params}).json()
    return [row["customerNumber"] for row in body["collection"]]


@settings(max_examples=30)
@given(numbers, st.integers(min_value=0, max_value=500),
       st.sampled_from(["gt", "gte", "lt", "lte", "eq", "ne"]))
def test_a_comparison_keeps_exactly_the_matching_customers(made: set[int], threshold: int,
                                                           op: str) -> None:
    """``customerNumber$<op>:<n>`` lists the customers whose number compares so, in order."""
    compare = {"gt": int.__gt__, "gte": int.__ge__, "lt": int.__lt__, "lte": int.__le__,
               "eq": int.__eq__, "ne": int.__ne__}[op]
    listed = _listed(made, filter=f"customerNumber${op}:{threshold}")
    assert listed == sorted(n for n in made if compare(n, threshold))


@settings(max_examples=30)
@given(numbers, st.lists(st.integers(min_value=1, max_value=500), min_size=1, max_size=5))
def test_in_and_nin_split_the_collection(made: set[int], wanted: list[int]) -> None:
    """``$in:[..]`` and ``$nin:[..]`` over the same list partition the customers."""
    values = ",".join(str(n) for n in wanted)
    inside = _listed(made, filter=f"customerNumber$in:[{values}]")
    outside = _listed(made, filter=f"customerNumber$nin:[{values}]")
    assert inside == sorted(made & set(wanted))
    assert sorted(inside + outside) == sorted(made)


@settings(max_examples=20)
@given(numbers, st.integers(min_value=1, max_value=7))
def test_the_pages_together_are_the_collection(made: set[int], size: int) -> None:
    """Walking nextPage from the first page lists every customer once, in number order."""
    emu = EconomicEmulator()
    grant = emu.create_agreement("Side ApS")
    for number in made:
        emu.seed(grant, "POST", "/customers", customer_body(customerNumber=number))
    seen: list[int] = []
    with client_for(emu, grant) as client:
        url: str | None = f"/customers?skippages=0&pagesize={size}"
        while url is not None:
            body = client.get(url).json()
            seen += [row["customerNumber"] for row in body["collection"]]
            url = body["pagination"].get("nextPage")
    assert seen == sorted(made)
