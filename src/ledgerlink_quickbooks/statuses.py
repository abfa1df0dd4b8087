"""Invoice status from QuickBooks facts, through the core's one status function.

QuickBooks has no invoice status field to trust. The facts are:

* deleted: the delete response and the change feed carry ``"status": "Deleted"``;
* voided: ``operation=void`` zeroes the amounts and prefixes ``PrivateNote`` with
  "Voided" — all three must hold, since a zero invoice alone is not void;
* there are no drafts: every invoice QuickBooks holds is booked;
* paid, partially paid, open and overdue follow from ``Balance`` against
  ``TotalAmt`` and ``DueDate`` (the day judged in the company's time zone);
* sent: ``EmailStatus == "EmailSent"``.

Amounts must arrive as Decimal (parse JSON with ``parse_float=Decimal``);
floats are refused like everywhere else in ledgerlink.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from ledgerlink.money import to_decimal
from ledgerlink.status import InvoiceStatus, derive_status

__all__ = ["VOID_MARKER", "invoice_status", "is_deleted", "is_sent", "is_voided"]

#: What QuickBooks puts at the start of PrivateNote when it voids an invoice.
VOID_MARKER = "Voided"


def _amount(invoice: Mapping[str, Any], field: str) -> Decimal:
    return to_decimal(invoice.get(field, 0), field=field)


def is_deleted(invoice: Mapping[str, Any]) -> bool:
    """True for the deleted-object shape (delete response or change feed)."""
    return invoice.get("status") == "Deleted"


def is_voided(invoice: Mapping[str, Any]) -> bool:
    """True when QuickBooks voided the invoice: amounts zeroed and the note marked."""
    note = invoice.get("PrivateNote")
    return (isinstance(note, str) and note.startswith(VOID_MARKER)
            and _amount(invoice, "TotalAmt") == 0 and _amount(invoice, "Balance") == 0)


def is_sent(invoice: Mapping[str, Any]) -> bool:
    """True once QuickBooks has emailed the invoice."""
    return invoice.get("EmailStatus") == "EmailSent"


def invoice_status(invoice: Mapping[str, Any], today: date) -> InvoiceStatus:
    """Status flags of a QuickBooks invoice on ``today`` (company calendar)."""
    if is_deleted(invoice):
        return InvoiceStatus.DELETED
    due = invoice.get("DueDate")
    return derive_status(
        booked=True,
        voided=is_voided(invoice),
        deleted=False,
        total=_amount(invoice, "TotalAmt"),
        balance=_amount(invoice, "Balance"),
        due_date=date.fromisoformat(due) if due else None,
        today=today,
    )
