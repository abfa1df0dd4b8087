"""Every field the QuickBooks connector writes exists in the official XSD type of its entity."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest

from ledgerlink.connector import BatchItem
from ledgerlink.domain import RemoteInvoice
from ledgerlink.testing.factories import (
    make_customer,
    make_invoice_draft,
    make_invoice_line,
    make_product,
)
from ledgerlink_quickbooks.emulator import QuickBooksEmulator
from ledgerlink_quickbooks.emulator.contract import SCHEMAS, XsdContract
from tests.ledgerlink_quickbooks.support import build_connector
from tests.paths import SHARED

XSD = SHARED / "providers" / "quickbooks" / "xsd"
#: The URL path segment of each entity QuickBooks takes writes for.
ENTITIES = {"customer": "Customer", "item": "Item", "invoice": "Invoice", "payment": "Payment",
            "creditmemo": "CreditMemo"}
#: What a batch item may carry besides its entity (IntuitRestServiceDef.xsd, BatchItemRequest).
BATCH_ITEM_KEYS = {"bId", "operation", "optionsData", "Query", "ReportQuery", "CDCQuery"}


class Recording(httpx.BaseTransport):
    """Passes requests to the emulator and keeps each JSON body written to an entity."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.writes: list[tuple[str, dict[str, Any]]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        segment = request.url.path.rstrip("/").rsplit("/", 1)[-1]
        if request.method == "POST" and segment in ENTITIES and request.content:
            self.writes.append((ENTITIES[segment], json.loads(request.content)))
        if request.method == "POST" and segment == "batch":
            for item in json.loads(request.content)["BatchItemRequest"]:
                self.writes.append(("batch item", item))
                self.writes.extend((name, item[name]) for name in set(item) - BATCH_ITEM_KEYS)
        return self.inner.handle_request(request)


def test_every_written_field_is_in_the_xsd(tmp_path: Path) -> None:
    """Customer, Item, Invoice (create, void, delete) and Payment writes use only XSD names."""
    if not (XSD / SCHEMAS[0]).is_file():
        pytest.skip(f"official QuickBooks XSDs not found in {XSD} (set LEDGERLINK_SHARED)")
    emulator = QuickBooksEmulator()
    recording = Recording(emulator.transport())
    connector = build_connector(emulator, tmp_path, transport=recording)
    customer = make_customer(currency="USD", email="billing@example.com")
    customer_ref = connector.create_customer(customer)
    product = make_product()
    products = {product.id: connector.create_product(product)}
    draft = make_invoice_draft(customer_id=customer.id, currency="USD")
    invoice = connector.create_invoice(draft, customer_ref, products)
    connector.register_payment(invoice.provider_id, Decimal("1.00"), date.today())
    connector.void(invoice.provider_id)
    other = connector.create_invoice(make_invoice_draft(customer_id=customer.id, currency="USD"),
                                     customer_ref, products)
    connector.delete(other.provider_id)
    written = {entity for entity, _ in recording.writes}
    assert written == set(ENTITIES.values()) - {"CreditMemo"}, "each kind of write was exercised"
    contract = XsdContract(XSD)
    problems = [p for entity, body in recording.writes
                for p in contract.unknown_fields(body, entity)]
    assert problems == [], "\n".join(problems)


def test_batch_drafts_credits_and_customer_updates_write_only_xsd_fields(tmp_path: Path) -> None:
    """The writes added with batch, open invoices, credit notes and customer updates."""
    if not (XSD / SCHEMAS[0]).is_file():
        pytest.skip(f"official QuickBooks XSDs not found in {XSD} (set LEDGERLINK_SHARED)")
    emulator = QuickBooksEmulator()
    recording = Recording(emulator.transport())
    connector = build_connector(emulator, tmp_path, transport=recording, drafts=True,
                                update_customers=True)
    customer = make_customer(currency="USD", email="billing@example.com")
    customer_ref = connector.create_customer(customer)
    connector.update_customer(customer_ref, attrs.evolve(customer, email="ap@example.com"))
    drafts = [attrs.evolve(make_invoice_draft(customer_id=customer.id, currency="USD"),
                           final=True) for _ in range(2)]
    created = connector.create_invoices([BatchItem(d, customer_ref) for d in drafts], {})
    booked = created[0]
    assert isinstance(booked, RemoteInvoice)
    connector.credit(booked.provider_id, f"credit:{booked.key}")
    open_invoice = connector.create_invoice(
        make_invoice_draft(customer_id=customer.id, currency="USD"), customer_ref, {})
    connector.replace_lines(open_invoice.provider_id, "more",
                            [make_invoice_line(source_key="more")], {})
    connector.book(open_invoice.provider_id)
    written = {entity for entity, _ in recording.writes}
    assert {"batch item", "Invoice", "CreditMemo", "Payment", "Customer"} <= written
    # A batch item is the envelope (bId, operation...) around exactly one known entity.
    for entity, body in recording.writes:
        if entity == "batch item":
            assert len(set(body) - BATCH_ITEM_KEYS) == 1, body
            assert set(body) - BATCH_ITEM_KEYS <= set(ENTITIES.values()), body
    contract = XsdContract(XSD)
    problems = [p for entity, body in recording.writes if entity != "batch item"
                for p in contract.unknown_fields(body, entity)]
    assert problems == [], "\n".join(problems)
