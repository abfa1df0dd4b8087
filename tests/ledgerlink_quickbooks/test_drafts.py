"""posting=draft on QuickBooks (``drafts=True``): work collected on one open invoice until a
person sends, prints, is paid or books it; posting=book invoices stay final at creation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

import ledgerlink
from ledgerlink.domain import Company, Customer, WorkLine, WorkOrder
from ledgerlink.errors import InvoiceStateError
from ledgerlink.policy import BillingPolicy, PolicyOverride, Posting
from ledgerlink.testing.factories import make_customer, make_invoice_draft, make_invoice_line
from ledgerlink_quickbooks import QuickBooksConnector, doc_number
from ledgerlink_quickbooks.drafts import EMPTY_LINE
from ledgerlink_quickbooks.emulator import QuickBooksEmulator
from ledgerlink_quickbooks.wire import dumps
from tests.ledgerlink_quickbooks.support import build_connector

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
COMPANY = Company("Drafts Inc", policy=BillingPolicy(send=True), currency="USD",
                  time_zone="UTC")


@pytest.fixture
def quickbooks_drafts(emulator: QuickBooksEmulator,
                      tmp_path: Path) -> Iterator[QuickBooksConnector]:
    connector = build_connector(emulator, tmp_path, drafts="true")
    try:
        yield connector
    finally:
        connector.close()


def _order(order_id: str, customer: Customer, hours: str = "2") -> WorkOrder:
    return WorkOrder(id=order_id, customer_id=customer.id, completed_at=NOW - timedelta(hours=1),
                     lines=[WorkLine("Hours", Decimal(hours), Decimal("95"), Decimal(0))])


def _invoices(emulator: QuickBooksEmulator,
              quickbooks: QuickBooksConnector) -> list[dict[str, object]]:
    return list(emulator.realms[quickbooks.realm_id].entities["Invoice"].values())


def test_drafts_collect_until_a_person_sends_the_invoice(
    quickbooks_drafts: QuickBooksConnector, emulator: QuickBooksEmulator, tmp_path: Path
) -> None:
    """Two runs collect three work orders on one open invoice; once it is e-mailed from
    QuickBooks, new work goes on a new one and the sent one is left alone."""
    quickbooks = quickbooks_drafts
    customer = make_customer(currency="USD", policy=PolicyOverride(posting=Posting.DRAFT))
    journal = tmp_path / "j.db"
    first = ledgerlink.invoice([_order("W1", customer), _order("W2", customer)], [customer],
                               COMPANY, quickbooks, now=NOW, store=journal)
    assert first.ok and first.summary["drafts_created"] == 1
    (open_invoice,) = _invoices(emulator, quickbooks)
    assert open_invoice["DocNumber"] == doc_number(f"draft:{customer.id}:1")
    assert open_invoice["EmailStatus"] != "EmailSent"  # drafts are never e-mailed
    remote = quickbooks.get_invoice(str(open_invoice["Id"]))
    assert (remote.booked, remote.number, set(remote.line_keys)) == (
        False, None, {"wo:W1", "wo:W2"})
    # More work, and a change to W1: lines are added and replaced on the same invoice.
    second = ledgerlink.invoice(
        [_order("W1", customer, hours="3"), _order("W2", customer), _order("W3", customer)],
        [customer], COMPANY, quickbooks, now=NOW, store=journal)
    assert second.ok and second.summary["collected_on_drafts"] == 2
    assert len(_invoices(emulator, quickbooks)) == 1
    collected = quickbooks.get_invoice(str(open_invoice["Id"]))
    assert collected.total == Decimal(95) * (3 + 2 + 2)
    assert set(collected.line_keys) == {"wo:W1", "wo:W2", "wo:W3"}
    # A person e-mails it with QuickBooks' own Send: from then on it is final.
    quickbooks.api.http.post(f"/invoice/{open_invoice['Id']}/send", content=b"",
                   headers={"Content-Type": "application/octet-stream"})
    assert quickbooks.get_invoice(str(open_invoice["Id"])).booked
    third = ledgerlink.invoice(
        [_order("W1", customer, hours="3"), _order("W2", customer), _order("W3", customer),
         _order("W4", customer)], [customer], COMPANY, quickbooks, now=NOW, store=journal)
    assert third.ok and third.summary["drafts_created"] == 1
    numbers = sorted(str(inv["DocNumber"]) for inv in _invoices(emulator, quickbooks))
    assert numbers == sorted(doc_number(f"draft:{customer.id}:{n}") for n in (1, 2))
    assert quickbooks.get_invoice(str(open_invoice["Id"])).total == collected.total


def test_final_invoices_are_booked_at_creation_without_an_extra_request(
    quickbooks_drafts: QuickBooksConnector, emulator: QuickBooksEmulator, tmp_path: Path
) -> None:
    """posting=book work on a drafts-enabled connector: created final, e-mailed, and no
    booking update is sent."""
    quickbooks = quickbooks_drafts
    customer = make_customer(currency="USD")
    result = ledgerlink.invoice([_order("B1", customer), _order("B2", customer)], [customer],
                                COMPANY, quickbooks, now=NOW, store=tmp_path / "j.db")
    assert result.ok
    assert (result.summary["invoices_created"], result.summary["booked"],
            result.summary["emailed"]) == (2, 2, 2)
    assert {o.message for o in result.outcomes if o.kind == "book"} == {"booked when created"}
    updates = [r for r in emulator.requests if r.realm_id == quickbooks.realm_id
               and r.path == "invoice" and r.method == "POST"]
    assert updates == []  # creates went in one batch; nothing was booked by update
    assert all(quickbooks.get_invoice(str(inv["Id"])).booked
               for inv in _invoices(emulator, quickbooks))


def test_an_emptied_open_invoice_keeps_a_placeholder_line_and_cannot_be_booked(
    quickbooks_drafts: QuickBooksConnector,
) -> None:
    """An open invoice emptied of work keeps a placeholder line and refuses to be booked."""
    customer = make_customer(currency="USD")
    ref = quickbooks_drafts.create_customer(customer)
    line = make_invoice_line(source_key="wo:X")
    created = quickbooks_drafts.create_invoice(make_invoice_draft(customer=customer, lines=[line]),
                                               ref, {})
    emptied = quickbooks_drafts.replace_lines(created.provider_id, "wo:X", [], {})
    assert (emptied.total, emptied.line_keys, emptied.booked) == (Decimal(0), (), False)
    raw = quickbooks_drafts.api.read_invoice(created.provider_id)
    assert [ln["Description"] for ln in raw["Line"] if ln["DetailType"] != "SubTotalLineDetail"
            ] == [EMPTY_LINE["Description"]]
    with pytest.raises(InvoiceStateError, match="bills no work"):
        quickbooks_drafts.book(created.provider_id)


def test_lines_edited_in_quickbooks_stop_ledgerlink_from_changing_them(
    quickbooks_drafts: QuickBooksConnector,
) -> None:
    """If a person adds a line, ledgerlink can no longer tell the lines apart: it refuses."""
    customer = make_customer(currency="USD")
    ref = quickbooks_drafts.create_customer(customer)
    created = quickbooks_drafts.create_invoice(
        make_invoice_draft(customer=customer, lines=[make_invoice_line(source_key="wo:A")]),
        ref, {})
    raw = quickbooks_drafts.api.read_invoice(created.provider_id)
    sales = [ln for ln in raw["Line"] if ln["DetailType"] == "SalesItemLineDetail"]
    quickbooks_drafts.api.write("/invoice", dumps({
        "Id": raw["Id"], "SyncToken": raw["SyncToken"], "sparse": True,
        "Line": [*sales, dict(sales[0], Description="Added by hand")]}), "hand-edit", "x")
    with pytest.raises(InvoiceStateError, match="changed in QuickBooks"):
        quickbooks_drafts.replace_lines(created.provider_id, "wo:A", [], {})


def test_a_paid_open_invoice_counts_as_booked(quickbooks_drafts: QuickBooksConnector) -> None:
    """An open invoice that received a payment counts as booked and its lines are final."""
    customer = make_customer(currency="USD")
    ref = quickbooks_drafts.create_customer(customer)
    created = quickbooks_drafts.create_invoice(make_invoice_draft(customer=customer), ref, {})
    assert not created.booked
    paid = quickbooks_drafts.register_payment(created.provider_id, Decimal("1.00"), NOW.date())
    assert paid.booked and paid.number is not None
    with pytest.raises(InvoiceStateError, match="final"):
        quickbooks_drafts.replace_lines(created.provider_id, "k", [], {})


def test_without_the_option_posting_draft_gets_the_needs_drafts_notice(
    quickbooks: QuickBooksConnector,
) -> None:
    """Without the drafts option the connector neither collects drafts nor claims the capability."""
    assert not quickbooks.collect_drafts
    assert "drafts" not in {c.value for c in quickbooks.capabilities}
