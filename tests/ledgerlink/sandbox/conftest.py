"""Fixtures for the sandbox's own behaviour tests."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from ledgerlink.domain import Customer, InvoiceLine, RemoteInvoice
from ledgerlink.sandbox import SandboxConnector
from ledgerlink.testing import make_customer, make_invoice_draft, make_invoice_line

MakeInvoice = Callable[..., RemoteInvoice]


@pytest.fixture
def book(ledgerlink_sandbox: SandboxConnector) -> SandboxConnector:
    """The plugin's sandbox fixture, under a shorter name."""
    return ledgerlink_sandbox


@pytest.fixture
def acme(book: SandboxConnector) -> tuple[Customer, str]:
    """A DKK customer with an email, created in the book."""
    customer = make_customer(name="Acme ApS", email="billing@acme.example")
    return customer, book.create_customer(customer)


@pytest.fixture
def draft_for(book: SandboxConnector, acme: tuple[Customer, str]) -> MakeInvoice:
    """Creates a draft for Acme: 2 x 100.00 at 25 % unless lines are given."""

    def make(*lines: InvoiceLine, **fields: object) -> RemoteInvoice:
        customer, ref = acme
        chosen = lines or (make_invoice_line("Hours", 2, Decimal("100.00")),)
        return book.create_invoice(
            make_invoice_draft(customer=customer, lines=chosen, **fields),  # type: ignore[arg-type]
            ref,
            {},
        )

    return make


@pytest.fixture
def booked_for(book: SandboxConnector, draft_for: MakeInvoice) -> MakeInvoice:
    """Creates and books an invoice for Acme (250.00 DKK incl. VAT unless lines are given)."""

    def make(*lines: InvoiceLine, **fields: object) -> RemoteInvoice:
        return book.book(draft_for(*lines, **fields).provider_id)

    return make
