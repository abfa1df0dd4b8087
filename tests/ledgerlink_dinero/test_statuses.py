"""Unified statuses from Dinero's facts, the official examples and generated payment histories."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgerlink.errors import ValidationError
from ledgerlink.status import InvoiceStatus
from ledgerlink_dinero.statuses import (
    booked_number,
    derive,
    is_booked,
    is_sent,
    remote_status,
)
from ledgerlink_dinero.wire import DineroInvoice, DineroInvoiceList, converter

TODAY = date(2026, 11, 22)
OPEN = InvoiceStatus.OPEN


def test_the_official_single_draft_is_a_draft_without_a_number(
        dinero_example: Callable[[str], Any]) -> None:
    """The captured GET of a draft (Status and PaymentStatus Draft) derives DRAFT."""
    invoice = converter.structure(dinero_example("invoices_single.json"), DineroInvoice)
    assert remote_status(invoice, TODAY) == InvoiceStatus.DRAFT
    assert not is_booked(invoice)
    assert booked_number(invoice) is None


def test_the_official_list_gives_a_draft_and_an_overdue_invoice(
        dinero_example: Callable[[str], Any]) -> None:
    """The captured list: the Draft stays a draft; the Overdue one is open and overdue,
    partially paid only once payments below its total are known."""
    page = converter.structure(dinero_example("invoices_list.json"), DineroInvoiceList)
    draft, overdue = page.Collection
    assert remote_status(draft, TODAY) == InvoiceStatus.DRAFT
    assert booked_number(draft) is None  # the Int64.MaxValue placeholder
    assert remote_status(overdue, TODAY) == OPEN | InvoiceStatus.OVERDUE
    assert remote_status(overdue, TODAY, payments=[Decimal(100)]) == (
        OPEN | InvoiceStatus.OVERDUE | InvoiceStatus.PARTIALLY_PAID)
    assert remote_status(overdue, TODAY, payments=[Decimal(250)]) == InvoiceStatus.PAID
    assert booked_number(overdue) == "1"
    assert is_sent(overdue) is False
    assert remote_status(attrs.evolve(overdue, DeletedAt=datetime(2026, 1, 1)),
                         TODAY) == InvoiceStatus.DELETED
    assert remote_status(overdue, TODAY, credited=True) == InvoiceStatus.VOID


def test_dinero_overdue_wins_over_a_calendar_one_day_behind() -> None:
    """Dinero calls it Overdue on the due date in our zone: it is overdue."""
    status = derive(status="Booked", payment_status="Overdue", total=Decimal(100),
                    payments=[], due_date=TODAY, deleted=False, today=TODAY)
    assert InvoiceStatus.OVERDUE in status


def test_paid_values_are_paid_without_known_payments() -> None:
    """Paid and OverPaid are paid even when the payments were not read."""
    for value in ("Paid", "OverPaid"):
        assert derive(status="Booked", payment_status=value, total=Decimal(100), payments=[],
                      due_date=TODAY - timedelta(days=30), deleted=False,
                      today=TODAY) == InvoiceStatus.PAID


def test_missing_or_unknown_facts_are_refused() -> None:
    """A list read without Status, a booked one without its total, or a new value, is an error."""
    with pytest.raises(ValidationError, match="fields="):
        remote_status(DineroInvoice(Guid="g"), TODAY)
    with pytest.raises(ValidationError, match="TotalInclVat"):
        remote_status(DineroInvoice(Guid="g", Status="Booked"), TODAY)
    with pytest.raises(ValidationError, match="unknown"):
        remote_status(DineroInvoice(Guid="g", Status="Cancelled"), TODAY)


_cents = st.integers(1, 10**7).map(lambda c: Decimal(c) / 100)


@st.composite
def _histories(draw: st.DrawFn) -> tuple[Decimal, list[Decimal], date]:
    total = draw(_cents)
    payments = draw(st.lists(_cents, max_size=5))
    due = TODAY + timedelta(days=draw(st.integers(-60, 60)))
    return total, payments, due


def _dinero_payment_status(total: Decimal, paid: Decimal, due: date) -> str:
    """What Dinero itself reports for such a history."""
    if paid > total:
        return "OverPaid"
    if paid == total:
        return "Paid"
    return "Overdue" if due < TODAY else "Booked"


@given(_histories())
def test_generated_payment_histories_derive_consistent_statuses(
        history: tuple[Decimal, list[Decimal], date]) -> None:
    """Paid iff payments cover the total; partially paid iff some but not all is paid;
    overdue iff unpaid past the due date; never both open and paid."""
    total, payments, due = history
    paid = sum(payments, Decimal(0))
    status = derive(status="Booked", payment_status=_dinero_payment_status(total, paid, due),
                    total=total, payments=payments, due_date=due, deleted=False, today=TODAY)
    assert (InvoiceStatus.PAID in status) == (paid >= total)
    assert (InvoiceStatus.OPEN in status) == (paid < total)
    assert (InvoiceStatus.PARTIALLY_PAID in status) == (Decimal(0) < paid < total)
    assert (InvoiceStatus.OVERDUE in status) == (paid < total and due < TODAY)


@given(_histories(), st.booleans(), st.booleans())
def test_drafts_deletions_and_credits_stand_alone(
        history: tuple[Decimal, list[Decimal], date], deleted: bool, credited: bool) -> None:
    """Whatever was paid: deleted wins, then credited (void), then draft."""
    total, payments, due = history
    status = derive(status="Draft", payment_status="Draft", total=total, payments=payments,
                    due_date=due, deleted=deleted, today=TODAY, credited=credited)
    expected = (InvoiceStatus.DELETED if deleted else
                InvoiceStatus.VOID if credited else InvoiceStatus.DRAFT)
    assert status == expected
