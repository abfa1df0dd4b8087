"""Two workers creating one customer: the loser finds the winner's customer."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from ledgerlink import Company, Customer, WorkLine, WorkOrder
from ledgerlink.api import invoice
from ledgerlink.sandbox.connector import SandboxConnector
from ledgerlink.store import Store

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
CUSTOMER = Customer("c1", "Nordlys ApS")


class RacedBook(SandboxConnector):
    """Another worker creates the customer right after our look-up missed it."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.rival = SandboxConnector(path)
        self.raced = False

    def find_customer(self, customer: Customer) -> str | None:
        found = super().find_customer(customer)
        if found is None and not self.raced:
            self.raced = True
            self.rival.create_customer(customer)
        return found


def test_a_customer_created_concurrently_is_found_not_failed(tmp_path: Path) -> None:
    """A customer created by someone else meanwhile is found and linked, not failed."""
    book = RacedBook(tmp_path / "book.db")
    order = WorkOrder("wo-1", "c1", [WorkLine("Repair", 1, Decimal(100))], completed_at=NOW)

    result = invoice([order], [CUSTOMER], Company("Acme"), book, now=NOW,
                     store=Store(tmp_path / "journal.db"))

    assert book.raced
    assert result.summary["failed"] == 0 and result.summary["invoices_created"] == 1
    [linked] = [o for o in result.outcomes if o.kind == "ensure_customer"]
    assert linked.message == "found (created concurrently)"
    assert linked.remote_id == book.find_customer(CUSTOMER)
