"""Every request body the connector sends, held to Billy's resource tables.

A whole flow (product, contact, invoice with lines, a line replaced, approval,
e-mail to the contact and to another address, payment, credit note, a draft
deleted) runs on the emulator through a recording transport; each write's body
must name only properties of its resource's table (belongs-to as ``<name>Id``),
none read-only, every required one on a create (those with a default, and the
organization a company token implies, may be left out), embedded children held
to their own tables, and the e-mail to the documented special route. The one
property beyond the tables is the invoice's ``externalId`` (a documented list
filter, seen in live answers: see ``ledgerlink_billy.lookup``).
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ledgerlink.domain import Product
from ledgerlink.testing.factories import make_customer, make_invoice_draft, make_invoice_line
from ledgerlink_billy.emulator import BillyEmulator
from tests.ledgerlink_billy.support import RESOURCES, RecordingTransport, build_connector, require

#: Properties sent beyond the tables, and why (see the module docs).
EXTRA = {"invoices": {"externalId"}}
#: Embedded has-many property → the resource table it is held to.
CHILDREN = {"lines": "invoiceLines", "contactPersons": "contactPersons",
            "prices": "productPrices", "associations": None}
#: Required properties a create may leave out: the company is the token's, and Billy
#: assigns the number on approval.
IMPLIED = {"organization", "invoiceNo"}


def _table(resources: dict[str, Any], name: str) -> dict[str, dict[str, Any]]:
    table = {}
    for prop in resources[name]["properties"]:
        wire = prop["name"] + ("Id" if prop["type"].startswith("belongs-to") else "")
        table[wire] = prop
    return table


def _problems(resources: dict[str, Any], name: str, body: dict[str, Any], *, creating: bool,
              parent: str | None = None) -> list[str]:
    table = _table(resources, name)
    problems = []
    for field, value in body.items():
        prop = table.get(field)
        if prop is None:
            if field not in EXTRA.get(name, set()):
                problems.append(f"{name}.{field}: not in the table")
            continue
        if "readonly" in prop["notes"]:
            problems.append(f"{name}.{field}: read-only")
        child = CHILDREN.get(field, "") if prop["type"] == "has-many" else ""
        if child:
            for item in value:
                problems += _problems(resources, child, item, creating=True, parent=name)
    if creating:
        for wire, prop in table.items():
            needed = "required" in prop["notes"] and not any(
                n.startswith("default") for n in prop["notes"])
            is_parent = parent is not None and wire == f"{parent[:-1]}Id"
            if needed and wire not in body and prop["name"] not in IMPLIED and not is_parent:
                if name == "bankPayments" and wire == "feeAccountId" and "feeAmount" not in body:
                    continue  # "must be set if feeAmount is set"
                problems.append(f"{name}.{wire}: required, missing")
    return problems


@pytest.fixture
def recorded(tmp_path: Path) -> list[Any]:
    """The requests of a whole flow on the emulator."""
    emulator = BillyEmulator()
    recorder = RecordingTransport(emulator.transport())
    billy = build_connector(emulator, tmp_path, transport=recorder)
    try:
        product = Product("consult", "Rådgivning", unit_price=Decimal(900))
        refs = {product.id: billy.create_product(product)}
        customer = make_customer(email="kunde@example.com")
        ref = billy.create_customer(customer)
        line = make_invoice_line(product_id=product.id)
        draft = make_invoice_draft(customer=customer, lines=[line, make_invoice_line()])
        created = billy.create_invoice(draft, ref, refs)
        billy.replace_lines(created.provider_id, line.source_key or "",
                            [make_invoice_line("More", product_id=product.id)], refs)
        billy.book(created.provider_id)
        billy.send(created.provider_id)
        billy.send(created.provider_id, email="bogholderi@example.com")
        billy.register_payment(created.provider_id, Decimal(10), date.today())
        billy.credit(created.provider_id, f"credit:{draft.key}")
        other = billy.create_invoice(make_invoice_draft(customer=customer), ref, refs)
        billy.delete(other.provider_id)
    finally:
        billy.close()
    return recorder.requests


def test_every_request_body_is_in_the_tables(recorded: list[Any]) -> None:
    """No write body names a property the tables lack, a read-only one, or misses a
    required one; the e-mail body is the special route's."""
    resources = json.loads(require(RESOURCES).read_text(encoding="utf-8"))
    special = {route["path"]: route for route in resources["special_routes"]}
    writes = [r for r in recorded if r.method in ("POST", "PUT")]
    assert {r.url.path.split("/")[2] for r in writes} >= {
        "products", "contacts", "invoices", "invoiceLines", "bankPayments", "contactPersons"}
    problems = []
    for request in writes:
        parts = request.url.path.split("/")
        body = json.loads(request.content)
        if parts[-1] == "emails":
            allowed = special["/v2/invoices/:invoiceId/emails"]["body"]["email"]
            sent = body["email"]
            problems += [f"email.{f}: not in the route" for f in sent if f not in allowed]
            problems += [f"email.{f}: required, missing" for f, need in allowed.items()
                         if need == "required" and f not in sent]
            continue
        name = parts[2]
        (root, record), = body.items()
        assert root == name[:-1], f"{request.method} {request.url.path} sends {root!r}"
        problems += _problems(resources["resources"], name, record,
                              creating=request.method == "POST")
    assert problems == []


def test_lines_are_never_replaced_by_put(recorded: list[Any]) -> None:
    """Lines on a created invoice change only through invoiceLines, never PUT ``lines``."""
    for request in recorded:
        if request.method == "PUT" and request.url.path.startswith("/v2/invoices/"):
            assert "lines" not in json.loads(request.content)["invoice"]
