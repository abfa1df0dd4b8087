"""Contacts with their contact persons, and products with their prices."""

from __future__ import annotations

from typing import Any

import httpx

from tests.ledgerlink_billy.emulator.support import contact_body, invalid, ok, refused


def test_a_contact_is_created_with_its_persons_in_one_request(client: httpx.Client) -> None:
    """Embedded contactPersons are created with the contact; the answer holds both."""
    body = ok(client.post("/v2/contacts", json=contact_body(type="person")))
    contact, = body["contacts"]
    person, = body["contactPersons"]
    assert (contact["type"], contact["countryId"], contact["registrationNo"]) == (
        "person", "DK", "12345678")
    assert person == {"id": person["id"], "contactId": contact["id"], "isPrimary": True,
                      "name": "Bo Hansen", "email": "bo@hansen.dk"}
    assert "contactPersons" not in contact


def test_a_bad_person_creates_no_contact(client: httpx.Client) -> None:
    """A person with neither name nor e-mail refuses the whole contact (atomic)."""
    answer = client.post("/v2/contacts", json=contact_body(contactPersons=[{"isPrimary": True}]))
    invalid(answer, "contact.contactPersons[0].name")
    assert ok(client.get("/v2/contacts"))["contacts"] == []


def test_persons_are_only_returned_when_included(client: httpx.Client,
                                                 contact: dict[str, Any]) -> None:
    """GET leaves has-many persons out; include=contact.contactPersons:embed puts them in."""
    plain = ok(client.get(f"/v2/contacts/{contact['id']}"))["contact"]
    assert "contactPersons" not in plain
    embedded = ok(client.get(f"/v2/contacts/{contact['id']}",
                             params={"include": "contact.contactPersons:embed"}))
    assert [p["email"] for p in embedded["contact"]["contactPersons"]] == ["bo@hansen.dk"]
    side = ok(client.get(f"/v2/contacts/{contact['id']}",
                         params={"include": "contact.contactPersons:sideload"}))
    assert side["contact"]["contactPersonIds"] == [contact["person"]["id"]]
    assert [p["id"] for p in side["contactPersons"]] == [contact["person"]["id"]]


def test_persons_of_a_contact_are_listed_by_contact_id(client: httpx.Client,
                                                       contact: dict[str, Any]) -> None:
    """contactPersons?contactId= lists the contact's persons (where the e-mails are)."""
    other = ok(client.post("/v2/contacts", json=contact_body(
        name="Jensen", contactPersons=[{"email": "j@jensen.dk"}])))["contacts"][0]
    mine = ok(client.get("/v2/contactPersons", params={"contactId": contact["id"]}))
    assert [p["email"] for p in mine["contactPersons"]] == ["bo@hansen.dk"]
    theirs = ok(client.get("/v2/contactPersons", params={"contactId": other["id"]}))
    assert [p["email"] for p in theirs["contactPersons"]] == ["j@jensen.dk"]


def test_contacts_have_no_registration_or_email_filter(client: httpx.Client,
                                                       contact: dict[str, Any]) -> None:
    """Billy documents no contact filter by CVR or e-mail: the emulator refuses them."""
    for name in ("registrationNo", "email", "q"):
        body = refused(client.get("/v2/contacts", params={name: "x"}), 400, "INVALID_PARAMETER")
        assert name in body["validationErrors"]


def test_an_update_changes_only_what_is_sent_and_replaces_persons(
        client: httpx.Client, contact: dict[str, Any]) -> None:
    """PUT is partial; sending contactPersons replaces the old ones [B1]."""
    answer = ok(client.put(f"/v2/contacts/{contact['id']}", json={"contact": {
        "street": "Vestergade 1", "contactPersons": [{"name": "Ny", "email": "ny@hansen.dk"}]}}))
    assert answer["contacts"][0]["street"] == "Vestergade 1"
    assert answer["contacts"][0]["name"] == "Hansen ApS"
    listed = ok(client.get("/v2/contactPersons", params={"contactId": contact["id"]}))
    assert [p["email"] for p in listed["contactPersons"]] == ["ny@hansen.dk"]


def test_deleting_a_contact_is_idempotent(client: httpx.Client, contact: dict[str, Any]) -> None:
    """DELETE answers 200 with the deleted ids, and 200 with none the second time."""
    first = ok(client.delete(f"/v2/contacts/{contact['id']}"))
    assert first["meta"]["deletedRecords"] == {"contacts": [contact["id"]],
                                               "contactPersons": [contact["person"]["id"]]}
    again = ok(client.delete(f"/v2/contacts/{contact['id']}"))
    assert again["meta"]["deletedRecords"] == {}
    refused(client.get(f"/v2/contacts/{contact['id']}"), 404, "RECORD_NOT_FOUND")


def test_a_contact_with_invoices_is_not_deleted(client: httpx.Client, contact: dict[str, Any],
                                                draft: Any) -> None:
    """A contact an invoice points at stays (inferred)."""
    draft()
    invalid(client.delete(f"/v2/contacts/{contact['id']}"), "contact")
    ok(client.get(f"/v2/contacts/{contact['id']}"))


def test_an_unknown_country_is_refused(client: httpx.Client) -> None:
    """countryId must be a country the emulator knows."""
    invalid(client.post("/v2/contacts", json=contact_body(countryId="XX")), "contact.countryId")


def test_a_product_is_created_with_prices_and_the_default_ruleset(
        client: httpx.Client, product: dict[str, Any]) -> None:
    """Prices come back only when included; the ruleset defaults to the company's."""
    organization = ok(client.get("/v2/organization"))["organization"]
    assert product["salesTaxRulesetId"] == organization["defaultSalesTaxRulesetId"]
    assert product["accountId"] == organization["defaultSalesAccountId"]
    assert "prices" not in product
    embedded = ok(client.get(f"/v2/products/{product['id']}",
                             params={"include": "product.prices:embed"}))["product"]
    assert [(p["unitPrice"], p["currencyId"]) for p in embedded["prices"]] == [(300, "DKK")]


def test_a_product_price_needs_a_known_currency(client: httpx.Client) -> None:
    """An embedded price in an unknown currency refuses the product."""
    body = {"product": {"name": "X", "prices": [{"unitPrice": 1, "currencyId": "XYZ"}]}}
    invalid(client.post("/v2/products", json=body), "product.prices[0].currencyId")


def test_prices_are_changed_through_product_prices(client: httpx.Client,
                                                  product: dict[str, Any]) -> None:
    """productPrices can be listed by product and updated one by one."""
    prices = ok(client.get("/v2/productPrices", params={"productId": product["id"]}))
    price, = prices["productPrices"]
    ok(client.put(f"/v2/productPrices/{price['id']}", json={"productPrice": {"unitPrice": 350}}))
    assert ok(client.get(f"/v2/productPrices/{price['id']}"))["productPrice"]["unitPrice"] == 350
    added = ok(client.post("/v2/productPrices", json={"productPrice": {
        "productId": product["id"], "unitPrice": 45, "currencyId": "EUR"}}))
    assert added["productPrices"][0]["currencyId"] == "EUR"


def test_a_product_on_invoice_lines_is_not_deleted(client: httpx.Client,
                                                  product: dict[str, Any], draft: Any) -> None:
    """Deleting a product that lines use is refused; an unused one goes (idempotently)."""
    draft()
    invalid(client.delete(f"/v2/products/{product['id']}"), "product")
    spare = ok(client.post("/v2/products", json={"product": {"name": "Spare"}}))["products"][0]
    assert ok(client.delete(f"/v2/products/{spare['id']}"))["meta"]["deletedRecords"] == {
        "products": [spare["id"]]}
