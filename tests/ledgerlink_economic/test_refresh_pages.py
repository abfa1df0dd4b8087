"""An e-conomic status refresh from the paged collections, every request counted as the
emulator recorded it."""

from __future__ import annotations

from pathlib import Path

from ledgerlink.refreshing import refresh_statuses
from ledgerlink.status import InvoiceStatus
from ledgerlink.store import Store
from ledgerlink.testing.factories import make_customer, make_invoice_draft
from ledgerlink_economic import EconomicConnector
from ledgerlink_economic.emulator import Agreement, EconomicEmulator
from tests.refreshes import journal


def test_refreshes_cost_collection_pages_counted_as_the_emulator_recorded_them(
        economic: EconomicConnector, emulator: EconomicEmulator, agreement: Agreement,
        tmp_path: Path) -> None:
    """Five booked invoices refresh in the booked and draft collections' pages (one each
    here), before and after two are paid; the calls are the emulator's records."""
    store = Store(tmp_path / "journal.db")
    customer = make_customer(currency="DKK")
    ref = economic.create_customer(customer)
    made = [economic.book(economic.create_invoice(
        make_invoice_draft(customer=customer, currency="DKK"), ref, {}).provider_id)
        for _ in range(5)]
    keys = journal(store, economic.account, made)
    for label in ("fresh", "paid"):
        if label == "paid":
            for invoice in made[:2]:
                emulator.pay(agreement, int(invoice.number or 0), invoice.total)
        before = len(emulator.records)
        result = refresh_statuses(economic, store)
        assert result.ok and result.calls == len(emulator.records) - before == 2
    facts = {f.key: f for f in store.invoice_facts(economic.account)}
    paid = [facts[keys[i.provider_id]].status(made[0].issue_date) for i in made[:2]]
    assert paid == [InvoiceStatus.PAID] * 2
