"""Invoice status from Billy's facts, through the core's one status function.

The facts (NOTES-danish.md §2.5):

* ``state`` is ``draft``, ``approved`` or ``voided``; only draft → approved can
  be set through the API [B1];
* paid: ``isPaid`` (then ``balance`` is 0) [B1];
* partially paid has no flag: approved, not paid and ``0 < balance < gross``,
  the gross amount being ``amount + tax`` (``grossAmount`` where the answer
  carries it) (inferred);
* overdue has no flag: approved, not paid and ``dueDate`` before today (inferred);
* credited: a credit note names the invoice in ``creditedInvoiceId``;
* sent: ``sentState`` is ``sent``, ``opened`` or ``viewed`` (``printed`` is not:
  the customer was not e-mailed) [B1].

A credit note (``type`` ``creditNote``) carries positive amounts at Billy; the
domain's credit notes are negative, so its gross and balance change sign here.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ledgerlink.errors import ValidationError
from ledgerlink.status import InvoiceStatus, derive_status
from ledgerlink_billy.wire import BillyInvoice

__all__ = [
    "APPROVED",
    "CREDIT_NOTE",
    "DRAFT",
    "SENT_STATES",
    "STATES",
    "VOIDED",
    "derive",
    "gross_amount",
    "is_sent",
    "remote_status",
    "signed",
]

DRAFT = "draft"
APPROVED = "approved"
VOIDED = "voided"
#: Every ``state`` Billy documents [B1]; a live sample held only these [3p].
STATES = frozenset({DRAFT, APPROVED, VOIDED})
#: ``sentState`` values meaning the customer was e-mailed [B1].
SENT_STATES = frozenset({"sent", "opened", "viewed"})
#: ``type`` of a credit note (the table says "credit note"; clients send this) [B1][B6 (3p)].
CREDIT_NOTE = "creditNote"


def gross_amount(invoice: BillyInvoice) -> Decimal:
    """The gross amount: ``grossAmount`` when answered, else ``amount + tax``."""
    if invoice.grossAmount is not None:
        return invoice.grossAmount
    if invoice.amount is None:
        raise ValidationError("a Billy invoice without its amount", field="amount",
                              value=invoice.id)
    return invoice.amount + (invoice.tax or Decimal(0))


def signed(invoice: BillyInvoice, value: Decimal) -> Decimal:
    """``value`` in the domain's direction: negative on a credit note."""
    return -value if invoice.type == CREDIT_NOTE else value


def derive(
    *,
    state: str | None,
    is_paid: bool | None,
    balance: Decimal | None,
    gross: Decimal,
    due_date: date | None,
    today: date,
    credited: bool = False,
    deleted: bool = False,
) -> InvoiceStatus:
    """Status flags from Billy's facts on ``today``.

    Args:
        state: ``state``.
        is_paid: ``isPaid``.
        balance: ``balance``, what remains to be paid (same sign as ``gross``).
        gross: the gross amount (negative for a credit note in the domain's terms).
        due_date: ``dueDate``.
        today: the day to judge overdue on.
        credited: a credit note credits the invoice in full.
        deleted: the invoice is gone (a deleted draft).
    """
    if state not in STATES and not deleted:
        raise ValidationError("unknown Billy invoice state", field="state", value=state)
    booked = state in (APPROVED, VOIDED)
    remaining = gross if balance is None else balance
    direction = Decimal(-1) if gross < 0 else Decimal(1)
    if is_paid and remaining * direction > 0:
        remaining = Decimal(0)  # Billy says settled: nothing remains, whatever balance lags
    return derive_status(booked=booked, voided=state == VOIDED or credited, deleted=deleted,
                         total=gross, balance=remaining, due_date=due_date, today=today)


def is_sent(invoice: BillyInvoice) -> bool | None:
    """True once e-mailed; None when ``sentState`` was not answered."""
    if invoice.sentState is None:
        return None
    return invoice.sentState in SENT_STATES


def remote_status(invoice: BillyInvoice, today: date, *, credited: bool = False) -> InvoiceStatus:
    """Status flags of a Billy invoice on ``today``."""
    gross = signed(invoice, gross_amount(invoice))
    balance = None if invoice.balance is None else signed(invoice, invoice.balance)
    return derive(state=invoice.state, is_paid=invoice.isPaid, balance=balance, gross=gross,
                  due_date=invoice.dueDate, today=today, credited=credited)
