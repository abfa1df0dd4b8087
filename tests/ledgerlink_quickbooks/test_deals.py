"""Won deals invoiced in QuickBooks (the emulator in-process): fields, due date, refusals,
customer push-back only when opted in, and the contact's invoices with their statuses."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import ledgerlink as ll
from ledgerlink.deal_invoicing import DealState
from ledgerlink.deal_mapping import DealMapping
from ledgerlink.deals import Deal, DealLine, DealParty, DealStatus, PartyRole
from ledgerlink.domain import Address, Company
from ledgerlink.store import Store
from ledgerlink_quickbooks import QuickBooksConnector
from ledgerlink_quickbooks.emulator import QuickBooksEmulator
from tests.ledgerlink_quickbooks.support import build_connector

WON = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
NOW = datetime(2026, 5, 5, 9, 0, tzinfo=UTC)
ISSUED = date(2026, 5, 5)
ORG = DealParty("5", PartyRole.ORGANIZATION, "Acme ApS",
                address=Address("Havnegade 1", "8000", "Aarhus", "DK"),
                fields={"CVR number": "DK12345674", "Billing mail": "ap@acme.dk"})
MAPPING = DealMapping(fields={"registration_number": "organization:CVR number",
                              "email": "organization:Billing mail"}, due_days=14)
COMPANY = Company("Tag & Tæt ApS")


def won_deal(deal_id: str = "42", *, currency: str = "DKK", product: str = "101",
             organization: DealParty = ORG) -> Deal:
    """A deal won with one 2 x 500 line (10% off) of ``product``."""
    return Deal(deal_id, "New roof", DealStatus.WON, currency, Decimal(1000),
                (DealLine(product, "Roof inspection", "2", "500", discount=Decimal(10)),),
                organization=organization, won_at=WON)


def connector(emulator: QuickBooksEmulator, tmp_path: Path, **options: Any
              ) -> QuickBooksConnector:
    """A realm with a default item and an Item named as the deal's product."""
    made = build_connector(emulator, tmp_path, **options)
    emulator.seed(made.realm_id, "Item", {"Name": "Roof inspection", "Type": "Service"})
    return made


def invoices(quickbooks: QuickBooksConnector) -> list[dict[str, Any]]:
    """Every Invoice in the realm, as QuickBooks holds it."""
    return list(quickbooks.api.query_all("Invoice", []))


def customers(quickbooks: QuickBooksConnector) -> list[dict[str, Any]]:
    """Every Customer in the realm."""
    return list(quickbooks.api.query_all("Customer", []))


def test_a_deal_becomes_one_invoice_with_the_mapped_fields(emulator: QuickBooksEmulator,
                                                          tmp_path: Path) -> None:
    """The customer carries the mapped tax id, e-mail and address; the invoice is due 14 days
    after its date and totals the discounted line; handed over twice it is made once."""
    quickbooks = connector(emulator, tmp_path)
    store = Store(tmp_path / "journal.db")
    first = ll.invoice_deals([won_deal()], MAPPING, quickbooks, COMPANY, store=store, now=NOW)
    again = ll.invoice_deals([won_deal()], MAPPING, quickbooks, COMPANY, store=store, now=NOW)
    assert first.report("42").state is DealState.INVOICED
    assert again.report("42").state is DealState.ALREADY_INVOICED
    (invoice,) = invoices(quickbooks)
    assert invoice["TxnDate"] == ISSUED.isoformat()
    assert invoice["DueDate"] == (ISSUED + timedelta(days=14)).isoformat()
    assert Decimal(str(invoice["TotalAmt"])) == Decimal("1125.00")
    (customer,) = customers(quickbooks)
    # The mapped tax id (QuickBooks may show only its last five characters).
    assert customer["PrimaryTaxIdentifier"].endswith("45674")
    assert customer["PrimaryEmailAddr"]["Address"] == "ap@acme.dk"
    assert customer["BillAddr"]["City"] == "Aarhus"
    assert customer["CurrencyRef"]["value"] == "DKK"


def test_an_unlinked_product_blocks_even_with_a_default_item(emulator: QuickBooksEmulator,
                                                            tmp_path: Path) -> None:
    """A product with no Item of its name is named, never billed on the default item;
    nothing is written to QuickBooks."""
    quickbooks = connector(emulator, tmp_path)
    deal = Deal("7", "Gutters", DealStatus.WON, "DKK", Decimal(10),
                (DealLine("555", "Gutter cleaning", "1", "10"),), organization=ORG, won_at=WON)
    report = ll.invoice_deals([deal], MAPPING, quickbooks, COMPANY,
                              store=tmp_path / "journal.db", now=NOW).report("7")
    assert report.state is DealState.BLOCKED
    assert "line 1 ('Gutter cleaning')" in report.reason
    assert "ledgerlink link product 555 REMOTE" in report.reason
    assert invoices(quickbooks) == [] and customers(quickbooks) == []


