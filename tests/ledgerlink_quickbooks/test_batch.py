"""Batch create against the emulator: ≤ 30 per request, per-item errors on the right invoice,
customers looked up once, and the batch counted against the realm's batch limit."""

from __future__ import annotations

from pathlib import Path

import pytest

import ledgerlink
from ledgerlink.connector import BatchItem
from ledgerlink.domain import Company, RemoteInvoice
from ledgerlink.errors import ConflictError, NotFoundError, ValidationError
from ledgerlink.policy import BillingPolicy
from ledgerlink.testing.factories import (
    make_customer,
    make_invoice_draft,
    make_invoice_line,
    make_work_order,
)
from ledgerlink_quickbooks import QuickBooksConnector
from ledgerlink_quickbooks.emulator import QuickBooksEmulator
from ledgerlink_quickbooks.settings import MAX_BATCH_ITEMS

COMPANY = Company("Batch Co", policy=BillingPolicy(send=False), currency="USD", time_zone="UTC")


def _paths(emulator: QuickBooksEmulator, realm: str) -> list[str]:
    return [r.path for r in emulator.requests if r.realm_id == realm]


def test_a_bulk_run_creates_thirty_invoices_a_request(
    quickbooks: QuickBooksConnector, emulator: QuickBooksEmulator, tmp_path: Path
) -> None:
    """70 work orders of 3 customers: three batch requests, one invoice per work order."""
    customers = [make_customer(currency="USD") for _ in range(3)]
    orders = [make_work_order(customer=customers[i % 3]) for i in range(70)]
    result = ledgerlink.invoice(orders, customers, COMPANY, quickbooks, store=tmp_path / "j.db")
    assert result.ok and result.summary["invoices_created"] == 70
    invoices = emulator.realms[quickbooks.realm_id].entities["Invoice"].values()
    assert sorted(inv["DocNumber"] for inv in invoices) == sorted(o.id for o in orders)
    paths = _paths(emulator, quickbooks.realm_id)
    assert paths.count("batch") == 3
    assert "invoice" not in paths  # no invoice went out on its own
    batch_ids = [r.requestid for r in emulator.requests if r.path == "batch"]
    assert all(rid and len(rid) <= 36 for rid in batch_ids)
    assert len(set(batch_ids)) == 3


def test_each_item_error_lands_on_its_own_invoice(quickbooks: QuickBooksConnector) -> None:
    """A refused item (unknown Item) keeps QuickBooks' message; its neighbours are created;
    a currency mismatch is refused before the request."""
    usd, eur = make_customer(currency="USD"), make_customer(currency="EUR")
    usd_ref, eur_ref = quickbooks.create_customer(usd), quickbooks.create_customer(eur)
    good = make_invoice_draft(customer=usd)
    bad_item = make_invoice_draft(customer=usd, lines=[
        make_invoice_line(product_id="ghost")])
    wrong_currency = make_invoice_draft(customer=eur, currency="USD")
    also_good = make_invoice_draft(customer=usd)
    results = quickbooks.create_invoices(
        [BatchItem(good, usd_ref), BatchItem(bad_item, usd_ref),
         BatchItem(wrong_currency, eur_ref), BatchItem(also_good, usd_ref)],
        {"ghost": "987654"})
    assert isinstance(results[0], RemoteInvoice) and results[0].key == good.key
    assert isinstance(results[3], RemoteInvoice) and results[3].key == also_good.key
    assert isinstance(results[1], NotFoundError)
    assert (results[1].provider, results[1].code) == ("quickbooks", "610")
    assert results[1].message.startswith("Object Not Found")
    assert isinstance(results[2], ConflictError)
    assert "currency" in results[2].message
    assert quickbooks.find_invoice(bad_item.key) is None
    assert quickbooks.find_invoice(wrong_currency.key) is None


def test_a_batch_repeated_after_its_replay_expired_returns_our_invoices(
    quickbooks: QuickBooksConnector, emulator: QuickBooksEmulator
) -> None:
    """Items whose DocNumber already exists as ours (6210) are answered with our invoice."""
    customer = make_customer(currency="USD")
    ref = quickbooks.create_customer(customer)
    drafts = [make_invoice_draft(customer=customer) for _ in range(3)]
    first = quickbooks.create_invoices([BatchItem(d, ref) for d in drafts], {})
    # As if QuickBooks forgot the requestid.
    emulator.realms[quickbooks.realm_id].request_ids.clear()
    second = quickbooks.create_invoices([BatchItem(d, ref) for d in drafts], {})
    assert [getattr(r, "provider_id", r) for r in second] == [
        getattr(r, "provider_id", r) for r in first]
    assert len(emulator.realms[quickbooks.realm_id].entities["Invoice"]) == 3


def test_more_than_thirty_items_are_refused_before_any_request(
    quickbooks: QuickBooksConnector, emulator: QuickBooksEmulator
) -> None:
    """A batch of more than thirty invoices is refused before any request is sent."""
    customer = make_customer(currency="USD")
    ref = quickbooks.create_customer(customer)
    before = len(emulator.requests)
    drafts = [make_invoice_draft(customer=customer) for _ in range(MAX_BATCH_ITEMS + 1)]
    with pytest.raises(ValidationError):
        quickbooks.create_invoices([BatchItem(d, ref) for d in drafts], {})
    assert len(emulator.requests) == before


def test_unknown_customers_are_learned_in_one_query(
    quickbooks: QuickBooksConnector, emulator: QuickBooksEmulator, tmp_path: Path
) -> None:
    """Customers linked by an earlier process cost one Customer query per batch, not a
    read each."""
    customers = [make_customer(currency="USD") for _ in range(5)]
    refs = [quickbooks.create_customer(c) for c in customers]
    quickbooks.customers.forget()  # a new process: nothing cached...
    quickbooks.tax_codes.codes()  # ...but the company's tax codes (two queries, once) read already
    before = len(emulator.requests)
    drafts = [make_invoice_draft(customer=c) for c in customers]
    results = quickbooks.create_invoices(
        [BatchItem(d, r) for d, r in zip(drafts, refs, strict=True)], {})
    assert all(isinstance(r, RemoteInvoice) for r in results)
    assert _paths(emulator, quickbooks.realm_id)[before:] == ["query", "batch"]
