"""Request bodies held to the official resource tables, refused in Billy's error shape."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from ledgerlink_billy.emulator import schema
from tests.ledgerlink_billy.emulator.support import (
    contact_body,
    invalid,
    invoice_body,
    load_billy,
    ok,
    refused,
)


def test_the_shipped_table_is_a_fresh_extraction() -> None:
    """billy_resources.json equals what extract() makes of the shared resources JSON."""
    material = load_billy("billy-api-v2-resources.json")
    assert schema.load_table().raw == json.loads(json.dumps(schema.extract(material))), (
        "rewrite it: python -m ledgerlink_billy.emulator.schema billy-api-v2-resources.json")


def test_the_validation_error_has_the_captured_keys(client: httpx.Client) -> None:
    """A refused body has exactly the keys of the captured error_bad_request.json."""
    example = load_billy("examples/error_bad_request.json")
    body = client.post("/v2/contacts", json={"contact": {"name": "X"}}).json()
    assert set(body) == set(example)
    assert set(body["meta"]) == set(example["meta"])
    assert all(set(v) == {"message"} for v in body["validationErrors"].values())


@pytest.mark.parametrize(
    ("change", "key", "words"),
    [
        ({"nickname": "x"}, "contact.nickname", "is not a property"),
        ({"createdTime": "2026-01-01T00:00:00"}, "contact.createdTime", "read-only"),
        ({"name": None}, "contact.name", "is required"),
        ({"name": 42}, "contact.name", "must be a string"),
        ({"paymentTermsDays": "8"}, "contact.paymentTermsDays", "must be an integer"),
        ({"paymentTermsDays": 8.5}, "contact.paymentTermsDays", "must be an integer"),
        ({"isCustomer": "yes"}, "contact.isCustomer", "must be a boolean"),
        ({"type": "partnership"}, "contact.type", "must be one of"),
        ({"contactPersons": {"name": "x"}}, "contact.contactPersons", "must be an array"),
        ({"contactPersons": [{"name": "x", "phone": "1"}]}, "contact.contactPersons[0].phone",
         "is not a property"),
        ({"contactPersons": [{"name": "x", "contactId": "c"}]},
         "contact.contactPersons[0].contactId", "set by its parent"),
    ],
)
def test_a_contact_body_is_refused_naming_the_property(
        client: httpx.Client, change: dict[str, Any], key: str, words: str) -> None:
    """Unknown, read-only, missing, mistyped and misplaced properties are each named."""
    body = contact_body(**change)
    if change.get("name", "") is None:
        del body["contact"]["name"]
    messages = invalid(client.post("/v2/contacts", json=body), key)
    assert words in messages[key]
    assert ok(client.get("/v2/contacts"))["contacts"] == []


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"amount": 10}, "invoice.amount"),
        ({"dueDate": "2026-06-01"}, "invoice.dueDate"),
        ({"isPaid": True}, "invoice.isPaid"),
        ({"downloadUrl": "https://x"}, "invoice.downloadUrl"),
        ({"grossAmount": 1}, "invoice.grossAmount"),
        ({"entryDate": "28-05-2026"}, "invoice.entryDate"),
        ({"entryDate": None}, "invoice.entryDate"),
        ({"contactId": None}, "invoice.contactId"),
        ({"paymentTermsDays": None}, "invoice.paymentTermsDays"),
        ({"currencyId": None}, "invoice.currencyId"),
        ({"currencyId": "XYZ"}, "invoice.currencyId"),
        ({"taxMode": "gross"}, "invoice.taxMode"),
        ({"state": "voided"}, "invoice.state"),
        ({"paymentTermsMode": "date"}, "invoice.paymentTermsMode"),
        ({"lines": [{"unitPrice": 1}]}, "invoice.lines[0].productId"),
        ({"lines": "one"}, "invoice.lines"),
    ],
)
def test_an_invoice_body_is_refused_naming_the_property(
        client: httpx.Client, contact: dict[str, Any], product: dict[str, Any],
        change: dict[str, Any], key: str) -> None:
    """Read-only totals, bad dates, missing required and bad enum values are refused."""
    body = invoice_body(contact["id"], product["id"], **change)
    for name, value in change.items():
        if value is None:
            del body["invoice"][name]
    invalid(client.post("/v2/invoices", json=body), key)
    assert ok(client.get("/v2/invoices"))["invoices"] == []


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ({"amount": 600}, "invoice.lines[0].amount"),
        ({"tax": 150}, "invoice.lines[0].tax"),
        ({"taxRateId": "r"}, "invoice.lines[0].taxRateId"),
        ({"unitPrice": "300"}, "invoice.lines[0].unitPrice"),
        ({"quantity": True}, "invoice.lines[0].quantity"),
        ({"discountValue": 10}, "invoice.lines[0].discountMode"),
        ({"discountMode": "half", "discountValue": 10}, "invoice.lines[0].discountMode"),
        ({"vatRate": 0.25}, "invoice.lines[0].vatRate"),
    ],
)
def test_a_line_cannot_carry_its_own_tax_or_wrong_types(
        client: httpx.Client, contact: dict[str, Any], product: dict[str, Any],
        line: dict[str, Any], key: str) -> None:
    """A line's amount, tax and rate are Billy's to compute; types are held too."""
    body = invoice_body(contact["id"], product["id"])
    body["invoice"]["lines"][0].update(line)
    invalid(client.post("/v2/invoices", json=body), key)


@pytest.mark.parametrize(
    "document",
    [[], "text", {"contacts": [{"name": "X"}]}, {"contact": {}, "extra": 1}],
)
def test_a_body_that_is_not_one_record_is_refused(client: httpx.Client, document: Any) -> None:
    """The body is one object under the singular key; anything else is INVALID_REQUEST_BODY."""
    refused(client.post("/v2/contacts", json=document), 400, "INVALID_REQUEST_BODY")


def test_a_body_that_is_not_json_is_refused(client: httpx.Client) -> None:
    """Unparsable JSON: INVALID_REQUEST_BODY with the captured message."""
    example = load_billy("examples/error_unauthorized.json")
    body = refused(client.post("/v2/contacts", content=b"{nope"), 400, "INVALID_REQUEST_BODY")
    assert body["errorMessage"] == example["errorMessage"]


def test_an_update_refuses_immutable_properties(client: httpx.Client,
                                               product: dict[str, Any]) -> None:
    """PUT cannot change an immutable property (a price's product)."""
    price = ok(client.get("/v2/productPrices", params={"productId": product["id"]}))
    price_id = price["productPrices"][0]["id"]
    invalid(client.put(f"/v2/productPrices/{price_id}", json={"productPrice": {
        "productId": "other"}}), "productPrice.productId")


def test_a_write_takes_no_query_parameters(client: httpx.Client) -> None:
    """A query parameter on a write is refused, naming it."""
    body = refused(client.post("/v2/contacts", params={"pretty": "1"}, json=contact_body()),
                   400, "INVALID_PARAMETER")
    assert "pretty" in body["validationErrors"]


def test_another_organization_id_is_refused(client: httpx.Client) -> None:
    """organizationId may be given, but only as the token's own company."""
    invalid(client.post("/v2/contacts", json=contact_body(organizationId="other")),
            "contact.organizationId")
    own = ok(client.get("/v2/organization"))["organization"]["id"]
    ok(client.post("/v2/contacts", json=contact_body(organizationId=own)))
