"""Unified invoice status, derived by one function from facts every provider gives.

The flags combine where the real world does: an open invoice may be overdue
and partially paid at once. The invariants (tested with hypothesis):

* ``VOID`` and ``DELETED`` stand alone; ``DELETED`` wins over ``VOID``.
* ``DRAFT`` stands alone (an unbooked invoice is neither open nor paid).
* A booked invoice is exactly one of ``OPEN`` or ``PAID``.
* ``OVERDUE`` and ``PARTIALLY_PAID`` imply ``OPEN``; ``PAID`` excludes ``OVERDUE``.

Credit notes carry negative totals: the derivation works on magnitudes, so a
credit note whose money has been paid back is ``PAID``. An overpaid invoice
(balance past zero) is ``PAID``.
"""

from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal

__all__ = ["InvoiceStatus", "derive_status"]


class InvoiceStatus(enum.Flag):
    """Status flags of an invoice."""

    DRAFT = enum.auto()
    OPEN = enum.auto()
    PAID = enum.auto()
    PARTIALLY_PAID = enum.auto()
    OVERDUE = enum.auto()
    VOID = enum.auto()
    DELETED = enum.auto()

    @property
    def labels(self) -> list[str]:
        """Lower-case names of the set flags, in declaration order."""
        return [f.name.lower() for f in InvoiceStatus if f in self and f.name]

    def __str__(self) -> str:
        return ", ".join(self.labels) or "none"


def derive_status(
    *,
    booked: bool,
    voided: bool,
    deleted: bool,
    total: Decimal,
    balance: Decimal,
    due_date: date | None,
    today: date,
) -> InvoiceStatus:
    """Status flags from provider facts.

    Args:
        booked: the invoice is final (numbered), not a draft.
        voided: the provider marks it voided/cancelled.
        deleted: the provider reports it deleted.
        total: gross total incl. VAT (negative for a credit note).
        balance: what remains to be paid, same sign convention as ``total``.
        due_date: payment due date; ``None`` means it cannot be overdue.
        today: the day to judge overdue on (company calendar).
    """
    if deleted:
        return InvoiceStatus.DELETED
    if voided:
        return InvoiceStatus.VOID
    if not booked:
        return InvoiceStatus.DRAFT
    # Work on magnitudes in the invoice's own direction (credit notes are negative).
    sign = Decimal(-1) if total < 0 else Decimal(1)
    outstanding = balance * sign
    size = total * sign
    if outstanding <= 0:
        return InvoiceStatus.PAID
    status = InvoiceStatus.OPEN
    if outstanding < size:
        status |= InvoiceStatus.PARTIALLY_PAID
    if due_date is not None and today > due_date:
        status |= InvoiceStatus.OVERDUE
    return status
