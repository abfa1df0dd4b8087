"""A line with a product and a description, and query parameters no endpoint documents.

The swagger's InvoiceLinesCreateModel says of ``ProductGuid``: "If product guid is
set, description should be null", and of ``Description``: "If no ProductGuid, this
field is required. This field will always have a value on the read model, even if a
ProductGuid is set" [D16]. Each list endpoint documents its query parameters [D13];
reads of one entity and writes document none.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledgerlink_dinero.emulator import schema
from tests.ledgerlink_dinero.emulator.support import api, invoice_body, ok, refused

Maker = Callable[..., dict[str, Any]]
PRODUCT = {"Name": "Vinduespudsning", "BaseAmountValue": 200, "Quantity": 1,
           "AccountNumber": 1000, "Unit": "parts"}


def _product_line(product: str, **extra: Any) -> dict[str, Any]:
    return {"ProductGuid": product, "Quantity": 2, "AccountNumber": 1000, "Unit": "parts",
            **extra}


@pytest.fixture
def product(client: httpx.Client) -> str:
    """The guid of a product priced 200."""
    return str(ok(client.post(api("products"), json=PRODUCT), 201)["ProductGuid"])


@pytest.mark.parametrize("description", ["Vinduespudsning", "", "Andet"])
def test_a_line_with_a_product_and_a_description_is_refused(
    client: httpx.Client, contact: str, product: str, description: str
) -> None:
    """Any Description beside a ProductGuid, even the product's own name or empty,
    on create, on update and on a credit note, with the swagger's sentence."""
    line = _product_line(product, Description=description)
    body = invoice_body(contact, ProductLines=[invoice_body(None)["ProductLines"][0], line])
    errors = refused(client.post(api("invoices"), json=body), "ProductLines[1].Description")
    assert errors == {"ProductLines[1].Description": schema.DESCRIPTION_WITH_PRODUCT}
    created = ok(client.post(api("invoices"), json=invoice_body(contact)), 201)
    update = {**body, "Timestamp": created["TimeStamp"]}
    path = api(f"invoices/{created['Guid']}", version="v1.2")
    refused(client.put(path, json=update), "ProductLines[1].Description")
    refused(client.post(api("sales/creditnotes"), json={"ContactGuid": contact,
                                                        "ProductLines": [line]}),
            "ProductLines[0].Description")


def test_a_line_with_only_the_product_reads_back_the_products_name(
    client: httpx.Client, contact: str, product: str
) -> None:
    """Description null beside the ProductGuid is accepted; the read model fills it in."""
    line = _product_line(product, Description=None)
    created = ok(client.post(api("invoices"), json=invoice_body(contact, ProductLines=[line])),
                 201)
    invoice = ok(client.get(api(f"invoices/{created['Guid']}")))
    (read,) = invoice["ProductLines"]
    assert (read["ProductGuid"], read["Description"]) == (product, "Vinduespudsning")
    assert invoice["TotalExclVat"] == 400


def test_a_line_without_product_or_description_is_refused(client: httpx.Client) -> None:
    """Description is required when there is no product, on Product and Text lines."""
    line = {"Quantity": 1, "AccountNumber": 1000, "Unit": "parts", "BaseAmountValue": 5}
    refused(client.post(api("invoices"), json=invoice_body(None, ProductLines=[line])),
            "ProductLines[0].Description")
    text = {"LineType": "Text", "Description": ""}
    refused(client.post(api("invoices"), json=invoice_body(None, ProductLines=[text])),
            "ProductLines[0].Description")


LISTS = {
    "contacts": schema.CONTACTS_QUERY,
    "products": schema.PRODUCTS_QUERY,
    "invoices": schema.INVOICES_QUERY,
    "sales/creditnotes": schema.CREDIT_NOTES_QUERY,
}
names = st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=14)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(sorted(LISTS)), names)
def test_an_undocumented_list_parameter_is_refused(
    client: httpx.Client, resource: str, name: str
) -> None:
    """A name the list does not document (other spellings of documented ones included)
    is refused with 42 naming it, not ignored (60 examples stay under the rate limit)."""
    if name in LISTS[resource]:
        return
    errors = refused(client.get(api(resource), params={name: "1"}), name)
    assert errors == {name: f"{name} is not a query parameter of this endpoint."}


def test_each_list_accepts_exactly_its_documented_parameters(client: httpx.Client) -> None:
    """What one list documents another may not: statusFilter and sort only on invoices,
    freeTextSearch on products and invoices, startDate only on invoices; spelled exactly."""
    for resource, foreign in (("contacts", "statusFilter"), ("contacts", "freeTextSearch"),
                              ("products", "startDate"), ("sales/creditnotes", "sort"),
                              ("invoices", "PageSize"), ("invoices", "pagesize")):
        refused(client.get(api(resource), params={foreign: "1"}), foreign)
    ok(client.get(api("products"), params={"freeTextSearch": "x", "pageSize": "1000"}))
    ok(client.get(api("invoices"), params={"sort": "VoucherNumber,VoucherDate",
                                           "sortOrder": "ascending", "statusFilter": "Draft"}))


def test_mistyped_and_out_of_range_list_parameters_are_refused(client: httpx.Client) -> None:
    """page and pageSize are integers, pageSize 1..1000; deletedOnly a boolean;
    sortOrder ascending or descending."""
    for params, name in (({"page": "first"}, "page"), ({"pageSize": "ten"}, "pageSize"),
                         ({"pageSize": "1001"}, "pageSize"), ({"pageSize": "0"}, "pageSize"),
                         ({"deletedOnly": "yes"}, "deletedOnly"),
                         ({"sortOrder": "sideways"}, "sortOrder")):
        refused(client.get(api("invoices"), params=params), name)


def test_reads_and_writes_take_no_query_parameters(
    client: httpx.Client, contact: str, draft: Maker
) -> None:
    """One entity's read, the PDF, the payments read and the writes document no
    parameters; ``fields`` belongs to lists only."""
    created = draft()
    invoice = api(f"invoices/{created['Guid']}")
    refused(client.get(invoice, params={"fields": "Guid"}), "fields")
    refused(client.get(api(f"contacts/{contact}"), params={"fields": "Name"}), "fields")
    refused(client.get(f"{invoice}/payments", params={"page": "0"}), "page")
    refused(client.post(api("invoices"), params={"draft": "true"}, json=invoice_body(contact)),
            "draft")
    refused(client.request("DELETE", invoice, params={"force": "true"},
                           json={"Timestamp": created["TimeStamp"]}), "force")
    refused(client.delete(api(f"contacts/{contact}"), params={"hard": "true"}), "hard")
    assert ok(client.get(invoice))["Guid"] == created["Guid"]
