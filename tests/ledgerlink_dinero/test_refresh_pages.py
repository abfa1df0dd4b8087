"""A Dinero status refresh in list pages: payments read only for invoices whose UpdatedAt moved
past the version the journal holds, every request counted as the emulator saw it."""

from __future__ import annotations

import math
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from email.utils import format_datetime
from pathlib import Path

import attrs
from hypothesis import given
from hypothesis import strategies as st

from ledgerlink.domain import RemoteInvoice
from ledgerlink.refreshing import refresh_statuses
from ledgerlink.status import InvoiceStatus
from ledgerlink.store import Store
from ledgerlink.testing.factories import make_customer, make_invoice_draft
from ledgerlink_dinero import DineroConnector
from ledgerlink_dinero.emulator import DineroEmulator
from ledgerlink_dinero.statuses import moved, version, version_bound
from ledgerlink_dinero.wire import DineroInvoice
from tests.ledgerlink_dinero.support import build_connector
from tests.refreshes import journal

PAGE = 3
TODAY = date.today()


def _payment_reads(emulator: DineroEmulator, since: int) -> list[str]:
    return [r.path.split("/")[-2] for r in emulator.requests[since:]
            if r.method == "GET" and r.path.endswith("/payments")]


def _booked(dinero: DineroConnector, count: int, *,
            due: date | None = None) -> list[RemoteInvoice]:
    """``count`` invoices of one new contact, as the booking answered them (create + book,
    as a run makes them and journals them)."""
    customer = make_customer(currency="DKK")
    ref = dinero.create_customer(customer)
    issued = TODAY if due is None else due - timedelta(days=14)
    return [dinero.book(dinero.create_invoice(
        make_invoice_draft(customer=customer, currency="DKK", issue_date=issued,
                           due_date=due or TODAY + timedelta(days=30)), ref, {}).provider_id
    ) for _ in range(count)]


def test_a_refresh_after_a_run_reads_list_pages_and_no_payments(
        dinero: DineroConnector, emulator: DineroEmulator, tmp_path: Path) -> None:
    """Seven invoices just booked: the refresh costs the changed list's pages and the deleted
    list, no payments read (their UpdatedAt is within the booking's version), and its calls
    are the requests the emulator answered."""
    dinero.api.page_size = PAGE
    store = Store(tmp_path / "journal.db")
    journal(store, dinero.account, _booked(dinero, 7))
    before = len(emulator.requests)
    result = refresh_statuses(dinero, store, today=TODAY)
    assert result.calls == len(emulator.requests) - before
    assert not _payment_reads(emulator, before)
    assert result.calls <= math.ceil(7 / PAGE) + 1 + 1


def test_statuses_stay_right_and_only_moved_open_invoices_have_payments_read(
        dinero: DineroConnector, emulator: DineroEmulator, tmp_path: Path) -> None:
    """Paid, partly paid, credited, overdue and deleted invoices read right after paging; of
    them only the partly paid one (open, moved) has its payments read."""
    dinero.api.page_size = PAGE
    store = Store(tmp_path / "journal.db")
    customer = make_customer(currency="DKK")
    ref = dinero.create_customer(customer)
    booked = _booked(dinero, 5)
    late = _booked(dinero, 1, due=TODAY - timedelta(days=2))
    draft = dinero.create_invoice(make_invoice_draft(customer=customer, currency="DKK"), ref, {})
    keys = journal(store, dinero.account, [*booked, *late, draft])
    refresh_statuses(dinero, store, today=TODAY)
    paid, partly, credited, unchanged, other = (invoice.provider_id for invoice in booked)
    dinero.register_payment(paid, booked[0].total, TODAY)
    dinero.register_payment(partly, Decimal("10.00"), TODAY)
    dinero.credit(credited, f"credit:{keys[credited]}")
    dinero.delete(draft.provider_id)
    before = len(emulator.requests)
    result = refresh_statuses(dinero, store, today=TODAY)
    assert result.ok and result.calls == len(emulator.requests) - before
    assert _payment_reads(emulator, before) == [partly]
    facts = {f.key: f for f in store.invoice_facts(dinero.account)}
    status = {pid: facts[key].status(TODAY) for pid, key in keys.items()}
    assert status[paid] == InvoiceStatus.PAID
    assert status[partly] == InvoiceStatus.OPEN | InvoiceStatus.PARTIALLY_PAID
    assert status[credited] == InvoiceStatus.PAID
    assert status[late[0].provider_id] == InvoiceStatus.OPEN | InvoiceStatus.OVERDUE
    assert status[draft.provider_id] == InvoiceStatus.DELETED
    assert status[unchanged] == status[other] == InvoiceStatus.OPEN


