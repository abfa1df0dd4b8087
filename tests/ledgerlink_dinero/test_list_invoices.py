"""list_invoices derives balances and statuses as get_invoice does: part-paid, overpaid,
paid, overdue, open and draft invoices in one listing, payments read only where
``PaymentStatus`` leaves the balance open (Booked, Overdue, OverPaid)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from ledgerlink.domain import RemoteInvoice
from ledgerlink.status import InvoiceStatus
from ledgerlink.testing.factories import make_customer, make_invoice_draft, make_invoice_line
from ledgerlink_dinero import DineroConnector
from ledgerlink_dinero.emulator import DineroEmulator, Limits
from tests.ledgerlink_dinero.support import build_connector

#: The emulator's fixed now: 2026-11-23 12:00 UTC; "today" in these tests.
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
TODAY = NOW.date()
#: Every listing covers the last 30 days.
FIRST_DAY = TODAY - timedelta(days=30)
PARTLY = InvoiceStatus.OPEN | InvoiceStatus.PARTIALLY_PAID


@pytest.fixture
def emulator() -> DineroEmulator:
    """An emulator stopped at ``NOW`` (Dinero judges Overdue on its own clock)."""
    return DineroEmulator(clock=lambda: NOW.timestamp(), limits=Limits(per_minute=1_000_000))


@pytest.fixture
def dinero(emulator: DineroEmulator, tmp_path: Path) -> Iterator[DineroConnector]:
    connector = build_connector(emulator, tmp_path)
    try:
        yield connector
    finally:
        connector.close()


@pytest.fixture
def customer(dinero: DineroConnector) -> str:
    return dinero.create_customer(make_customer(currency="DKK"))


def _draft(dinero: DineroConnector, customer: str, issued: date = TODAY) -> RemoteInvoice:
    """A draft of one 25 % line: 800.00 excl. VAT, 1000.00 incl. VAT, due 8 days after issue."""
    draft = make_invoice_draft(currency="DKK", issue_date=issued,
                               lines=[make_invoice_line(unit_price=Decimal("800.00"))])
    return dinero.create_invoice(draft, customer, {})


def _booked(dinero: DineroConnector, customer: str, *payments: str,
            issued: date = TODAY) -> str:
    """A booked 1000.00 invoice with ``payments`` registered on it; its GUID."""
    guid = dinero.book(_draft(dinero, customer, issued).provider_id).provider_id
    for amount in payments:
        dinero.register_payment(guid, Decimal(amount), TODAY)
    return guid


def _payment_reads(emulator: DineroEmulator, since: int) -> list[str]:
    """Invoice GUIDs whose payments were read after request number ``since``."""
    return [r.path.split("/")[-2] for r in emulator.requests[since:]
            if r.method == "GET" and r.path.endswith("/payments")]


def test_one_listing_gives_exact_balances_and_statuses_reading_only_open_payments(
    dinero: DineroConnector, customer: str, emulator: DineroEmulator
) -> None:
    """One listing gives each invoice's balance and status, reading payments only where open."""
    partly = _booked(dinero, customer, "250.50")
    overpaid = _booked(dinero, customer, "1000.01")
    paid = _booked(dinero, customer, "400.00", "600.00")
    overdue = _booked(dinero, customer, "1.00", issued=TODAY - timedelta(days=20))
    unpaid = _booked(dinero, customer)
    draft = _draft(dinero, customer).provider_id
    deleted = _draft(dinero, customer).provider_id
    dinero.delete(deleted)
    other_customer = dinero.create_customer(make_customer(currency="DKK"))
    _booked(dinero, other_customer, "5.00")

    before = len(emulator.requests)
    listed = list(dinero.list_invoices(customer, FIRST_DAY, TODAY))

    found = {inv.provider_id: (inv.balance, inv.status(TODAY)) for inv in listed}
    assert found == {
        partly: (Decimal("749.50"), PARTLY),
        overpaid: (Decimal("-0.01"), InvoiceStatus.PAID),
        paid: (Decimal("0.00"), InvoiceStatus.PAID),
        overdue: (Decimal("999.00"), PARTLY | InvoiceStatus.OVERDUE),
        unpaid: (Decimal("1000.00"), InvoiceStatus.OPEN),
        draft: (Decimal("1000.00"), InvoiceStatus.DRAFT),
    }  # the deleted draft is not listed: Dinero lists deleted ones only when asked
    assert listed[0].provider_id == overdue  # by issue date: the oldest first
    reads = _payment_reads(emulator, before)
    # Booked, Overdue and OverPaid need their payments; Paid and Draft do not.
    assert sorted(reads) == sorted([partly, overpaid, overdue, unpaid])
    lists = [r for r in emulator.requests[before:] if r.path.endswith("/invoices")]
    assert len(lists) == 1
    assert len(emulator.requests) - before == 1 + len(reads)


class _DeletedInLists(httpx.BaseTransport):
    """The emulator, with one invoice's list row marked deleted (as a list row of Dinero's
    carrying ``DeletedAt`` would be): the connector must not read its payments."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.guid = ""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.method != "GET" or not request.url.path.endswith("/invoices"):
            return response
        body = json.loads(response.read())
        for row in body.get("Collection") or []:
            if row.get("Guid") == self.guid:
                row["DeletedAt"] = "2026-11-23T11:00:00Z"
        return httpx.Response(response.status_code, headers={"content-type": "application/json"},
                              content=json.dumps(body).encode())


def test_a_listed_deleted_invoice_is_reported_deleted_without_a_payment_read(
    emulator: DineroEmulator, tmp_path: Path
) -> None:
    """An invoice the list marks deleted is reported deleted, with no payment read."""
    marking = _DeletedInLists(emulator.transport())
    dinero = build_connector(emulator, tmp_path, transport=marking)
    try:
        customer = dinero.create_customer(make_customer(currency="DKK"))
        marking.guid = _booked(dinero, customer, "100.00")
        before = len(emulator.requests)
        (listed,) = dinero.list_invoices(customer, FIRST_DAY, TODAY)
        assert listed.provider_id == marking.guid
        assert listed.deleted and InvoiceStatus.DELETED in listed.status(TODAY)
        assert _payment_reads(emulator, before) == []
    finally:
        dinero.close()
