"""What the sandbox delivers: the email outbox and invoice PDFs."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from ledgerlink.domain import Customer, RemoteInvoice
from ledgerlink.errors import InvoiceStateError
from ledgerlink.sandbox import SandboxConnector, SentEmail
from ledgerlink.testing import make_customer, make_invoice_draft, make_invoice_line

MakeInvoice = Callable[..., RemoteInvoice]


def test_send_puts_the_email_in_the_outbox(
    book: SandboxConnector, acme: tuple[Customer, str], booked_for: MakeInvoice
) -> None:
    """send records recipient, subject and body, and marks the invoice sent."""
    invoice = booked_for()
    assert book.get_invoice(invoice.provider_id).sent is False
    before = datetime.now(UTC).replace(microsecond=0)
    book.send(invoice.provider_id)
    (email,) = book.outbox()
    assert isinstance(email, SentEmail)
    assert (email.invoice_id, email.number, email.to) == (
        invoice.provider_id, "1", "billing@acme.example")  # fmt: skip
    assert email.subject == "Invoice 1 from Sandbox Company ApS"
    assert "Dear Acme ApS" in email.body and "250.00 DKK" in email.body
    assert email.sent_at >= before
    assert book.get_invoice(invoice.provider_id).sent is True


def test_send_to_another_address_and_again(book: SandboxConnector, booked_for: MakeInvoice) -> None:
    """An override address wins, and sending twice sends two emails."""
    invoice = booked_for()
    book.send(invoice.provider_id, email="boss@acme.example")
    book.send(invoice.provider_id)
    assert [e.to for e in book.outbox()] == ["boss@acme.example", "billing@acme.example"]


def test_only_booked_invoices_are_sent(
    book: SandboxConnector, draft_for: MakeInvoice, booked_for: MakeInvoice
) -> None:
    """Drafts and voided invoices are not sent, and nothing reaches the outbox."""
    with pytest.raises(InvoiceStateError, match="is a draft"):
        book.send(draft_for().provider_id)
    voided = book.void(booked_for().provider_id)
    with pytest.raises(InvoiceStateError, match="voided"):
        book.send(voided.provider_id)
    assert book.outbox() == []


def test_pdf_is_a_pdf_with_the_number(book: SandboxConnector, booked_for: MakeInvoice) -> None:
    """The PDF starts with %PDF and shows the number, customer, lines, VAT and total."""
    invoice = booked_for(
        make_invoice_line("Hours", 2, "100.00"), make_invoice_line("Gloves", 1, "40.00", 12)
    )
    document = book.pdf(invoice.provider_id)
    assert document.startswith(b"%PDF")
    for text in (b"Invoice 1", b"Acme ApS", b"Hours", b"Gloves", b"VAT 12 %", b"294.80 DKK"):
        assert text in document, text


def test_pdf_of_a_draft_and_a_credit_note(
    book: SandboxConnector, draft_for: MakeInvoice, booked_for: MakeInvoice
) -> None:
    """Drafts print as drafts and credit notes name the invoice they credit."""
    draft = draft_for()
    assert f"Draft invoice {draft.provider_id}".encode() in book.pdf(draft.provider_id)
    invoice = booked_for()
    note = book.credit(invoice.provider_id, "credit-1")
    document = book.pdf(note.provider_id)
    assert b"Credit note 2" in document and invoice.provider_id.encode() in document
    assert b"-250.00 DKK" in document


def test_pdf_survives_text_the_font_cannot_print(book: SandboxConnector) -> None:
    """Danish letters and the euro sign print; characters beyond the font become '?'."""
    customer = make_customer(name="Smørrebrød ApS 寿司", currency="EUR")
    ref = book.create_customer(customer)
    line = make_invoice_line("Æbleskiver €", 1, Decimal("9.99"))
    invoice = book.create_invoice(make_invoice_draft(customer=customer, lines=[line]), ref, {})
    document = book.pdf(invoice.provider_id)
    assert document.startswith(b"%PDF")
    assert "Smørrebrød ApS ??".encode("cp1252") in document
    assert re.search(rb"\xc6bleskiver \x80", document)


def test_deleted_invoices_have_no_pdf(book: SandboxConnector, draft_for: MakeInvoice) -> None:
    """A deleted draft's PDF is refused with InvoiceStateError."""
    draft = draft_for()
    book.delete(draft.provider_id)
    with pytest.raises(InvoiceStateError, match="deleted"):
        book.pdf(draft.provider_id)
