"""Totals, payments, voids and credit notes: balances and the statuses they give."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgerlink.domain import InvoiceLine, RemoteInvoice
from ledgerlink.errors import InvoiceStateError, ValidationError
from ledgerlink.sandbox import SandboxConnector
from ledgerlink.sandbox.rules import line_totals
from ledgerlink.status import InvoiceStatus
from ledgerlink.testing import make_invoice_draft, make_invoice_line

MakeInvoice = Callable[..., RemoteInvoice]
OPEN, PAID = InvoiceStatus.OPEN, InvoiceStatus.PAID
PARTLY, OVERDUE = InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.OVERDUE

lines = st.builds(
    InvoiceLine,
    description=st.just("x"),
    quantity=st.decimals(min_value=-1000, max_value=1000, places=3),
    unit_price=st.decimals(min_value=-100000, max_value=100000, places=4),
    vat_rate=st.sampled_from([Decimal(0), Decimal("12.5"), Decimal(25), Decimal("25.00")]),
)


@given(st.lists(lines, max_size=6), st.sampled_from(["DKK", "JPY", "BHD"]))
def test_totals_equal_the_domain_rules(invoice_lines: list[InvoiceLine], currency: str) -> None:
    """The sandbox's fast totals equal InvoiceDraft's net, VAT and gross for any lines."""
    draft = make_invoice_draft(currency=currency, lines=invoice_lines)
    nets, net, vat, gross = line_totals(invoice_lines, currency)
    assert nets == [line.net(currency) for line in invoice_lines]
    assert (net, vat, gross) == (draft.net.amount, draft.vat.amount, draft.gross.amount)


def test_amounts_are_stored_exactly(book: SandboxConnector, draft_for: MakeInvoice) -> None:
    """A total that needs half-up rounding comes back from the book to the cent."""
    invoice = draft_for(
        make_invoice_line("Hours", 3, "33.335"), make_invoice_line("Parts", 1, "0.005", 12)
    )
    assert invoice.total == Decimal("125.02")
    assert book.get_invoice(invoice.provider_id).total == Decimal("125.02")


def test_payments_move_an_invoice_from_open_to_paid(
    book: SandboxConnector, booked_for: MakeInvoice
) -> None:
    """A partial payment makes an invoice partially paid; the rest makes it paid."""
    invoice = booked_for()
    issued, late = invoice.issue_date, invoice.due_date + timedelta(days=1)
    assert invoice.status(issued) == OPEN and invoice.status(late) == OPEN | OVERDUE
    partly = book.register_payment(invoice.provider_id, Decimal("100.00"), issued)
    assert partly.balance == Decimal("150.00")
    assert partly.status(issued) == OPEN | PARTLY
    assert book.get_invoice(invoice.provider_id).status(late) == OPEN | PARTLY | OVERDUE
    paid = book.register_payment(invoice.provider_id, Decimal("150.00"), late)
    assert paid.balance == 0 and paid.status(late) == PAID


def test_overpayment_leaves_a_negative_balance(
    book: SandboxConnector, booked_for: MakeInvoice
) -> None:
    """Paying more than owed is accepted; the invoice is paid with a negative balance."""
    invoice = booked_for()
    paid = book.register_payment(invoice.provider_id, Decimal("300.00"), date.today())
    assert paid.balance == Decimal("-50.00") and paid.status(date.today()) == PAID


def test_payments_need_a_valid_booked_invoice(
    book: SandboxConnector, draft_for: MakeInvoice, booked_for: MakeInvoice
) -> None:
    """Drafts and voided invoices refuse payments with InvoiceStateError."""
    with pytest.raises(InvoiceStateError, match="is a draft"):
        book.register_payment(draft_for().provider_id, Decimal(1), date.today())
    voided = book.void(booked_for().provider_id)
    with pytest.raises(InvoiceStateError, match="voided"):
        book.register_payment(voided.provider_id, Decimal(1), date.today())


@pytest.mark.parametrize("amount", [Decimal(0), Decimal("0.001"), 1.5])
def test_payment_amounts_are_checked(
    book: SandboxConnector, booked_for: MakeInvoice, amount: object
) -> None:
    """Zero, sub-cent and float payments are refused as ValidationError."""
    with pytest.raises(ValidationError):
        book.register_payment(booked_for().provider_id, amount, date.today())  # type: ignore[arg-type]


def test_void_clears_the_balance(book: SandboxConnector, booked_for: MakeInvoice) -> None:
    """A voided invoice owes nothing and voiding it again changes nothing."""
    invoice = booked_for()
    voided = book.void(invoice.provider_id)
    assert (voided.voided, voided.balance, voided.total) == (True, 0, invoice.total)
    assert book.void(invoice.provider_id) == voided
    assert voided.status(date.today()) == InvoiceStatus.VOID


def test_credit_settles_an_unpaid_invoice(book: SandboxConnector, booked_for: MakeInvoice) -> None:
    """Crediting an unpaid invoice leaves both it and the credit note paid."""
    invoice = booked_for()
    note = book.credit(invoice.provider_id, "credit-1")
    assert (note.total, note.balance, note.credit_for) == (-invoice.total, 0, invoice.provider_id)
    original = book.get_invoice(invoice.provider_id)
    assert original.balance == 0 and original.status(date.today()) == PAID
    assert note.status(date.today()) == PAID


def test_credit_after_partial_payment_owes_the_customer(
    book: SandboxConnector, booked_for: MakeInvoice
) -> None:
    """What the customer already paid stays open on the credit note, owed back to them."""
    invoice = booked_for()
    book.register_payment(invoice.provider_id, Decimal("100.00"), date.today())
    note = book.credit(invoice.provider_id, "credit-1")
    assert note.balance == Decimal("-100.00") and note.status(date.today()) == OPEN | PARTLY
    assert book.get_invoice(invoice.provider_id).balance == 0


def test_credit_is_idempotent_and_once_per_invoice(
    book: SandboxConnector, booked_for: MakeInvoice, draft_for: MakeInvoice
) -> None:
    """The same key returns the same note; another key, a draft or a note cannot be credited."""
    invoice = booked_for()
    note = book.credit(invoice.provider_id, "credit-1")
    assert book.credit(invoice.provider_id, "credit-1") == note
    with pytest.raises(InvoiceStateError, match="already credited"):
        book.credit(invoice.provider_id, "credit-2")
    with pytest.raises(InvoiceStateError, match="is a credit note"):
        book.credit(note.provider_id, "credit-3")
    with pytest.raises(InvoiceStateError, match="is a draft"):
        book.credit(draft_for().provider_id, "credit-4")
