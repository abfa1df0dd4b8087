"""Invoice status from e-conomic's facts, through the core's one status function.

The facts (NOTES-danish.md §3.4):

* a draft exists in ``/invoices/drafts``; booking removes it and makes a booked
  invoice (irreversible) [E2][E13];
* paid: a booked invoice's ``remainder`` is 0 (a member of ``/invoices/paid``,
  "no remaining unpaid amount") [E4];
* partially paid: ``0 < remainder < grossAmount`` (inferred);
* overdue: unpaid and ``dueDate`` passed (``/invoices/overdue``) [E4];
* credited: a booked credit note (negative amounts) offsets it; e-conomic has
  no link field, so the connector ties the two by a reference (:mod:`.credits`);
* deleted: drafts only, gone (404).

A credit note carries negative ``grossAmount`` and ``remainder`` already, the
domain's sign.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ledgerlink.status import InvoiceStatus, derive_status
from ledgerlink_economic.wire import EcoInvoice

__all__ = ["COLLECTIONS", "balance_of", "derive", "remote_status"]

#: The convenience collections a booked invoice is a member of, by what they say [E4].
COLLECTIONS = ("paid", "unpaid", "overdue")


def derive(*, booked: bool, gross: Decimal, remainder: Decimal | None, due_date: date | None,
           today: date, credited: bool = False, deleted: bool = False) -> InvoiceStatus:
    """Status flags from e-conomic's facts on ``today``.

    Args:
        booked: a booked invoice (not a draft).
        gross: ``grossAmount`` (negative on a credit note).
        remainder: ``remainder`` of a booked invoice (None: a draft, nothing owed yet,
            so the gross amount).
        due_date: ``dueDate``.
        today: the day to judge overdue on.
        credited: a credit note offsets it in full.
        deleted: the draft is gone.
    """
    balance = gross if remainder is None or not booked else remainder
    return derive_status(booked=booked, voided=credited, deleted=deleted, total=gross,
                         balance=balance, due_date=due_date, today=today)


def balance_of(invoice: EcoInvoice) -> Decimal:
    """What remains to be paid: a booked invoice's ``remainder``, a draft's gross amount."""
    gross = invoice.grossAmount if invoice.grossAmount is not None else Decimal(0)
    if invoice.bookedInvoiceNumber is not None and invoice.remainder is not None:
        return invoice.remainder
    return gross


def remote_status(invoice: EcoInvoice, today: date, *, credited: bool = False) -> InvoiceStatus:
    """Status flags of an e-conomic invoice on ``today``."""
    return derive(booked=invoice.bookedInvoiceNumber is not None,
                  gross=invoice.grossAmount or Decimal(0), remainder=invoice.remainder,
                  due_date=invoice.dueDate, today=today, credited=credited)
