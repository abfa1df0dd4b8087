"""ledgerlink.invoice against the emulator: exactly once, recovery, and the no-drafts notice."""

from __future__ import annotations

from pathlib import Path

import ledgerlink
from ledgerlink.domain import Company
from ledgerlink.policy import BillingPolicy, PolicyOverride, Posting
from ledgerlink.testing.factories import make_customer, make_work_order
from ledgerlink_quickbooks import QuickBooksConnector
from ledgerlink_quickbooks.emulator import QuickBooksEmulator

COMPANY = Company("Test Company Inc", policy=BillingPolicy(send=True), currency="USD",
                  time_zone="UTC")


def _writes(emulator: QuickBooksEmulator, realm: str) -> list[str]:
    return [r.path for r in emulator.requests
            if r.realm_id == realm and r.method == "POST" and r.path != "query"]


def test_a_run_creates_and_emails_once_and_a_second_run_does_nothing(
    quickbooks: QuickBooksConnector, emulator: QuickBooksEmulator, tmp_path: Path
) -> None:
    """Four work orders become four sent invoices; running again writes nothing."""
    customers = [make_customer(currency="USD") for _ in range(2)]
    orders = [make_work_order(customer=c) for c in customers for _ in range(2)]
    journal = tmp_path / "journal.db"
    first = ledgerlink.invoice(orders, customers, COMPANY, quickbooks, store=journal)
    assert first.summary["invoices_created"] == 4
    assert first.summary["emailed"] == 4
    invoices = emulator.realms[quickbooks.realm_id].entities["Invoice"].values()
    assert sorted(inv["DocNumber"] for inv in invoices) == sorted(o.id for o in orders)
    assert all(inv["EmailStatus"] == "EmailSent" for inv in invoices)
    sends = [p for p in _writes(emulator, quickbooks.realm_id) if p.endswith("/send")]
    assert len(sends) == 4
    before = len(_writes(emulator, quickbooks.realm_id))
    second = ledgerlink.invoice(orders, customers, COMPANY, quickbooks, store=journal)
    assert second.summary["invoices_created"] == 0
    assert len(_writes(emulator, quickbooks.realm_id)) == before


def test_a_create_whose_connection_drops_after_the_commit_is_not_duplicated(
    quickbooks: QuickBooksConnector, emulator: QuickBooksEmulator, tmp_path: Path
) -> None:
    """The dropped batch create is replayed by its requestid: one invoice per work order."""
    customers = [make_customer(currency="USD")]
    for customer in customers:
        # Linked up front, so the first write of the run is a create.
        quickbooks.create_customer(customer)
    orders = [make_work_order(customer=customers[0]) for _ in range(3)]
    emulator.faults.drop_after_commit(1)
    result = ledgerlink.invoice(orders, customers, COMPANY, quickbooks, store=tmp_path / "j.db")
    assert result.summary["invoices_created"] == 3
    invoices = list(emulator.realms[quickbooks.realm_id].entities["Invoice"].values())
    assert len(invoices) == 3
    # The three creates went out as one batch; its retry was answered from the replay store.
    assert [r.path for r in emulator.requests if r.replayed] == ["batch"]
    again = ledgerlink.invoice(orders, customers, COMPANY, quickbooks, store=tmp_path / "j.db")
    assert again.summary["invoices_created"] == 0
    assert len(emulator.realms[quickbooks.realm_id].entities["Invoice"]) == 3


def test_posting_draft_customers_get_the_needs_drafts_notice(
    quickbooks: QuickBooksConnector, emulator: QuickBooksEmulator, tmp_path: Path
) -> None:
    """QuickBooks declares no drafts, so posting=draft work is blocked with a clear notice."""
    drafty = make_customer(currency="USD", policy=PolicyOverride(posting=Posting.DRAFT))
    order = make_work_order(customer=drafty)
    result = ledgerlink.invoice([order], [drafty], COMPANY, quickbooks, store=tmp_path / "j.db")
    reasons = [n.reason for n in result.plan.notices if n.subject == order.id]
    assert reasons == ["posting=draft needs a connector with capability 'drafts'"]
    assert not emulator.realms[quickbooks.realm_id].entities["Invoice"]
