"""Every request the QuickBooks connector sends, held to the official XSD and Intuit's notes.

The contract is compiled from Intuit's XSD with ``xmlschema``
(:class:`~ledgerlink_quickbooks.emulator.contract.XsdContract`); it checks
field names, JSON types, single vs repeated elements and required elements,
and the same table is what the emulator refuses bodies by.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

import attrs
import httpx
import pytest
import stamina

from ledgerlink.connector import BatchItem
from ledgerlink.domain import RemoteInvoice
from ledgerlink.http.limits import LimiterRegistry
from ledgerlink.http.oauth import ClientCredentials, exchange_code
from ledgerlink.store import Store
from ledgerlink.testing.factories import (
    make_customer,
    make_invoice_draft,
    make_invoice_line,
    make_product,
)
from ledgerlink_quickbooks import QuickBooksConnector
from ledgerlink_quickbooks.emulator import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    QuickBooksEmulator,
)
from ledgerlink_quickbooks.emulator.contract import XsdContract
from ledgerlink_quickbooks.emulator.schema import load_schema
from ledgerlink_quickbooks.emulator.strict import CREATE_REQUIRED
from ledgerlink_quickbooks.settings import endpoints_at
from tests.paths import SHARED

XSD = SHARED / "providers" / "quickbooks" / "xsd"
BASE = "https://qbo-emulator.test"
REALM = "4620816365000001"
#: URL path segment → entity, for the entities QuickBooks takes writes for.
ENTITIES = {"customer": "Customer", "item": "Item", "invoice": "Invoice", "payment": "Payment",
            "creditmemo": "CreditMemo"}
#: What a batch item carries besides its entity (IntuitRestServiceDef.xsd, BatchItemRequest).
BATCH_ITEM_KEYS = {"bId", "operation", "optionsData", "Query", "ReportQuery", "CDCQuery"}
MINOR_VERSION_FLOOR = 75  # NOTES §2: lower values are ignored since 2025-08-01
MAX_REQUEST_ID = 50  # NOTES §13


@cache
def contract() -> XsdContract:
    """The contract compiled from the official XSDs (skipped when the material is absent)."""
    if not (XSD / "Finance.xsd").is_file():
        pytest.skip(f"official QuickBooks XSDs not found in {XSD} (set LEDGERLINK_SHARED)")
    return XsdContract(XSD)


@attrs.frozen
class Sent:
    """One request as it left the connector."""

    method: str
    segment: str
    params: dict[str, str]
    content_type: str
    body: bytes


class Recording(httpx.BaseTransport):
    """Passes requests on to the emulator and keeps each API request."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.sent: list[Sent] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if "/v3/company/" in request.url.path:
            self.sent.append(Sent(request.method, request.url.path.rstrip("/").rsplit("/")[-1],
                                  dict(request.url.params), request.headers.get("content-type", ""),
                                  request.read()))
        return self.inner.handle_request(request)


