"""Payments and credit notes in the Dinero change feed: balances in the invoice's currency,
the core's statuses, and the fewest reads (payments only of the changed invoices still open)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ledgerlink
from ledgerlink.domain import Company, RemoteInvoice
from ledgerlink.http.limits import LimiterRegistry
from ledgerlink.policy import BillingPolicy
from ledgerlink.status import InvoiceStatus
from ledgerlink.testing.factories import (
    make_customer,
    make_invoice_draft,
    make_invoice_line,
    make_work_order,
)
from ledgerlink_dinero import DineroConnector
from ledgerlink_dinero.emulator import (
    DineroEmulator,
    Limits,
)
from tests.ledgerlink_dinero.support import build_connector

#: The emulator's (fake) now: 2026-11-23 12:00 UTC; invoices are issued that day.
START = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
ISSUED = START.date()
OPEN = InvoiceStatus.OPEN
PARTLY = InvoiceStatus.OPEN | InvoiceStatus.PARTIALLY_PAID


class Clock:
    """The emulator's clock, moved by hand so ``changesSince`` moments are exact."""

    def __init__(self) -> None:
        self.now = START.timestamp()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> datetime:
        """Move on ``seconds``; returns the new moment."""
        self.now += seconds
        return datetime.fromtimestamp(self.now, UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def clocked_emulator(clock: Clock) -> DineroEmulator:
    """An emulator on ``clock``; rate limits are not the subject here, so they are wide."""
    return DineroEmulator(clock=clock, limits=Limits(per_minute=1_000_000))


@pytest.fixture
def clocked_dinero(clocked_emulator: DineroEmulator,
                   tmp_path: Path) -> Iterator[DineroConnector]:
    """A connector on ``clocked_emulator`` whose own limiter's window is a millisecond (no
    waits on the real clock)."""
    connector = build_connector(clocked_emulator, tmp_path,
                                limiters=LimiterRegistry(window=0.001))
    try:
        yield connector
    finally:
        connector.close()


@pytest.fixture
def customers(clocked_dinero: DineroConnector) -> dict[str, str]:
    """A Dinero contact per invoicing currency (a contact is invoiced in one currency)."""
    return {currency: clocked_dinero.create_customer(make_customer(currency=currency))
            for currency in ("DKK", "EUR")}


def _booked(dinero: DineroConnector, customers: dict[str, str], *, currency: str = "DKK",
            unit_price: Decimal = Decimal("800.00"), issued: date = ISSUED) -> RemoteInvoice:
    """A booked invoice of one 25 % line (800.00 → 1000.00 incl. VAT by default)."""
    draft = make_invoice_draft(currency=currency, customer_id=currency, issue_date=issued,
                               lines=[make_invoice_line(unit_price=unit_price)])
    created = dinero.create_invoice(draft, customers[currency], {})
    return dinero.book(created.provider_id)


def _payment_reads(emulator: DineroEmulator, since: int) -> list[str]:
    """Invoice guids whose payments were read after request number ``since``."""
    return [r.path.split("/")[-2] for r in emulator.requests[since:]
            if r.method == "GET" and r.path.endswith("/payments")]


def _feed(dinero: DineroConnector, since: datetime) -> dict[str, RemoteInvoice]:
    return {invoice.provider_id: invoice for invoice in dinero.changes(since).invoices}


def test_a_partial_payment_reports_the_invoice_partly_paid_reading_only_its_payments(
    clocked_dinero: DineroConnector, customers: dict[str, str],
    clocked_emulator: DineroEmulator, clock: Clock,
) -> None:
    """A partial payment shows in the feed as partly paid, reading only that invoice's payments."""
    invoice = _booked(clocked_dinero, customers)
    untouched = _booked(clocked_dinero, customers)
    since = clock.advance(10)
    clocked_dinero.register_payment(invoice.provider_id, Decimal("250.50"), ISSUED)
    before = len(clocked_emulator.requests)
    changed = _feed(clocked_dinero, since)
    assert set(changed) == {invoice.provider_id}  # the payment changed it; nothing else
    assert changed[invoice.provider_id].balance == Decimal("749.50")
    assert changed[invoice.provider_id].status(ISSUED) == PARTLY
    assert _payment_reads(clocked_emulator, before) == [invoice.provider_id]
    assert untouched.provider_id not in changed


def test_a_full_payment_reports_paid_without_reading_payments(
    clocked_dinero: DineroConnector, customers: dict[str, str],
    clocked_emulator: DineroEmulator, clock: Clock,
) -> None:
    """An invoice paid in full shows as paid with no balance, with no payment read."""
    invoice = _booked(clocked_dinero, customers)
    since = clock.advance(10)
    clocked_dinero.register_payment(invoice.provider_id, Decimal("400.00"), ISSUED)
    clocked_dinero.register_payment(invoice.provider_id, Decimal("600.00"), ISSUED)
    before = len(clocked_emulator.requests)
    changed = _feed(clocked_dinero, since)[invoice.provider_id]
    assert (changed.balance, changed.status(ISSUED)) == (Decimal(0), InvoiceStatus.PAID)
    assert _payment_reads(clocked_emulator, before) == []  # listed Paid: nothing remains, no read


def test_an_overpayment_reports_paid_with_the_excess_as_a_negative_balance(
    clocked_dinero: DineroConnector, customers: dict[str, str], clock: Clock
) -> None:
    """An overpaid invoice shows as paid with the excess as a negative balance."""
    invoice = _booked(clocked_dinero, customers)
    since = clock.advance(10)
    clocked_dinero.register_payment(invoice.provider_id, Decimal("1000.01"), ISSUED)
    changed = _feed(clocked_dinero, since)[invoice.provider_id]
    assert (changed.balance, changed.status(ISSUED)) == (Decimal("-0.01"), InvoiceStatus.PAID)


def test_an_overdue_invoice_paid_in_part_is_open_overdue_and_partly_paid(
    clocked_dinero: DineroConnector, customers: dict[str, str], clock: Clock
) -> None:
    """An overdue invoice paid in part is both partly paid and overdue."""
    # Due 12 days ago.
    invoice = _booked(clocked_dinero, customers, issued=ISSUED - timedelta(days=20))
    since = clock.advance(10)
    clocked_dinero.register_payment(invoice.provider_id, Decimal("1.00"), ISSUED)
    changed = _feed(clocked_dinero, since)[invoice.provider_id]
    assert changed.balance == Decimal("999.00")
    assert changed.status(ISSUED) == PARTLY | InvoiceStatus.OVERDUE


def test_a_credit_note_booked_against_an_invoice_settles_it_in_the_feed(
    clocked_dinero: DineroConnector, customers: dict[str, str], clock: Clock
) -> None:
    """A credit note on a part-paid invoice settles it, owing the payment back."""
    invoice = _booked(clocked_dinero, customers)
    clocked_dinero.register_payment(invoice.provider_id, Decimal("100.00"), ISSUED)
    since = clock.advance(10)
    note = clocked_dinero.credit(invoice.provider_id, "credit:inv-1")
    assert note.credit_for == invoice.provider_id
    changed = _feed(clocked_dinero, since)[invoice.provider_id]
    # 1000 invoiced, 100 paid, 1000 credited: 100 is owed back to the customer.
    assert (changed.balance, changed.status(ISSUED)) == (Decimal("-100.00"), InvoiceStatus.PAID)


def test_a_eur_invoice_paid_in_part_keeps_its_balance_in_eur(
    clocked_dinero: DineroConnector, customers: dict[str, str],
    clocked_emulator: DineroEmulator, clock: Clock,
) -> None:
    """A EUR invoice paid in part keeps its balance in EUR; Dinero records the DKK too."""
    invoice = _booked(clocked_dinero, customers, currency="EUR", unit_price=Decimal("80.00"))
    assert (invoice.currency, invoice.total) == ("EUR", Decimal("100.00"))
    since = clock.advance(10)
    clocked_dinero.register_payment(invoice.provider_id, Decimal("33.33"), ISSUED)
    changed = _feed(clocked_dinero, since)[invoice.provider_id]
    assert changed.currency == "EUR"
    assert changed.balance == Decimal("66.67")
    assert changed.status(ISSUED) == PARTLY
    organisation = clocked_emulator.organisations[clocked_dinero.organisation_id]
    (payment,) = organisation.payments[invoice.provider_id]
    # Dinero's Amount is DKK at the invoice's rate (7.46), the EUR amount is what settles it.
    assert (payment.amount, payment.foreign_amount) == (Decimal("248.64"), Decimal("33.33"))


def test_refresh_picks_payments_up_with_one_feed_call(
    dinero: DineroConnector, emulator: DineroEmulator, tmp_path: Path
) -> None:
    """ledgerlink.refresh after a run: its calls are the requests the emulator answered (two
    lists, no payments read for invoices unmoved since the run); then the paid invoice reads
    as paid, the partly paid one as partly paid, and a paid invoice's payments are never read."""
    customer = make_customer()
    orders = [make_work_order(customer=customer) for _ in range(3)]
    journal = tmp_path / "journal.db"
    company = Company("Vinduespudser ApS", policy=BillingPolicy(), currency="DKK",
                      time_zone="UTC")
    run = ledgerlink.invoice(orders, [customer], company, dinero, store=journal)
    assert run.ok and run.summary["invoices_created"] == 3
    answered = len(emulator.requests)
    first = ledgerlink.refresh(dinero, store=journal)
    assert (first.mode, first.calls) == ("change_feed", len(emulator.requests) - answered)
    assert first.calls == 2 and not _payment_reads(emulator, answered)
    by_key = {f.key: f for f in ledgerlink.open_store(journal).invoice_facts(dinero.account)}
    paid, partly, _ = sorted(by_key.values(), key=lambda f: f.key)
    assert paid.remote_id and partly.remote_id and paid.total and partly.total
    dinero.register_payment(paid.remote_id, paid.total, date.today())
    dinero.register_payment(partly.remote_id, Decimal("10.00"), date.today())
    before = len(emulator.requests)
    second = ledgerlink.refresh(dinero, store=journal)
    assert (second.mode, second.ok) == ("change_feed", True)
    assert second.calls == len(emulator.requests) - before
    after = {change.key: change.after for change in second.changes}
    assert after == {paid.key: InvoiceStatus.PAID, partly.key: PARTLY}
    reads = _payment_reads(emulator, before)
    assert partly.remote_id in reads and paid.remote_id not in reads
    lists = [r for r in emulator.requests[before:] if r.path.endswith("/invoices")]
    assert len(lists) == 2  # changed, then deleted
    facts = {f.key: f for f in ledgerlink.open_store(journal).invoice_facts(dinero.account)}
    assert facts[partly.key].balance == partly.total - Decimal("10.00")


def _model_status(total: Decimal, paid: Decimal) -> InvoiceStatus:
    """What a booked invoice not yet due is, by plain arithmetic."""
    remaining = total - paid
    if remaining <= 0:
        return InvoiceStatus.PAID
    return PARTLY if remaining < total else OPEN


@st.composite
def _histories(draw: st.DrawFn) -> tuple[str, Decimal, list[Decimal]]:
    """A currency, a unit price and payments (refunds negative), all in whole cents/øre."""
    currency = draw(st.sampled_from(["DKK", "EUR"]))
    # Prices in multiples of 4 øre, so the 25 % VAT total is whole øre too.
    quarters = draw(st.integers(min_value=1, max_value=125_000))
    total_cents = quarters * 5
    amounts = st.integers(min_value=-total_cents, max_value=2 * total_cents).filter(bool)
    payments = draw(st.lists(amounts, min_size=1, max_size=4))
    cents = Decimal("0.01")
    return currency, Decimal(quarters * 4) * cents, [Decimal(p) * cents for p in payments]


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=_histories())
def test_derived_balance_and_status_match_the_payments(
    clocked_dinero: DineroConnector, customers: dict[str, str], clock: Clock,
    history: tuple[str, Decimal, list[Decimal]],
) -> None:
    """Every example books its own invoice and reads the feed from just before its
    payments, so sharing the organisation between examples changes nothing."""
    currency, unit_price, payments = history
    invoice = _booked(clocked_dinero, customers, currency=currency, unit_price=unit_price)
    assert invoice.total == unit_price * Decimal("1.25")
    since = clock.advance(10)
    for amount in payments:
        clocked_dinero.register_payment(invoice.provider_id, amount, ISSUED)
    changed = _feed(clocked_dinero, since)
    assert set(changed) == {invoice.provider_id}
    paid = sum(payments, Decimal(0))
    assert changed[invoice.provider_id].balance == invoice.total - paid
    assert changed[invoice.provider_id].status(ISSUED) == _model_status(invoice.total, paid)