def test_a_payment_soon_after_an_unmoved_refresh_is_seen(
        dinero: DineroConnector, emulator: DineroEmulator, tmp_path: Path) -> None:
    """The first refresh trades the booking's version bound for the exact UpdatedAt, so a
    payment a moment later (within the same second) moves the invoice and is read."""
    store = Store(tmp_path / "journal.db")
    made = _booked(dinero, 2)
    ids = [invoice.provider_id for invoice in made]
    keys = journal(store, dinero.account, made)
    refresh_statuses(dinero, store, today=TODAY)
    exact = {f.remote_id: f.remote_version for f in store.invoice_facts(dinero.account)}
    assert all(v is not None and v.endswith("+00:00") for v in exact.values())
    dinero.register_payment(ids[0], Decimal("1.00"), TODAY)
    result = refresh_statuses(dinero, store, today=TODAY)
    assert [c.key for c in result.changes] == [keys[ids[0]]]


@given(answered=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2040, 1, 1),
                             timezones=st.just(UTC)),
       before=st.timedeltas(min_value=timedelta(0), max_value=timedelta(seconds=5)),
       after=st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(days=400)))
def test_a_booking_version_holds_the_booking_and_is_passed_by_any_later_second(
        answered: datetime, before: timedelta, after: timedelta) -> None:
    """The version a booking answer gives (the end of the second its Date header shows)
    covers the booking, made before the answer, and is moved past by any change stamped in
    a later second than the answer's, or by the invoice being listed settled within it."""
    bound = version_bound(format_datetime(answered, usegmt=True))
    second = answered.replace(microsecond=0)
    booking = DineroInvoice(Guid="g", UpdatedAt=answered - before)
    later = DineroInvoice(Guid="g", UpdatedAt=second + after)
    assert not moved(booking, bound)
    assert moved(later, bound)
    assert moved(booking, None)
    settled = attrs.evolve(booking, PaymentStatus="Paid")
    assert moved(settled, bound)  # paid within the booking's second
    read_paid = DineroInvoice(Guid="g", UpdatedAt=second, PaymentStatus="Paid")  # milliseconds
    assert not moved(read_paid, version(read_paid))  # read paid: its exact version holds


class _Clock:
    """The emulator's clock: a fifth of a second into a second a minute ago, moved by hand."""

    def __init__(self) -> None:
        self.now = float(int(time.time()) - 60) + 0.2

    def __call__(self) -> float:
        return self.now


def test_a_payment_settling_an_invoice_in_its_booking_second_is_seen(tmp_path: Path) -> None:
    """A payment of the whole invoice registered later in the second its booking was answered
    in, before any refresh: its UpdatedAt is within the booking's version, yet the first
    refresh reads the invoice paid (Dinero lists it Paid)."""
    clock = _Clock()
    emulator = DineroEmulator(clock=clock)
    dinero = build_connector(emulator, tmp_path)
    try:
        store = Store(tmp_path / "journal.db")
        (booked,) = _booked(dinero, 1)
        keys = journal(store, dinero.account, [booked])
        clock.now += 0.5  # the same second as the booking's answer
        record = emulator.organisations[dinero.organisation_id].invoices[booked.provider_id]
        emulator.seed(dinero.organisation_id, f"invoices/{booked.provider_id}/payments", {
            "Timestamp": record.timestamp_text, "Amount": float(booked.total),
            "PaymentDate": TODAY.isoformat()})
        paid_at = datetime.fromtimestamp(record.updated_at, UTC)
        assert booked.version is not None and paid_at <= datetime.fromisoformat(booked.version)
        clock.now += 3
        result = refresh_statuses(dinero, store, today=TODAY)
        assert result.ok
        facts = {f.key: f for f in store.invoice_facts(dinero.account)}
        assert facts[keys[booked.provider_id]].status(TODAY) == InvoiceStatus.PAID
    finally:
        dinero.close()
