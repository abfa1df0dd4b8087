"""The connector's opt-in options end to end: update_customers and item_map."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

import ledgerlink
from ledgerlink.domain import Address, Company, Customer, WorkLine, WorkOrder
from ledgerlink.policy import BillingPolicy
from ledgerlink.testing.factories import make_customer
from ledgerlink_quickbooks.emulator import QuickBooksEmulator
from tests.ledgerlink_quickbooks.support import build_connector, fresh_realm

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
COMPANY = Company("Options Inc", policy=BillingPolicy(send=False), currency="USD",
                  time_zone="UTC")


def _order(order_id: str, customer: Customer, product: str | None = None) -> WorkOrder:
    return WorkOrder(id=order_id, customer_id=customer.id, completed_at=NOW - timedelta(hours=1),
                     lines=[WorkLine("Visit", Decimal(1), Decimal("80"), Decimal(0), product)])


def _move_between_runs(emulator: QuickBooksEmulator, tmp_path: Path, **options: Any
                       ) -> tuple[list[str], dict[str, Any], dict[str, Any]]:
    """Run once, then twice with the customer's new e-mail and address; return what the
    later runs did to the customer, and QuickBooks' customer before and after."""
    quickbooks = build_connector(emulator, tmp_path, **options)
    customer = make_customer(currency="USD", email="old@example.com",
                             address=Address("1 Old Road", "10001", "New York", "US"))
    journal = tmp_path / "j.db"
    ledgerlink.invoice([_order("O1", customer)], [customer], COMPANY, quickbooks, now=NOW,
                       store=journal)
    customers = emulator.realms[quickbooks.realm_id].entities["Customer"]
    (ref,) = customers
    before = dict(customers[ref])
    moved = attrs.evolve(customer, email="new@example.com",
                         address=Address("9 New Street", "94043", "Mountain View", "US"))
    notes = []
    for order in ("O2", "O3"):
        result = ledgerlink.invoice([_order(order, moved)], [moved], COMPANY, quickbooks, now=NOW,
                                    store=journal)
        notes += [f"{o.kind}: {o.message}" for o in result.outcomes
                  if o.kind in ("ensure_customer", "update_customer")]
    quickbooks.close()
    return notes, before, dict(customers[ref])


def test_linked_customers_are_left_alone_by_default(
    emulator: QuickBooksEmulator, tmp_path: Path
) -> None:
    """By default a linked customer whose details changed is not updated in QuickBooks."""
    notes, before, after = _move_between_runs(emulator, tmp_path)
    assert notes == []
    unbilled = {k: v for k, v in after.items() if not k.startswith("Balance")}
    assert unbilled == {k: v for k, v in before.items() if not k.startswith("Balance")}


def test_with_update_customers_a_run_brings_address_and_email_up_to_date_once(
    emulator: QuickBooksEmulator, tmp_path: Path
) -> None:
    """With update_customers, one run updates a linked customer's address and email."""
    notes, before, after = _move_between_runs(emulator, tmp_path, update_customers="true")
    # Planned once, when the details changed; the run after has nothing to update.
    assert notes == ["update_customer: updated"]
    assert after["PrimaryEmailAddr"] == {"Address": "new@example.com"}
    assert (after["BillAddr"]["Line1"], after["BillAddr"]["City"]) == (
        "9 New Street", "Mountain View")
    # Name and currency are QuickBooks' to keep.
    assert (after["DisplayName"], after["CurrencyRef"]) == (
        before["DisplayName"], before["CurrencyRef"])


def test_item_map_and_the_name_rule_link_lines_to_items(
    emulator: QuickBooksEmulator, tmp_path: Path
) -> None:
    """P-MAPPED goes to the Item the map names, P-NAMED to the Item named so; a product
    neither links, with no default item, blocks its invoice and names the line."""
    realm = fresh_realm()
    mapped = emulator.seed(realm, "Item", {"Name": "Mapped service", "Type": "Service"})
    named = emulator.seed(realm, "Item", {"Name": "P-NAMED", "Type": "Service"})
    quickbooks = build_connector(emulator, tmp_path, realm=realm, with_item=False,
                                 item_map=f"P-MAPPED={mapped['Id']}")
    customer = make_customer(currency="USD")
    orders = [_order("M1", customer, "P-MAPPED"), _order("N1", customer, "P-NAMED"),
              _order("U1", customer, "P-UNKNOWN")]
    result = ledgerlink.invoice(orders, [customer], COMPANY, quickbooks, now=NOW,
                                store=tmp_path / "j.db")
    items = {inv["DocNumber"]: inv["Line"][0]["SalesItemLineDetail"]["ItemRef"]["value"]
             for inv in emulator.realms[realm].entities["Invoice"].values()}
    assert items == {"M1": mapped["Id"], "N1": named["Id"]}
    (failed,) = result.failed
    assert failed.action.subject == "inv:U1"
    assert "P-UNKNOWN" in failed.message
    quickbooks.close()
