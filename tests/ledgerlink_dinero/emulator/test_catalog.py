"""Contacts and products: create, get, list with queryFilter, fields, changesSince and paging."""

from __future__ import annotations

import uuid

import httpx
import pytest

from ledgerlink_dinero.emulator import DineroEmulator
from tests.ledgerlink_dinero.emulator.support import FakeClock, api, contact_body, error_code, ok

ALL_CONTACT_FIELDS = "ContactGuid,Name,Email,VatNumber,ExternalReference,UpdatedAt,DeletedAt"


def test_contact_create_keeps_client_guid_and_external_reference(client: httpx.Client) -> None:
    """A contact keeps the client's guid and external reference; a repeated create is refused."""
    guid = str(uuid.uuid4())
    body = contact_body(ContactGuid=guid, ExternalReference="ledgerlink:c-1")
    assert ok(client.post(api("contacts"), json=body), 201) == {"ContactGuid": guid}
    stored = ok(client.get(api(f"contacts/{guid}")))
    assert stored["ContactGuid"] == guid
    assert stored["ExternalReference"] == "ledgerlink:c-1"
    assert stored["Name"] == "Hansen ApS"
    assert stored["DeletedAt"] is None
    # A retried create with the same ContactGuid is refused instead of duplicated.
    again = client.post(api("contacts"), json=body)
    assert error_code(again, 400) == 42
    assert "ContactGuid" in again.json()["validationErrors"]
    assert ok(client.get(api("contacts")))["Pagination"]["Result"] == 1


@pytest.mark.parametrize("missing", ["Name", "CountryKey", "IsPerson", "IsMember", "UseCvr"])
def test_contact_required_fields(client: httpx.Client, missing: str) -> None:
    """A contact missing a required field is refused with code 42 naming the field."""
    body = contact_body()
    del body[missing]
    response = client.post(api("contacts"), json=body)
    assert error_code(response, 400) == 42
    assert missing in response.json()["validationErrors"]


def test_body_that_is_not_a_model_is_refused(client: httpx.Client) -> None:
    """A body that is not JSON is refused as a missing model."""
    response = client.post(api("contacts"), content=b"Name=x")
    assert error_code(response, 400) == 42
    assert response.json()["validationErrors"] == {
        "globalErrors[]": "The following models are missing: model"
    }


def test_unknown_contact_is_404(client: httpx.Client) -> None:
    """An unknown contact guid answers 404 with code 40."""
    assert error_code(client.get(api(f"contacts/{uuid.uuid4()}")), 404) == 40


def test_contact_query_filter(client: httpx.Client) -> None:
    """Contact query filters match by eq and contains, case-blind, joined by ';'."""
    ok(client.post(api("contacts"), json=contact_body()), 201)
    ok(
        client.post(
            api("contacts"),
            json=contact_body(Name="Jensen I/S", Email="info@jensen.dk", VatNumber="87654321"),
        ),
        201,
    )

    def names(query_filter: str) -> list[str]:
        params = {"queryFilter": query_filter, "fields": "Name"}
        return [row["Name"] for row in ok(client.get(api("contacts"), params=params))["Collection"]]

    assert names("VatNumber eq '87654321'") == ["Jensen I/S"]
    assert names("Email eq 'BOGHOLDERI@hansen.dk'") == ["Hansen ApS"]
    assert names("Name contains 'sen'") == ["Hansen ApS", "Jensen I/S"]
    assert names("Name contains 'sen';Email contains 'jensen'") == ["Jensen I/S"]
    assert names("IsPerson eq true") == []
    # The + of a query string is a space, so a raw URL works as in Dinero's examples.
    raw = client.get(api("contacts") + "?queryFilter=VatNumber+eq+'12345678'&fields=Name")
    assert [row["Name"] for row in ok(raw)["Collection"]] == ["Hansen ApS"]


@pytest.mark.parametrize(
    "query_filter", ["Phone eq '1'", "VatNumber = '1'", "VatNumber eq 1 2", "Name eq unquoted"]
)
def test_bad_query_filter_is_error_46(client: httpx.Client, query_filter: str) -> None:
    """A query filter on an unknown field, operator or bad value answers error 46."""
    response = client.get(api("contacts"), params={"queryFilter": query_filter})
    assert error_code(response, 400) == 46


def test_list_returns_default_fields_unless_asked(client: httpx.Client, contact: str) -> None:
    """A contact list returns guid and name unless fields are asked for."""
    default = ok(client.get(api("contacts")))["Collection"]
    assert default == [{"ContactGuid": contact, "Name": "Hansen ApS"}]
    asked = ok(client.get(api("contacts"), params={"fields": "email,vatNumber"}))["Collection"]
    assert asked == [{"Email": "bogholderi@hansen.dk", "VatNumber": "12345678"}]


def test_paging_is_zero_based(client: httpx.Client, clock: FakeClock) -> None:
    """Pages count from zero with Dinero's pagination block, and bad page sizes are refused."""
    for index in range(5):
        clock.advance(1)
        ok(client.post(api("contacts"), json=contact_body(Name=f"K{index}")), 201)

    def page(number: int) -> tuple[list[str], dict[str, int]]:
        body = ok(client.get(api("contacts"), params={"page": number, "pageSize": 2}))
        return [row["Name"] for row in body["Collection"]], body["Pagination"]

    first, pagination = page(0)
    assert first == ["K0", "K1"]
    assert pagination == {
        "MaxPageSizeAllowed": 1000,
        "PageSize": 2,
        "Result": 5,
        "ResultWithoutFilter": 5,
        "Page": 0,
    }
    assert page(2)[0] == ["K4"]
    assert page(3)[0] == []
    assert error_code(client.get(api("contacts"), params={"pageSize": 1001}), 400) == 42
    assert error_code(client.get(api("contacts"), params={"page": -1}), 400) == 42


