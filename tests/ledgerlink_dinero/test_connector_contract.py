"""Every request the Dinero connector sends fits the official endpoint matrix.

A whole flow (contacts, products, draft, line update, book, email, PDF, payment,
credit note, delete, lists, change feed) runs through a recording transport;
each request is held to :class:`EndpointContract`: a known operation, known and
well-typed query parameters, only the request model's fields and all required
ones. Operations outside the saved extract come from the notes
(``NOTES_OPERATIONS``, and reading an invoice's payments, NOTES-danish.md §1
"Register payment": "Reading payments: Get payments for invoice").
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx

from ledgerlink.testing.factories import (
    make_customer,
    make_invoice_draft,
    make_invoice_line,
    make_product,
)
from ledgerlink_dinero.contract import NOTES_OPERATIONS, EndpointContract, Operation
from ledgerlink_dinero.emulator import DineroEmulator
from ledgerlink_dinero.settings import TOKEN_PATH
from tests.ledgerlink_dinero.support import build_connector, endpoint_matrix
from tests.recording import RecordingTransport

PAYMENTS_READ = (Operation("invoices payments get", "GET",
                           "/v1/{organizationId}/invoices/{guid}/payments"), None)


def _api_call(request: httpx.Request) -> bool:
    return request.url.path != TOKEN_PATH


def test_every_request_of_a_whole_flow_fits_the_endpoint_matrix(tmp_path: Path) -> None:
    """No request has an unknown path or parameter, a foreign field or a missing one."""
    contract = EndpointContract(endpoint_matrix(), extra=(*NOTES_OPERATIONS, PAYMENTS_READ))
    emulator = DineroEmulator()
    recorder = RecordingTransport(emulator.transport(), keep=_api_call)
    dinero = build_connector(emulator, tmp_path, transport=recorder)
    try:
        customer = make_customer(registration_number="13585628")
        assert dinero.find_customer(customer) is None
        ref = dinero.create_customer(customer)
        product = make_product()
        assert dinero.find_product(product) is None
        product_ref = dinero.create_product(product)
        # One line linked to the product (its text is the product's name), one whose own
        # text is sent unlinked, one free line.
        lines = [make_invoice_line(product.name, product_id=product.id, source_key="a"),
                 make_invoice_line("Extra work", product_id=product.id, source_key="a"),
                 make_invoice_line(source_key="b")]
        draft = make_invoice_draft(customer=customer, lines=lines)
        created = dinero.create_invoice(draft, ref, {product.id: product_ref})
        dinero.replace_lines(created.provider_id, "b", [make_invoice_line(source_key="b")], {})
        booked = dinero.book(created.provider_id)
        dinero.send(booked.provider_id, email="accounts@example.com")
        assert dinero.pdf(booked.provider_id).startswith(b"%PDF")
        dinero.register_payment(booked.provider_id, booked.total / 2, date.today())
        dinero.credit(booked.provider_id, f"credit:{draft.key}")
        other = dinero.create_invoice(make_invoice_draft(customer=customer), ref, {})
        dinero.delete(other.provider_id)
        assert dinero.find_invoice(draft.key) is not None
        list(dinero.list_invoices(ref, date.today() - timedelta(days=1), date.today()))
        dinero.changes(datetime.now(UTC) - timedelta(minutes=5))
        dinero.organisations()
    finally:
        dinero.close()
    problems = {f"{r.method} {r.url.path}": contract.request_problems(r)
                for r in recorder.requests}
    assert {call: found for call, found in problems.items() if found} == {}
    operations = {getattr(contract.operation_for(r.method, r.url.path), "name", "?")
                  for r in recorder.requests}
    assert operations == {
        "organizations list", "contacts list", "contacts create", "products list",
        "products create", "products get", "invoices list", "invoices get", "invoices create",
        "invoices update", "invoices book", "invoices send", "invoices delete",
        "invoices payments create", "invoices payments get", "creditnotes create",
        "creditnotes get", "creditnotes book"}
