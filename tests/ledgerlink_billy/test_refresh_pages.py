"""A Billy status refresh in list pages, every request counted as the emulator recorded it."""

from __future__ import annotations

import math
from datetime import date, timedelta
from pathlib import Path

from ledgerlink.domain import RemoteInvoice
from ledgerlink.refreshing import refresh_statuses
from ledgerlink.status import InvoiceStatus
from ledgerlink.store import Store
from ledgerlink.testing.factories import make_customer, make_invoice_draft
from ledgerlink_billy import BillyConnector
from ledgerlink_billy.emulator import BillyEmulator
from tests.refreshes import journal

PAGE = 3
TODAY = date.today()


def _booked(billy: BillyConnector, count: int) -> list[RemoteInvoice]:
    customer = make_customer(currency="DKK")
    ref = billy.create_customer(customer)
    return [billy.book(billy.create_invoice(make_invoice_draft(
        customer=customer, currency="DKK", issue_date=TODAY,
        due_date=TODAY + timedelta(days=30)), ref, {}).provider_id) for _ in range(count)]


def test_refreshes_cost_list_pages_counted_as_the_emulator_recorded_them(
        billy: BillyConnector, emulator: BillyEmulator, tmp_path: Path) -> None:
    """Seven approved invoices refresh in ⌈7 / page⌉ list pages; after three are paid, the
    next refresh reads the open list, the approvals and what left the open set, never one
    read per invoice followed; each refresh's calls are the emulator's records."""
    billy.api.page_size = PAGE
    store = Store(tmp_path / "journal.db")
    made = _booked(billy, 7)
    keys = journal(store, billy.account, made)
    before = len(emulator.records)
    first = refresh_statuses(billy, store, today=TODAY)
    assert first.calls == len(emulator.records) - before == math.ceil(7 / PAGE)
    for invoice in made[:3]:
        billy.register_payment(invoice.provider_id, invoice.total, TODAY)
    before = len(emulator.records)
    second = refresh_statuses(billy, store, today=TODAY)
    assert second.ok and second.calls == len(emulator.records) - before
    facts = {f.key: f.status(TODAY) for f in store.invoice_facts(billy.account)}
    assert [facts[keys[i.provider_id]] for i in made] == (
        [InvoiceStatus.PAID] * 3 + [InvoiceStatus.OPEN] * 4)
