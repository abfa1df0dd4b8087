"""Every request body the connector sends, held to e-conomic's official JSON schemas.

A whole flow (customer created and updated, product created, draft with lines,
lines added, lines replaced by a whole-draft PUT, booking, credit note, a draft
deleted) runs on the emulator through a recording transport. Each write's body
is checked against the official draft-03 schema of its endpoint and verb, read
from the saved files (not the emulator's copy): valid (types, required, enums,
lengths; no ``null``), every number within its ``maxDecimal``, and stricter
than e-conomic, which ignores them [E13]: no property the schema does not know,
and on a create none it marks read-only (a whole-replacing PUT sends back what
it read, read-only fields included, which e-conomic ignores).
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft3Validator

from ledgerlink.domain import Address, Product
from ledgerlink.testing.factories import make_customer, make_invoice_draft, make_invoice_line
from ledgerlink_economic.emulator import EconomicEmulator
from tests.ledgerlink_economic.support import (
    SCHEMAS,
    build_connector,
    require,
)
from tests.recording import RecordingTransport

#: Write route (method, path pattern) → the official schema of that endpoint and verb.
ROUTES = [
    ("POST", r"/customers", "customers.post"),
    ("PUT", r"/customers/\d+", "customers.customerNo.put"),
    ("POST", r"/products", "products.post"),
    ("POST", r"/invoices/drafts", "invoices.drafts.post"),
    ("PUT", r"/invoices/drafts/\d+", "invoices.drafts.draftInvoiceNumber.put"),
    ("POST", r"/invoices/drafts/\d+/lines", "invoices.drafts.draftInvoiceNumber.lines.post"),
    ("POST", r"/invoices/booked", "invoices.booked.post"),
]


@cache
def official(name: str) -> dict[str, Any]:
    """The saved official schema ``name`` (numbers as Decimal)."""
    path = require(SCHEMAS / f"{name}.schema.json")
    return dict(json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal))


def schema_for(request: httpx.Request) -> str | None:
    """The schema of a write, None for a body-less DELETE."""
    for method, pattern, name in ROUTES:
        if request.method == method and re.fullmatch(pattern, request.url.path):
            return name
    if request.method == "DELETE":
        return None
    raise AssertionError(f"no official schema for {request.method} {request.url.path}")


def _walk(body: Any, node: dict[str, Any], where: str, creating: bool) -> list[str]:
    problems = []
    if isinstance(body, dict):
        known = node.get("properties") or {}
        for name, value in body.items():
            prop = known.get(name)
            if prop is None:
                problems.append(f"{where}{name}: not in the schema")
                continue
            if creating and (prop.get("readOnly") or prop.get("readonly")):
                problems.append(f"{where}{name}: read-only")
            problems += _walk(value, prop, f"{where}{name}.", creating)
    elif isinstance(body, list):
        for index, item in enumerate(body):
            problems += _walk(item, node.get("items") or {}, f"{where}[{index}].", creating)
    elif isinstance(body, Decimal | int) and not isinstance(body, bool):
        places = node.get("maxDecimal", node.get("maxDecimals"))
        exponent = Decimal(body).as_tuple().exponent
        if places is not None and isinstance(exponent, int) and -exponent > int(places):
            problems.append(f"{where.rstrip('.')}: more than {places} decimals")
    return problems


def problems(name: str, body: Any, *, creating: bool) -> list[str]:
    """Everything wrong with ``body`` as a request of schema ``name``."""
    schema = official(name)
    found = [f"{'.'.join(map(str, error.path))}: {error.message}"
             for error in Draft3Validator(schema).iter_errors(body)]
    return found + _walk(body, schema, "", creating)


@pytest.fixture(scope="module")
def sent(tmp_path_factory: pytest.TempPathFactory) -> list[httpx.Request]:
    """Every write of a whole flow, as sent."""
    emulator = EconomicEmulator()
    recording = RecordingTransport(emulator.transport())
    book = build_connector(emulator, tmp_path_factory.mktemp("contract"), transport=recording)
    try:
        customer = make_customer(registration_number="DK13585628")
        ref = book.create_customer(customer)
        moved = make_customer(id=customer.id, email="ny@example.com",
                              registration_number="DK13585628",
                              address=Address("Nørregade 2", "1165", "København K", "DK"))
        assert book.update_customer(ref, moved)
        product = Product("svc-1", "Service", unit_price=Decimal("250.00"))
        products = {product.id: book.create_product(product)}
        lines = (make_invoice_line(product_id=product.id, source_key="a"),
                 make_invoice_line("Parts", "3", "10.005", "12", source_key="b"))
        draft = make_invoice_draft(customer=customer, lines=lines, reference="Ordre 7")
        created = book.create_invoice(draft, ref, products)
        book.replace_lines(created.provider_id, "c", [make_invoice_line(source_key="c")], {})
        book.replace_lines(created.provider_id, "a", [], {})
        booked = book.book(created.provider_id)
        book.credit(booked.provider_id, "credit:" + booked.provider_id)
        other = book.create_invoice(make_invoice_draft(customer=customer), ref, {})
        book.delete(other.provider_id)
    finally:
        book.close()
    return [request for request in recording.requests if request.method != "GET"]


def test_every_write_fits_its_official_schema(sent: list[httpx.Request]) -> None:
    """Each write of the flow names only what its official schema knows, valid there."""
    found: dict[str, list[str]] = {}
    for request in sent:
        name = schema_for(request)
        if name is None:
            assert not request.content, "a DELETE carries no body"
            continue
        body = json.loads(request.content, parse_float=Decimal)
        found.setdefault(name, []).extend(
            problems(name, body, creating=request.method == "POST"))
    assert set(found) == {name for _, _, name in ROUTES}, "every write route was exercised"
    assert {name: issues for name, issues in found.items() if issues} == {}


def test_every_write_carries_an_idempotency_key(sent: list[httpx.Request]) -> None:
    """Every non-GET request carries an Idempotency-Key, and no two writes share one."""
    keys = [request.headers.get("Idempotency-Key") for request in sent]
    assert all(keys) and len(set(keys)) == len(keys)


@pytest.mark.parametrize(("name", "old", "new"), [
    ("invoices.drafts.post", "customer", "Customer"),
    ("invoices.drafts.post", "unitNetPrice", "unitnetprice"),
    ("customers.post", "vatZone", "vatzone"),
    ("invoices.booked.post", "draftInvoiceNumber", "draftInvoiceNo"),
])
def test_a_renamed_field_fails_the_check(sent: list[httpx.Request], name: str, old: str,
                                         new: str) -> None:
    """The check is not vacuous: a body the flow sent with one field renamed fails it."""
    body = next(json.loads(r.content, parse_float=Decimal) for r in sent
                if r.content and schema_for(r) == name)
    assert problems(name, body, creating=True) == []
    renamed = json.loads(json.dumps(body, default=str).replace(f'"{old}"', f'"{new}"'),
                         parse_float=Decimal)
    assert renamed != body
    assert problems(name, renamed, creating=True)


def test_null_and_excess_decimals_fail_the_check() -> None:
    """A null and a unit price of 3 decimals are refused by the check as by e-conomic."""
    draft = {"date": "2026-05-28", "currency": "DKK", "customer": {"customerNumber": 1},
             "layout": {"layoutNumber": 19}, "paymentTerms": {"paymentTermsNumber": 1},
             "recipient": {"name": "A", "vatZone": {"vatZoneNumber": 1}},
             "lines": [{"product": {"productNumber": "1"}, "quantity": 1,
                        "unitNetPrice": Decimal("1.00")}]}
    assert problems("invoices.drafts.post", draft, creating=True) == []
    draft["lines"][0]["unitNetPrice"] = Decimal("1.005")
    assert problems("invoices.drafts.post", draft, creating=True)
    draft["lines"][0]["unitNetPrice"] = None
    assert problems("invoices.drafts.post", draft, creating=True)


def test_the_schemas_are_the_saved_official_files() -> None:
    """The check reads the official files themselves (draft-03), not the emulator's copy."""
    assert official("invoices.drafts.post")["$schema"].startswith(
        "http://json-schema.org/draft-03/")
    assert Path(SCHEMAS).is_dir()
