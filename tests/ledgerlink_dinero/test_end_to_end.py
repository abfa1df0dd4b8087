"""ledgerlink.invoice against the Dinero emulator: exactly once, drafts that collect work,
and the connector over real HTTP on 127.0.0.1."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import ledgerlink
from ledgerlink.domain import Company, Customer, WorkLine, WorkOrder
from ledgerlink.http.limits import LimiterRegistry
from ledgerlink.policy import BillingPolicy, PolicyOverride, Posting
from ledgerlink.store import Store
from ledgerlink.testing.factories import make_customer, make_invoice_draft, make_work_order
from ledgerlink_dinero import DineroConnector
from ledgerlink_dinero.emulator import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DineroEmulator
from tests.ledgerlink_dinero.support import connect_organisation, fresh_organisation

COMPANY = Company("Vinduespudser ApS", policy=BillingPolicy(send=True), currency="DKK",
                  time_zone="UTC")
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def _writes(emulator: DineroEmulator, organisation: str) -> list[str]:
    return [f"{r.method} {r.path}" for r in emulator.requests
            if r.organisation_id == organisation and r.method != "GET"]


def _order(order_id: str, customer: Customer, hours: str = "2") -> WorkOrder:
    return WorkOrder(id=order_id, customer_id=customer.id, completed_at=NOW - timedelta(hours=1),
                     lines=[WorkLine("Vinduespudsning", Decimal(hours), Decimal("400"))])


def test_a_run_creates_books_and_emails_once_and_a_second_run_does_nothing(
    dinero: DineroConnector, emulator: DineroEmulator, tmp_path: Path
) -> None:
    """Four work orders become four booked, emailed invoices; running again writes nothing."""
    customers = [make_customer() for _ in range(2)]
    orders = [make_work_order(customer=c) for c in customers for _ in range(2)]
    journal = tmp_path / "journal.db"
    first = ledgerlink.invoice(orders, customers, COMPANY, dinero, store=journal)
    assert first.ok, first
    assert first.summary["invoices_created"] == 4
    assert first.summary["emailed"] == 4
    org = emulator.organisations[dinero.organisation_id]
    assert len(org.contacts) == 2
    invoices = list(org.invoices.values())
    assert len(invoices) == 4
    assert all(record.data.get("Number") for record in invoices)  # booked
    assert {r.data["ExternalReference"] for r in invoices} == {f"inv:{o.id}" for o in orders}
    assert len(org.mails) == 4
    assert all("[link-to-pdf]" in (mail["Message"] or "") for mail in org.mails)
    before = len(_writes(emulator, dinero.organisation_id))
    second = ledgerlink.invoice(orders, customers, COMPANY, dinero, store=journal)
    assert second.summary["invoices_created"] == 0
    assert len(_writes(emulator, dinero.organisation_id)) == before
    assert len(org.mails) == 4


def test_posting_draft_collects_work_on_one_draft_across_runs(
    dinero: DineroConnector, emulator: DineroEmulator, tmp_path: Path
) -> None:
    """posting=draft: two runs put three work orders (one changed) on one Dinero draft,
    never booked nor emailed."""
    customer = make_customer(policy=PolicyOverride(posting=Posting.DRAFT))
    journal = tmp_path / "j.db"
    first = ledgerlink.invoice([_order("W1", customer), _order("W2", customer)], [customer],
                               COMPANY, dinero, now=NOW, store=journal)
    assert first.ok and first.summary["drafts_created"] == 1
    org = emulator.organisations[dinero.organisation_id]
    (record,) = org.invoices.values()
    remote = dinero.get_invoice(record.guid)
    assert (remote.booked, remote.number, set(remote.line_keys)) == (
        False, None, {"wo:W1", "wo:W2"})
    second = ledgerlink.invoice(
        [_order("W1", customer, hours="3"), _order("W2", customer), _order("W3", customer)],
        [customer], COMPANY, dinero, now=NOW, store=journal)
    assert second.ok and second.summary["collected_on_drafts"] == 2
    assert len(org.invoices) == 1
    collected = dinero.get_invoice(record.guid)
    assert not collected.booked and not org.mails
    assert collected.total == Decimal(400) * (3 + 2 + 2) * Decimal("1.25")
    assert set(collected.line_keys) == {"wo:W1", "wo:W2", "wo:W3"}


def test_the_connector_works_against_the_emulator_served_on_loopback(tmp_path: Path) -> None:
    """Over real HTTP on 127.0.0.1: a customer, a draft, booking, email and the PDF."""
    emulator = DineroEmulator()
    organisation = fresh_organisation()
    emulator.add_organisation(organisation)
    store = Store(tmp_path / "tokens.db")
    connect_organisation(emulator, organisation, store)  # tokens from the in-process code exchange
    with emulator.serve() as server:
        assert server.base_url.startswith("http://127.0.0.1:")
        with DineroConnector(organisation_id=organisation, client_id=DEFAULT_CLIENT_ID,
                             client_secret=DEFAULT_CLIENT_SECRET, token_store=store,
                             base_url=server.base_url, limiters=LimiterRegistry()) as dinero:
            customer = make_customer()
            ref = dinero.create_customer(customer)
            created = dinero.create_invoice(make_invoice_draft(customer=customer), ref, {})
            booked = dinero.book(created.provider_id)
            dinero.send(booked.provider_id)
            assert dinero.pdf(booked.provider_id).startswith(b"%PDF")
            assert dinero.find_invoice(created.key or "") == dinero.get_invoice(
                booked.provider_id)
    assert len(emulator.organisations[organisation].mails) == 1