def writes(sent: list[Sent]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(entity, operation, body) of every JSON entity write, batch items unpacked."""
    for request in sent:
        if request.method != "POST" or not request.body:
            continue
        if request.segment in ENTITIES:
            yield (ENTITIES[request.segment], request.params.get("operation", "create"),
                   json.loads(request.body))
        elif request.segment == "batch":
            for item in json.loads(request.body)["BatchItemRequest"]:
                for name in set(item) - BATCH_ITEM_KEYS:
                    yield name, item.get("operation", "create"), item[name]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> list[Sent]:
    """The requests of a run through every kind of write the connector makes."""
    emulator = QuickBooksEmulator()
    emulator.add_realm(REALM)
    default_item = emulator.seed(REALM, "Item", {"Name": "Services", "Type": "Service"})["Id"]
    store = Store(tmp_path_factory.mktemp("contract") / "tokens.db")
    with httpx.Client(transport=emulator.transport(), base_url=BASE) as client:
        exchange_code(client, endpoints_at(BASE),
                      ClientCredentials(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
                      code=emulator.authorize(REALM), redirect_uri="https://app.example/cb",
                      store=store, key=f"quickbooks:{REALM}", provider="quickbooks")
    recording = Recording(emulator.transport())
    # No income_account: the connector finds the company's Income account itself.
    connector = QuickBooksConnector(
        realm_id=REALM, client_id=DEFAULT_CLIENT_ID, client_secret=DEFAULT_CLIENT_SECRET,
        token_store=store, base_url=BASE, transport=recording, limiters=LimiterRegistry(),
        default_item=default_item, drafts=True, update_customers=True)
    with stamina.set_testing(True, attempts=1000, cap=True):
        _exercise(connector)
    connector.close()
    return recording.sent


def _exercise(connector: QuickBooksConnector) -> None:
    customer = make_customer(currency="USD", email="billing@example.com")
    customer_ref = connector.create_customer(customer)
    connector.update_customer(customer_ref, attrs.evolve(customer, email="ap@example.com"))
    product = make_product()
    products = {product.id: connector.create_product(product)}
    final = attrs.evolve(make_invoice_draft(customer_id=customer.id, currency="USD"), final=True)
    invoice = connector.create_invoice(final, customer_ref, products)
    connector.register_payment(invoice.provider_id, Decimal("1.00"), date.today())
    connector.void(invoice.provider_id)
    drafts = [attrs.evolve(make_invoice_draft(customer_id=customer.id, currency="USD"),
                           final=True) for _ in range(2)]
    booked = connector.create_invoices([BatchItem(d, customer_ref) for d in drafts], {})[0]
    assert isinstance(booked, RemoteInvoice)
    connector.credit(booked.provider_id, f"credit:{booked.key}")
    open_invoice = connector.create_invoice(
        make_invoice_draft(customer_id=customer.id, currency="USD"), customer_ref, {})
    connector.replace_lines(open_invoice.provider_id, "more",
                            [make_invoice_line(source_key="more")], {})
    connector.book(open_invoice.provider_id)
    connector.delete(open_invoice.provider_id)


def test_the_shipped_table_is_the_xsd_compiled() -> None:
    """The emulator's qbo_schema.json equals a fresh compilation of the official XSDs."""
    assert load_schema().to_json() == contract().schema.to_json(), (
        "rewrite it: python -m ledgerlink_quickbooks.emulator.contract XSD_FOLDER")


@pytest.mark.parametrize(
    ("body", "kind", "path"),
    [
        ({"Line": [{"Amount": "10.00"}]}, "type", "Invoice.Line.Amount"),
        ({"AllowOnlineACHPayment": "true"}, "type", "Invoice.AllowOnlineACHPayment"),
        ({"TxnDate": "24/07/2026"}, "type", "Invoice.TxnDate"),
        ({"Line": {"Amount": 10}}, "cardinality", "Invoice.Line"),
        ({"CustomerRef": [{"value": "1"}]}, "cardinality", "Invoice.CustomerRef"),
        ({"EmailStatus": "Sent"}, "enum", "Invoice.EmailStatus"),
        ({"Line": [{"DetailType": "GroupLineDetail", "GroupLineDetail": {}}]}, "required",
         "Invoice.Line.GroupLineDetail.GroupItemRef"),
        ({"CustomerRef": {"value": "1", "Id": "1"}}, "unknown", "Invoice.CustomerRef.Id"),
    ],
)
def test_the_contract_fails_on_more_than_names(
    body: dict[str, Any], kind: str, path: str
) -> None:
    """Wrong JSON types, single vs repeated, enumerations and required elements are caught."""
    problems = contract().problems(body, "Invoice")
    assert [(p.kind, p.path) for p in problems] == [(kind, path)]


def test_the_contract_reads_inheritance_choices_and_simple_content() -> None:
    """Invoice inherits IntuitEntity's Id; Line's details are a choice; a Ref's text is value."""
    invoice = contract().fields("Invoice")
    assert (invoice["Id"].kind, invoice["Line"].repeated, invoice["Line"].type_name) == (
        "string", True, "Line")
    assert invoice["sparse"].kind == "boolean"  # an attribute of IntuitEntity
    line = contract().fields("Line")
    assert not line["SalesItemLineDetail"].required, "one member of an xs:choice"
    assert line["LineNum"].kind == "integer"
    assert set(contract().fields("ReferenceType")) == {"value", "name", "type"}
    assert line["LineEx"].kind == "any", "IntuitAnyType holds an xs:any"
    assert contract().problems({"LineEx": {"anything": [1]}}, "Line") == []


def test_every_request_body_the_connector_sends_fits_the_contract(
    recorded: list[Sent],
) -> None:
    """Names, types, cardinality and required elements of every write, batch items included."""
    bodies = list(writes(recorded))
    assert {entity for entity, _, _ in bodies} == set(ENTITIES.values()), "every entity written"
    problems = [f"{p.path}: {p.detail}" for entity, _, body in bodies
                for p in contract().problems(body, entity)]
    assert problems == [], "\n".join(problems)
    missing = [f"{entity}.{name}" for entity, operation, body in bodies
               if operation == "create" and not body.get("Id")
               for name in CREATE_REQUIRED.get(entity, ()) if body.get(name) is None]
    assert missing == []


def test_every_request_carries_a_current_minorversion_and_writes_a_requestid(
    recorded: list[Sent],
) -> None:
    """minorversion ≥ 75 on every call; each write a requestid of at most 50 characters."""
    assert recorded
    for request in recorded:
        assert int(request.params.get("minorversion", "0")) >= MINOR_VERSION_FLOOR, request
        if request.method == "POST" and request.segment in {*ENTITIES, "batch"}:
            assert 0 < len(request.params.get("requestid", "")) <= MAX_REQUEST_ID, request


def test_every_json_write_is_sent_as_json(recorded: list[Sent]) -> None:
    """Entity writes and batches carry Content-Type application/json; queries application/text."""
    for request in recorded:
        media = request.content_type.split(";")[0].strip()
        if request.method == "POST" and request.segment in {*ENTITIES, "batch"}:
            assert media == "application/json", request
        elif request.method == "POST" and request.segment == "query":
            assert media in ("application/text", "text/plain"), request


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_numbers_are_no_decimals(number: str) -> None:
    """NaN and Infinity (which Python's JSON reader takes) are type problems, not crashes."""
    body = json.loads(f'{{"Line": [{{"Amount": {number}, "LineNum": {number}}}]}}')
    problems = contract().problems(body, "Invoice")
    assert [(p.kind, p.path) for p in problems] == [
        ("type", "Invoice.Line.Amount"), ("type", "Invoice.Line.LineNum")]
