"""Many keys looked up at once (``find_invoices``): few queries, the answers find_invoice gives."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ledgerlink.testing.factories import make_customer, make_invoice_draft
from ledgerlink_quickbooks import QuickBooksConnector
from ledgerlink_quickbooks.emulator import Limits, QuickBooksEmulator
from ledgerlink_quickbooks.keys import doc_number, note_for
from ledgerlink_quickbooks.lookup import MAX_QUERY_CHARS, pages
from ledgerlink_quickbooks.queries import MAX_RESULTS, quote
from tests.ledgerlink_quickbooks.support import build_connector


def _roomy_emulator() -> QuickBooksEmulator:
    """An emulator whose own throttle never gets in the way of counting requests."""
    return QuickBooksEmulator(limits=Limits(per_minute=1_000_000, in_flight=100))


def _line(item: str) -> list[dict[str, Any]]:
    return [{"DetailType": "SalesItemLineDetail", "Amount": 100,
             "SalesItemLineDetail": {"ItemRef": {"value": item}, "Qty": 1, "UnitPrice": 100,
                                     "TaxCodeRef": {"value": "NON"}}}]


def _seed(emulator: QuickBooksEmulator, quickbooks: QuickBooksConnector, entity: str, key: str,
          customer: str, note: str | None = None) -> None:
    """Store an object the way the connector would have written it for ``key``."""
    emulator.seed(quickbooks.realm_id, entity, {
        "CustomerRef": {"value": customer}, "Line": _line(str(quickbooks.default_item)),
        "DocNumber": doc_number(key), "PrivateNote": note or note_for(key, ())})


def _customers(emulator: QuickBooksEmulator, quickbooks: QuickBooksConnector,
               count: int) -> list[str]:
    """Customers to spread seeded invoices over (the emulator re-sums a customer's balance
    on every invoice, so thousands on one customer would only slow the test)."""
    return [emulator.seed(quickbooks.realm_id, "Customer", {"DisplayName": f"Seeded {n}"})["Id"]
            for n in range(count)]


def _queries(emulator: QuickBooksEmulator, realm: str, since: int) -> list[Any]:
    return [r for r in emulator.requests[since:] if r.realm_id == realm]


def test_2500_keys_cost_a_few_queries_and_match_find_invoice(tmp_path: Path) -> None:
    """Present, absent, hashed, credit, voided and sent keys: a handful of POST /query calls
    answer 2,500 keys, with exactly the values find_invoice gives key by key."""
    emulator = _roomy_emulator()
    quickbooks = build_connector(emulator, tmp_path)
    try:
        customer = make_customer(currency="USD")
        ref = quickbooks.create_customer(customer)
        drafts = [make_invoice_draft(customer=customer, key=f"inv:real-{n}") for n in range(4)]
        made = [quickbooks.create_invoice(draft, ref, {}) for draft in drafts]
        quickbooks.void(made[0].provider_id)
        quickbooks.send(made[1].provider_id)
        credited = quickbooks.credit(made[2].provider_id, "credit:inv:real-2")
        present = [f"inv:wo-{n}" for n in range(1200)]
        hashed = [f"inv:{'long-work-order-id-' * 2}{n}" for n in range(100)]
        credits = [f"credit:inv:wo-{n}" for n in range(100)]
        spread = _customers(emulator, quickbooks, 40)
        for n, key in enumerate(present + hashed):
            _seed(emulator, quickbooks, "Invoice", key, spread[n % len(spread)])
        for n, key in enumerate(credits):
            _seed(emulator, quickbooks, "CreditMemo", key, spread[n % len(spread)])
        absent = [f"inv:gone-{n}" for n in range(1000)] + [f"credit:inv:gone-{n}"
                                                          for n in range(90)]
        # A person's invoice with one of our numbers is not ours.
        _seed(emulator, quickbooks, "Invoice", "inv:gone-0", ref, note="typed in by hand")
        keys = ([str(i.key) for i in made] + [str(credited.key)] + present + hashed + credits
                + absent)
        random.Random(7).shuffle(keys)
        assert len(keys) == 2495 and len(set(keys)) == len(keys)
        keys += keys[:5]  # repeated keys are answered once

        since = len(emulator.requests)
        found = quickbooks.find_invoices(keys)
        calls = _queries(emulator, quickbooks.realm_id, since)

        assert all((c.method, c.path) == ("POST", "query") for c in calls)
        # Invoices: 3 pages; CreditMemos: 2; Invoices again, for credit keys: 1.
        assert len(calls) == 6
        assert set(found) == {str(i.key) for i in made} | {str(credited.key)} | set(
            present + hashed + credits)
        sample = random.Random(3).sample(sorted(set(keys)), 120) + [str(i.key) for i in made]
        sample += [str(credited.key), "inv:gone-0", credits[0], hashed[0]]
        for key in sample:
            assert found.get(key) == quickbooks.find_invoice(key), key
        assert found["inv:real-0"].voided and found["inv:real-1"].sent
        assert found[str(credited.key)].credit_for == made[2].provider_id
    finally:
        quickbooks.close()


def test_10000_unresolved_creates_are_reconciled_in_at_most_20_requests(
    tmp_path: Path,
) -> None:
    """The issue's target: 10,000 create keys, half of them created, in <= 20 requests."""
    emulator = _roomy_emulator()
    quickbooks = build_connector(emulator, tmp_path)
    try:
        spread = _customers(emulator, quickbooks, 100)
        keys = [f"inv:wo-{n:05d}" for n in range(10_000)]
        for n, key in enumerate(keys[::2]):
            _seed(emulator, quickbooks, "Invoice", key, spread[n % len(spread)])
        since = len(emulator.requests)
        found = quickbooks.find_invoices(keys)
        assert len(_queries(emulator, quickbooks.realm_id, since)) <= 20
        assert sorted(found) == keys[::2]
    finally:
        quickbooks.close()


def test_no_keys_cost_no_request(quickbooks: QuickBooksConnector,
                                  emulator: QuickBooksEmulator) -> None:
    """An empty look-up answers at once."""
    since = len(emulator.requests)
    assert quickbooks.find_invoices([]) == {}
    assert emulator.requests[since:] == []


@given(st.lists(st.text(alphabet="abcXYZ019-_./", min_size=1, max_size=21), max_size=3000),
       st.integers(min_value=1, max_value=MAX_RESULTS),
       st.integers(min_value=200, max_value=MAX_QUERY_CHARS))
def test_pages_keep_order_and_both_limits(numbers: list[str], max_keys: int,
                                          max_chars: int) -> None:
    """Pages hold every number once, in order, never more than the key or length limit."""
    cut = list(pages(numbers, max_keys=max_keys, max_chars=max_chars))
    assert [n for page in cut for n in page] == numbers
    for page in cut:
        statement = ("SELECT * FROM CreditMemo WHERE DocNumber IN ("
                     + ", ".join(quote(n) for n in page)
                     + f") STARTPOSITION {10**9} MAXRESULTS {MAX_RESULTS}")
        assert 1 <= len(page) <= max_keys
        assert len(statement) <= max_chars