def test_a_currency_mismatch_is_refused_naming_both(emulator: QuickBooksEmulator,
                                                   tmp_path: Path) -> None:
    """A EUR deal for the customer QuickBooks invoices in DKK is refused naming both."""
    quickbooks = connector(emulator, tmp_path)
    store = Store(tmp_path / "journal.db")
    ll.invoice_deals([won_deal("1")], MAPPING, quickbooks, COMPANY, store=store, now=NOW)
    report = ll.invoice_deals([won_deal("2", currency="EUR")], MAPPING, quickbooks, COMPANY,
                              store=store, now=NOW).report("2")
    assert report.state is DealState.BLOCKED
    assert "EUR" in report.reason and "DKK" in report.reason
    assert len(invoices(quickbooks)) == 1


@pytest.mark.parametrize("opted_in", [True, False])
def test_changed_details_are_pushed_back_only_when_opted_in(emulator: QuickBooksEmulator,
                                                           tmp_path: Path,
                                                           opted_in: bool) -> None:
    """A moved organisation's new address reaches QuickBooks with update_customers only."""
    quickbooks = connector(emulator, tmp_path, update_customers=opted_in)
    store = Store(tmp_path / "journal.db")
    ll.invoice_deals([won_deal("1")], MAPPING, quickbooks, COMPANY, store=store, now=NOW)
    moved = DealParty("5", PartyRole.ORGANIZATION, "Acme ApS",
                      address=Address("Nygade 9", "5000", "Odense", "DK"), fields=ORG.fields)
    result = ll.invoice_deals([won_deal("2", organization=moved)], MAPPING, quickbooks,
                              COMPANY, store=store, now=NOW)
    assert result.report("2").state is DealState.INVOICED
    (customer,) = customers(quickbooks)
    assert customer["BillAddr"]["City"] == ("Odense" if opted_in else "Aarhus")


def test_contact_invoices_after_payment_partial_payment_void_and_delete(
        emulator: QuickBooksEmulator, tmp_path: Path) -> None:
    """The contact's invoices from QuickBooks: paid, partially paid, void, deleted, open."""
    quickbooks = connector(emulator, tmp_path)
    store = Store(tmp_path / "journal.db")
    deals = [won_deal(str(n)) for n in range(1, 6)]
    ll.invoice_deals(deals, MAPPING, quickbooks, COMPANY, store=store, now=NOW)
    ids = {i.key: i.provider_id for i in ll.contact_invoices(
        deals[0], MAPPING, quickbooks, ISSUED, ISSUED, store=store)}
    quickbooks.register_payment(ids["inv:deal-1"], Decimal("1125.00"), ISSUED)
    quickbooks.register_payment(ids["inv:deal-2"], Decimal("100.00"), ISSUED)
    quickbooks.void(ids["inv:deal-3"])
    quickbooks.delete(ids["inv:deal-4"])
    listed = ll.contact_invoices(deals[0], MAPPING, quickbooks, date(2026, 5, 1),
                                 date(2026, 5, 31), store=store, today=ISSUED)
    assert {i.key: i.flags for i in listed} == {
        "inv:deal-1": ["paid"], "inv:deal-2": ["open", "partially_paid"],
        "inv:deal-3": ["void"], "inv:deal-4": ["deleted"], "inv:deal-5": ["open"]}
    linked = ll.deal_invoices(quickbooks, "4", store=store)
    assert [i.flags for i in linked] == [["deleted"]]


def test_a_found_customer_in_another_currency_is_refused_when_opted_in(
        emulator: QuickBooksEmulator, tmp_path: Path) -> None:
    """With update_customers, a customer QuickBooks has in SEK is found by the run (no write
    before it) and the DKK invoice is refused naming both currencies; no invoice is made."""
    quickbooks = connector(emulator, tmp_path, update_customers=True)
    emulator.seed(quickbooks.realm_id, "Customer", {
        "DisplayName": "Acme ApS", "Notes": "ledgerlink:organization-5",
        "CurrencyRef": {"value": "SEK"}})
    report = ll.invoice_deals([won_deal()], MAPPING, quickbooks, COMPANY,
                              store=tmp_path / "journal.db", now=NOW).report("42")
    assert report.state is DealState.FAILED
    assert "SEK" in report.reason and "DKK" in report.reason
    assert invoices(quickbooks) == []
