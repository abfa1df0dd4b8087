"""find_invoices: many keys from one reading of the invoice list, answering as find_invoice does.

The emulator counts every request, so each test states what the batched
look-up costs: list pages, one read per invoice found (its payments where the
balance is open), one credit-note read per ``credit:`` key and per key no
invoice carries.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledgerlink.http.limits import LimiterRegistry
from ledgerlink.testing.factories import make_customer, make_invoice_draft
from ledgerlink_dinero import DineroConnector
from ledgerlink_dinero.emulator import DineroEmulator, Limits, RequestRecord
from tests.ledgerlink_dinero.support import build_connector


@attrs.frozen
class Book:
    """An organisation holding one invoice in each state recovery meets, and some keys.

    Attributes:
        draft: key of a draft.
        booked: key of a booked, open invoice (its payments decide the balance).
        sent: key of a booked invoice that was emailed.
        paid: key of a paid invoice.
        credited: key of a credited invoice; its note is keyed ``credit_key``.
        credit_key: a ``credit:`` key with a credit note.
        plain_note: a key without the prefix that only a credit note carries.
        absent: keys nothing carries (one of them with the credit prefix).
    """

    draft: str
    booked: str
    sent: str
    paid: str
    credited: str
    credit_key: str
    plain_note: str
    absent: tuple[str, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return (self.draft, self.booked, self.sent, self.paid, self.credited,
                self.credit_key, self.plain_note, *self.absent)


@pytest.fixture
def emulator() -> DineroEmulator:
    """An emulator whose rate limit stays out of the way of a few hundred calls."""
    return DineroEmulator(limits=Limits(per_minute=1_000_000))


@pytest.fixture
def dinero(emulator: DineroEmulator, tmp_path: Path) -> Iterator[DineroConnector]:
    """A connector whose own limiter does not hold calls back either."""
    with build_connector(emulator, tmp_path, limiters=LimiterRegistry(window=0.001)) as connector:
        yield connector


def _invoice(dinero: DineroConnector, ref: str, key: str) -> str:
    draft = make_invoice_draft(customer=make_customer(), key=key)
    return dinero.create_invoice(draft, ref, {}).provider_id


def _fill(emulator: DineroEmulator, dinero: DineroConnector, ref: str, count: int) -> None:
    """``count`` other drafts, dated later so the list shows them before ours."""
    later = (date.today() + timedelta(days=30)).isoformat()
    for index in range(count):
        emulator.seed(dinero.organisation_id, "invoices", {
            "ContactGuid": ref, "ExternalReference": f"other-{index}", "Date": later,
            "ProductLines": [{"Description": "Other work", "Quantity": 1,
                              "AccountNumber": 1000, "BaseAmountValue": 10, "Unit": "parts",
                              "LineType": "Product"}]})


def _book(emulator: DineroEmulator, dinero: DineroConnector, fillers: int) -> Book:
    customer = make_customer(email="kunde@example.dk")
    ref = dinero.create_customer(customer)
    _fill(emulator, dinero, ref, fillers)
    _invoice(dinero, ref, "wo:draft")
    dinero.book(_invoice(dinero, ref, "wo:booked"))
    dinero.book(sent := _invoice(dinero, ref, "wo:sent"))
    dinero.send(sent)
    paid = dinero.book(_invoice(dinero, ref, "wo:paid"))
    dinero.register_payment(paid.provider_id, paid.total, date.today())
    dinero.book(credited := _invoice(dinero, ref, "wo:credited"))
    dinero.credit(credited, "credit:wo:credited")
    dinero.book(other := _invoice(dinero, ref, "wo:other"))
    dinero.credit(other, "note-without-prefix")
    return Book("wo:draft", "wo:booked", "wo:sent", "wo:paid", "wo:credited",
                "credit:wo:credited", "note-without-prefix",
                ("wo:never", "credit:wo:never", "wo:also-never"))


def _since(emulator: DineroEmulator, start: int) -> list[RequestRecord]:
    return emulator.requests[start:]


def _count(records: list[RequestRecord], method: str, suffix: str) -> int:
    return sum(1 for r in records if r.method == method and r.path.endswith(suffix))


def test_many_keys_cost_the_list_pages_and_the_reads_of_what_is_found(
    emulator: DineroEmulator, dinero: DineroConnector
) -> None:
    """Over more than one list page, the answer equals find_invoice's per key and costs two
    list calls, a read per invoice found, the payments of the open ones, and a credit-note
    read per credit key and per key no invoice carries: never a list call per key."""
    book = _book(emulator, dinero, fillers=1000)
    before = len(emulator.requests)
    found = dinero.find_invoices(book.keys)
    spent = _since(emulator, before)
    per_key = {key: dinero.find_invoice(key) for key in book.keys}
    assert found == {key: invoice for key, invoice in per_key.items() if invoice is not None}
    assert set(found) == {book.draft, book.booked, book.sent, book.paid, book.credited,
                          book.credit_key, book.plain_note}
    assert found[book.sent].sent and not found[book.booked].sent
    assert found[book.paid].balance == Decimal(0) and found[book.booked].balance > 0
    org = dinero.organisation_id
    list_calls = [r for r in spent if r.method == "GET" and r.path == f"/v1/{org}/invoices"]
    assert len(list_calls) == 2  # 1000 other drafts and ours: two pages of 1000
    invoices_found = 5  # draft, booked, sent, paid, credited
    assert _count(spent, "GET", "/payments") == 2  # booked and sent are open; paid is not
    assert sum(1 for r in spent if r.method == "GET" and "/invoices/" in r.path
               and not r.path.endswith("/payments")) == invoices_found
    # Credit keys (2) are read by GUID first; so are the plain keys no invoice carries (3).
    notes_read = sum(1 for r in spent if "/sales/creditnotes/" in r.path)
    assert notes_read == 2 + 3
    assert len(spent) == len(list_calls) + invoices_found + 2 + notes_read


def test_the_list_stops_once_every_key_is_found(
    emulator: DineroEmulator, dinero: DineroConnector
) -> None:
    """Keys found on the first page end the reading there, whatever follows."""
    customer = make_customer()
    ref = dinero.create_customer(customer)
    _fill(emulator, dinero, ref, 5)
    before = len(emulator.requests)
    found = dinero.find_invoices(["other-1", "other-3"])
    assert {key: invoice.key for key, invoice in found.items()} == {
        "other-1": "other-1", "other-3": "other-3"}
    org = dinero.organisation_id
    lists = [r for r in _since(emulator, before) if r.path == f"/v1/{org}/invoices"]
    assert len(lists) == 1


def test_few_keys_left_against_many_pages_are_asked_for_one_by_one(
    emulator: DineroEmulator, dinero: DineroConnector) -> None:
    """With more pages to read than keys left unfound, each key left costs one filtered
    list call instead (pages of 2 rows stand in for Dinero's 1000)."""
    customer = make_customer()
    ref = dinero.create_customer(customer)
    _fill(emulator, dinero, ref, 12)
    dinero.api.page_size = 2
    keys = ["other-0", "gone-1", "gone-2"]
    before = len(emulator.requests)
    found = dinero.find_invoices(keys)
    spent = _since(emulator, before)
    assert set(found) == {"other-0"}
    org = dinero.organisation_id
    lists = [r for r in spent if r.path == f"/v1/{org}/invoices"]
    # Page 0 (the oldest draft, other-0, is listed last), then one filtered call per key.
    assert len(lists) == 1 + 3
    assert found == {key: invoice for key in keys
                     if (invoice := dinero.find_invoice(key)) is not None}


def test_one_key_is_one_filtered_list_call(
    emulator: DineroEmulator, dinero: DineroConnector
) -> None:
    """A single key is asked for with the ExternalReference filter, not by listing all."""
    book_ref = dinero.create_customer(make_customer())
    _fill(emulator, dinero, book_ref, 3)
    before = len(emulator.requests)
    found = dinero.find_invoices(["other-2", "other-2"])["other-2"]
    org = dinero.organisation_id
    assert found.key == "other-2"
    assert [r.path for r in _since(emulator, before)] == [
        f"/v1/{org}/invoices", f"/v1/{org}/invoices/{found.provider_id}"]


def test_any_choice_of_keys_answers_as_find_invoice_does(
    emulator: DineroEmulator, dinero: DineroConnector) -> None:
    """For any keys (repeated, in any order, present, absent, credit keys) and any page
    size, find_invoices answers each key as find_invoice does."""
    book = _book(emulator, dinero, fillers=4)
    expected = {key: dinero.find_invoice(key) for key in book.keys}

    @settings(max_examples=25, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(keys=st.lists(st.sampled_from(book.keys), max_size=12),
           page_size=st.integers(min_value=1, max_value=20))
    def check(keys: list[str], page_size: int) -> None:
        dinero.api.page_size = page_size
        found = dinero.find_invoices(keys)
        assert found == {key: expected[key] for key in dict.fromkeys(keys)
                         if expected[key] is not None}
        assert list(found) == [key for key in dict.fromkeys(keys) if key in found]

    check()
