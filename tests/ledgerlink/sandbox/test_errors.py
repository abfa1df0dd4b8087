"""The sandbox refuses what a strict accounting system refuses, in its own words."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ledgerlink.domain import Customer, RemoteInvoice
from ledgerlink.errors import (
    ConflictError,
    InvoiceStateError,
    NotFoundError,
    ProviderError,
    ValidationError,
)
from ledgerlink.sandbox import SandboxConnector
from ledgerlink.testing import make_customer, make_invoice_draft, make_invoice_line, make_product

MakeInvoice = Callable[..., RemoteInvoice]


def test_currency_mismatch_names_both_currencies(
    book: SandboxConnector, acme: tuple[Customer, str]
) -> None:
    """An EUR invoice for a DKK customer is a ConflictError quoting both currencies."""
    customer, ref = acme
    draft = make_invoice_draft(customer=customer, currency="EUR")
    with pytest.raises(ConflictError) as caught:
        book.create_invoice(draft, ref, {})
    err = caught.value
    assert err.message == (
        f"invoice currency EUR does not match the currency DKK of customer {ref}"
    )
    assert (err.provider, err.code, err.status) == ("sandbox", "currency_mismatch", 409)
    assert book.find_invoice(draft.key) is None


def test_unknown_ids_are_not_found(book: SandboxConnector, acme: tuple[Customer, str]) -> None:
    """Unknown or malformed invoice, customer and product ids raise NotFoundError."""
    customer, _ = acme
    with pytest.raises(NotFoundError, match="invoice 'INV-00042' not found") as caught:
        book.get_invoice("INV-00042")
    assert (caught.value.code, caught.value.status) == ("invoice_not_found", 404)
    with pytest.raises(NotFoundError):
        book.book("42")
    with pytest.raises(NotFoundError, match="customer 'C-00099' not found"):
        book.create_invoice(make_invoice_draft(customer=customer), "C-00099", {})
    line = make_invoice_line(product_id="p1")
    with pytest.raises(NotFoundError, match="product 'P-00007' not found"):
        book.create_invoice(
            make_invoice_draft(customer=customer, lines=[line]), acme[1], {"p1": "P-00007"}
        )


def test_a_key_is_used_once(book: SandboxConnector, acme: tuple[Customer, str]) -> None:
    """Creating a second invoice with a used key is a ConflictError naming the first."""
    customer, ref = acme
    first = book.create_invoice(make_invoice_draft(customer=customer, key="k-1"), ref, {})
    with pytest.raises(ConflictError, match=f"already used by {first.provider_id}"):
        book.create_invoice(make_invoice_draft(customer=customer, key="k-1"), ref, {})


def test_customers_and_products_are_created_once(book: SandboxConnector) -> None:
    """A second create for the same local id is a ConflictError naming the existing one."""
    customer, product = make_customer(), make_product()
    ref, product_ref = book.create_customer(customer), book.create_product(product)
    with pytest.raises(ConflictError, match=f"already exists as {ref}"):
        book.create_customer(customer)
    with pytest.raises(ConflictError, match=f"already exists as {product_ref}"):
        book.create_product(product)


def test_state_rules(
    book: SandboxConnector, draft_for: MakeInvoice, booked_for: MakeInvoice
) -> None:
    """Booked invoices cannot change or be deleted; deleted and voided ones cannot be booked."""
    booked = booked_for()
    with pytest.raises(InvoiceStateError, match="booked as number 1"):
        book.replace_lines(booked.provider_id, "k", [], {})
    with pytest.raises(InvoiceStateError, match="void it or credit it"):
        book.delete(booked.provider_id)
    deleted = draft_for()
    book.delete(deleted.provider_id)
    book.delete(deleted.provider_id)  # deleting twice changes nothing
    with pytest.raises(InvoiceStateError, match="deleted") as caught:
        book.book(deleted.provider_id)
    assert caught.value.code == "invoice_deleted"
    book.void(booked.provider_id)
    with pytest.raises(InvoiceStateError, match="voided"):
        book.book(booked.provider_id)
    with pytest.raises(InvoiceStateError, match="is a draft"):
        book.void(draft_for().provider_id)


def test_empty_drafts_cannot_be_booked(book: SandboxConnector, draft_for: MakeInvoice) -> None:
    """Booking a draft without lines is an InvoiceStateError and takes no number."""
    empty = draft_for(make_invoice_line(source_key="only"))
    book.replace_lines(empty.provider_id, "only", [], {})
    with pytest.raises(InvoiceStateError, match="has no lines") as caught:
        book.book(empty.provider_id)
    assert caught.value.code == "invoice_empty"
    assert book.book(draft_for().provider_id).number == "1"


def test_replace_lines_keeps_lines_to_their_key(
    book: SandboxConnector, draft_for: MakeInvoice
) -> None:
    """Lines tagged with another source key than the one replaced are refused."""
    invoice = draft_for()
    with pytest.raises(ValidationError, match="belongs to 'other'"):
        book.replace_lines(invoice.provider_id, "mine", [make_invoice_line(source_key="other")], {})
    untagged = book.replace_lines(
        invoice.provider_id, "mine", [make_invoice_line(source_key=None)], {}
    )
    assert "mine" in untagged.line_keys


def test_send_without_any_address(book: SandboxConnector) -> None:
    """A customer without email and no override address is a ConflictError that says so."""
    customer = make_customer(name="Nomail A/S", email=None)
    ref = book.create_customer(customer)
    invoice = book.create_invoice(make_invoice_draft(customer=customer), ref, {})
    book.book(invoice.provider_id)
    with pytest.raises(ConflictError, match="'Nomail A/S' has no email address") as caught:
        book.send(invoice.provider_id)
    assert caught.value.code == "no_recipient"
    book.send(invoice.provider_id, email="post@nomail.example")
    assert [e.to for e in book.outbox()] == ["post@nomail.example"]


def test_closed_book_refuses_calls(tmp_path: Path) -> None:
    """Calls after close raise a ProviderError instead of crashing on a closed connection."""
    book = SandboxConnector(tmp_path / "b.db")
    book.close()
    book.close()
    with pytest.raises(ProviderError, match="closed"):
        book.find_invoice("k")


def test_bad_settings_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Negative latency, a zero kill count and a malformed kill variable are ValidationErrors."""
    with pytest.raises(ValidationError, match="latency"):
        SandboxConnector(tmp_path / "b.db", latency=-1)
    with pytest.raises(ValidationError, match="kill_after_writes"):
        SandboxConnector(tmp_path / "b.db", kill_after_writes=0)
    monkeypatch.setenv("LEDGERLINK_SANDBOX_KILL_AFTER_WRITES", "soon")
    with pytest.raises(ValidationError, match="LEDGERLINK_SANDBOX_KILL_AFTER_WRITES"):
        SandboxConnector(tmp_path / "b.db")