def test_changes_since_returns_only_later_changes(client: httpx.Client, clock: FakeClock) -> None:
    """changesSince returns only contacts changed after it, and a non-date is refused."""
    ok(client.post(api("contacts"), json=contact_body(Name="Old")), 201)
    clock.advance(60)
    ok(client.post(api("contacts"), json=contact_body(Name="New")), 201)
    since = "2026-05-28T20:27:00Z"  # between the two creates (START is 20:26:40 UTC)
    rows = ok(client.get(api("contacts"), params={"changesSince": since}))["Collection"]
    assert [row["Name"] for row in rows] == ["New"]
    bad = client.get(api("contacts"), params={"changesSince": "yesterday"})
    assert error_code(bad, 400) == 42


def test_product_create_get_and_list(client: httpx.Client) -> None:
    """A product reads back with VAT-inclusive amounts and is found by number or text."""
    body = {
        "Name": "Vinduespudsning",
        "ProductNumber": "VP-1",
        "BaseAmountValue": 200,
        "Quantity": 1,
        "AccountNumber": 1000,
        "Unit": "parts",
        "ExternalReference": "ledgerlink:p-1",
    }
    guid = ok(client.post(api("products"), json=body), 201)["ProductGuid"]
    product = ok(client.get(api(f"products/{guid}")))
    assert product["BaseAmountValue"] == 200
    assert product["BaseAmountValueInclVat"] == 250
    assert product["TotalAmountInclVat"] == 250
    assert product["ProductNumber"] == "VP-1"
    listed = ok(client.get(api("products")))
    assert listed["Collection"] == [{"Name": "Vinduespudsning", "ProductGuid": guid}]
    found = ok(client.get(api("products"), params={"queryFilter": "ProductNumber eq 'VP-1'"}))
    assert found["Pagination"]["Result"] == 1
    searched = ok(client.get(api("products"), params={"freeTextSearch": "pudsning"}))
    assert searched["Pagination"]["Result"] == 1
    assert ok(client.get(api("products"), params={"freeTextSearch": "xyz"}))["Collection"] == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"Unit": "bananas"}, "Unit"),
        ({"AccountNumber": 4242}, "AccountNumber"),
        ({"BaseAmountValue": "200"}, "BaseAmountValue"),
        ({"Quantity": None}, "Quantity"),
    ],
)
def test_product_refusals(client: httpx.Client, change: dict[str, object], field: str) -> None:
    """A product with a bad unit, account, amount type or quantity is refused naming the field."""
    body = {
        "Name": "x",
        "BaseAmountValue": 1,
        "Quantity": 1,
        "AccountNumber": 1000,
        "Unit": "parts",
    }
    body.update(change)
    response = client.post(api("products"), json=body)
    assert error_code(response, 400) == 42
    assert field in response.json()["validationErrors"]


def test_seed_creates_without_auth(emulator: DineroEmulator) -> None:
    """Seeding puts a contact in an organisation without an API request."""
    created = emulator.seed("555", "contacts", contact_body())
    assert created["ContactGuid"] in emulator.organisations["555"].contacts
    assert emulator.requests == []


def test_contact_update_and_delete(client: httpx.Client, contact: str, clock: FakeClock) -> None:
    """A contact is updated and deleted, then shows only among deleted ones and not on invoices."""
    path = api(f"contacts/{contact}")
    clock.advance(1)
    updated = client.put(path, json=contact_body(Name="Hansen & Søn ApS"))
    assert updated.status_code == 204
    assert ok(client.get(path))["Name"] == "Hansen & Søn ApS"
    assert error_code(client.put(path, json={"Name": "x"}), 400) == 42
    assert client.delete(path).status_code == 204
    assert error_code(client.get(path), 404) == 65
    assert ok(client.get(api("contacts")))["Collection"] == []
    gone = ok(
        client.get(api("contacts"), params={"deletedOnly": "true", "fields": "Name,DeletedAt"})
    )
    assert gone["Collection"][0]["Name"] == "Hansen & Søn ApS"
    assert gone["Collection"][0]["DeletedAt"] is not None
    # A deleted contact cannot be put on a new invoice.
    body = {"ContactGuid": contact, "ProductLines": [{"LineType": "Text", "Description": "x"}]}
    assert error_code(client.post(api("invoices"), json=body), 400) == 42


def test_product_update_and_delete(client: httpx.Client) -> None:
    """A product is updated and deleted; a deleted product cannot go on an invoice line."""
    body = {
        "Name": "Vask",
        "BaseAmountValue": 100,
        "Quantity": 1,
        "AccountNumber": 1000,
        "Unit": "parts",
    }
    guid = ok(client.post(api("products"), json=body), 201)["ProductGuid"]
    path = api(f"products/{guid}")
    assert client.put(path, json={**body, "BaseAmountValue": 120}).status_code == 204
    assert ok(client.get(path))["BaseAmountValueInclVat"] == 150
    assert error_code(client.put(path, json={**body, "Unit": None}), 400) == 42
    assert client.delete(path).status_code == 204
    assert error_code(client.get(path), 404) == 65
    line = {"ProductGuid": guid, "Quantity": 1, "AccountNumber": 1000, "Unit": "parts"}
    refused = client.post(api("invoices"), json={"ProductLines": [line]})
    assert "ProductGuid" in refused.json()["validationErrors"]
