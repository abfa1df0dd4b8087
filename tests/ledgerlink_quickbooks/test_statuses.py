"""Unified statuses from QuickBooks invoice facts (and the official payloads)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgerlink.errors import ValidationError
from ledgerlink.status import InvoiceStatus
from ledgerlink_quickbooks.statuses import invoice_status, is_sent, is_voided

TODAY = date(2026, 11, 22)


def test_the_official_void_response_is_void(quickbooks_example: Any) -> None:
    """Intuit's void sample (amounts zeroed, note prefixed) derives VOID."""
    invoice = quickbooks_example("invoice/void.response.json")["Invoice"]
    assert is_voided(invoice)
    assert invoice_status(invoice, TODAY) == InvoiceStatus.VOID


def test_the_official_delete_response_is_deleted(quickbooks_example: Any) -> None:
    """Intuit's delete sample ({"status": "Deleted"}) derives DELETED."""
    invoice = quickbooks_example("invoice/delete.response.json")["Invoice"]
    assert invoice_status(invoice, TODAY) == InvoiceStatus.DELETED


def test_the_official_created_invoice_is_open_and_unsent(quickbooks_example: Any) -> None:
    """A freshly created invoice with its full balance is open (overdue after its due date)."""
    invoice = quickbooks_example("invoice/create.response.json")["Invoice"]
    due = date.fromisoformat(invoice["DueDate"])
    assert invoice_status(invoice, due) == InvoiceStatus.OPEN
    assert InvoiceStatus.OVERDUE in invoice_status(invoice, date(due.year + 1, 1, 1))


def test_a_zero_invoice_without_the_void_note_is_paid_not_void() -> None:
    """TotalAmt 0 alone does not mean void: without the marker it is a settled invoice."""
    invoice = {"TotalAmt": Decimal(0), "Balance": Decimal(0), "PrivateNote": "free service"}
    assert invoice_status(invoice, TODAY) == InvoiceStatus.PAID


def test_emailed_invoices_are_known_as_sent() -> None:
    """EmailStatus EmailSent is the sent fact recovery relies on."""
    assert is_sent({"EmailStatus": "EmailSent"})
    assert not is_sent({"EmailStatus": "NeedToSend"})


def test_float_amounts_are_refused() -> None:
    """JSON parsed without parse_float=Decimal is caught, not silently rounded."""
    with pytest.raises(ValidationError, match="float"):
        invoice_status({"TotalAmt": 10.5, "Balance": 10.5}, TODAY)


money = st.decimals(min_value=0, max_value=10**6, places=2)


@given(total=money, paid=money, due=st.dates(), today=st.dates())
def test_balance_total_and_due_date_give_the_expected_flags(
    total: Decimal, paid: Decimal, due: date, today: date,
) -> None:
    """Generated Balance/TotalAmt/DueDate: paid iff nothing owed, partial iff some paid."""
    balance = max(total - paid, Decimal(0))
    status = invoice_status({"TotalAmt": total, "Balance": balance,
                             "DueDate": due.isoformat()}, today)
    if balance == 0:
        assert status == InvoiceStatus.PAID
    else:
        assert InvoiceStatus.OPEN in status
        assert (InvoiceStatus.PARTIALLY_PAID in status) == (balance < total)
        assert (InvoiceStatus.OVERDUE in status) == (today > due)
