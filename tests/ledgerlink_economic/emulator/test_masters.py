"""Customers, products, payment terms, customer groups, layouts, VAT zones: seeded, listed,
filtered, paged, created and replaced as a whole."""

from __future__ import annotations

import httpx

from ledgerlink_economic.emulator import Agreement, EconomicEmulator
from tests.ledgerlink_economic.emulator.support import customer_body, error_fields


def test_an_agreement_is_seeded_with_the_danish_defaults(client: httpx.Client) -> None:
    """Layouts, payment terms, the VAT zones, a customer group and a product are there."""
    zones = [z["name"] for z in client.get("/vat-zones").json()["collection"]]
    assert zones[:3] == ["Domestic", "EU", "Abroad"]
    assert client.get("/layouts/19").json()["name"].startswith("DK. std.")
    terms = client.get("/payment-terms/1").json()
    assert (terms["daysOfCredit"], terms["paymentTermsType"]) == (8, "net")
    assert client.get("/customer-groups").json()["collection"][0]["customerGroupNumber"] == 1
    assert client.get("/products/1").json()["productNumber"] == "1"


def test_a_customer_is_created_with_the_next_number_and_a_location(client: httpx.Client
                                                                   ) -> None:
    """A POST without customerNumber gets the next free one, 201 and a Location header."""
    response = client.post("/customers", json=customer_body(name="Jensen A/S"))
    assert response.status_code == 201
    created = response.json()
    assert created["customerNumber"] == 2
    assert response.headers["location"] == created["self"]
    assert created["customerGroup"]["self"].endswith("/customer-groups/1")


def test_put_replaces_the_whole_customer(client: httpx.Client) -> None:
    """Properties a PUT omits are gone afterwards; an unknown number is created (201)."""
    body = customer_body(name="Hansen & Søn ApS")
    del body["email"]
    replaced = client.put("/customers/1", json=body)
    assert replaced.status_code == 200
    stored = client.get("/customers/1").json()
    assert stored["name"] == "Hansen & Søn ApS" and "email" not in stored
    assert client.put("/customers/77", json=customer_body()).status_code == 201


def test_a_reference_to_a_missing_setting_is_refused_naming_it(client: httpx.Client) -> None:
    """A customer group the agreement lacks answers E06000 under customerGroup."""
    response = client.post("/customers", json=customer_body(
        customerGroup={"customerGroupNumber": 99}))
    assert response.status_code == 400
    entry = error_fields(response)["customerGroup"]["errors"][0]
    assert entry["errorCode"] == "E06000" and entry["value"] == 99


def test_a_missing_resource_answers_404(client: httpx.Client) -> None:
    """GET of a customer number nobody has is 404 in the error shape."""
    response = client.get("/customers/404")
    assert response.status_code == 404
    error_fields(response)


def test_customers_are_found_by_cvr_or_email_with_filters(client: httpx.Client) -> None:
    """``corporateIdentificationNumber$eq:`` and ``email$eq:`` (case-insensitive) find one."""
    client.post("/customers", json=customer_body(name="Jensen A/S", email="ole@jensen.dk",
                                                 corporateIdentificationNumber="87654321"))
    by_cvr = client.get("/customers", params={
        "filter": "corporateIdentificationNumber$eq:87654321"})
    assert [c["name"] for c in by_cvr.json()["collection"]] == ["Jensen A/S"]
    by_mail = client.get("/customers", params={"filter": "email$eq:BO@HANSEN.DK"})
    assert [c["name"] for c in by_mail.json()["collection"]] == ["Hansen ApS"]
    either = client.get("/customers", params={
        "filter": "name$like:jensen$or:customerNumber$eq:1"}).json()
    assert either["pagination"]["results"] == 2
    assert either["pagination"]["resultsWithoutFilter"] == 2


def test_a_filter_on_a_field_that_is_not_filterable_is_refused(client: httpx.Client) -> None:
    """Filtering on paymentTerms answers 400 with allowedFilteringFields."""
    response = client.get("/customers", params={"filter": "paymentTerms$eq:1"})
    assert response.status_code == 400
    assert "corporateIdentificationNumber" in response.json()["allowedFilteringFields"]


def test_paging_uses_skippages_and_pagesize_up_to_1000(emu: EconomicEmulator,
                                                        agreement: Agreement,
                                                        client: httpx.Client) -> None:
    """25 customers: 20 by default, pages of 10 with next and last links, 1001 refused."""
    for index in range(24):
        emu.seed(agreement, "POST", "/customers", customer_body(name=f"Kunde {index}"))
    first = client.get("/customers").json()
    assert len(first["collection"]) == 20 and first["pagination"]["results"] == 25
    third = client.get("/customers", params={"skippages": 2, "pagesize": 10}).json()
    assert [c["customerNumber"] for c in third["collection"]] == list(range(21, 26))
    assert "nextPage" not in third["pagination"]
    assert third["pagination"]["lastPage"].endswith("skippages=2&pagesize=10")
    second = client.get("/customers", params={"skippages": 1, "pagesize": 10}).json()
    assert second["pagination"]["nextPage"].endswith("skippages=2&pagesize=10")
    assert client.get("/customers", params={"skippages": 9, "pagesize": 10}).json()[
        "collection"] == []
    too_big = client.get("/customers", params={"pagesize": 1001})
    assert too_big.status_code == 400
    assert error_fields(too_big)["pagesize"]["errors"][0]["errorCode"] == "E04810"


def test_products_and_payment_terms_are_created_and_replaced(client: httpx.Client) -> None:
    """A product keeps its string number; payment terms get the next number."""
    product = client.post("/products", json={
        "productNumber": "ZZ-TEST-1", "name": "Kørsel", "salesPrice": 4.5,
        "productGroup": {"productGroupNumber": 1}})
    assert product.status_code == 201 and product.json()["productNumber"] == "ZZ-TEST-1"
    terms = client.post("/payment-terms", json={"name": "Netto 60", "daysOfCredit": 60,
                                                "paymentTermsType": "net"})
    assert terms.status_code == 201 and terms.json()["paymentTermsNumber"] == 7
    replaced = client.put("/products/ZZ-TEST-1", json={
        "productNumber": "ZZ-TEST-1", "name": "Kørsel pr. km",
        "productGroup": {"productGroupNumber": 1}})
    assert replaced.status_code == 200 and "salesPrice" not in replaced.json()
    group = client.post("/customer-groups", json={"customerGroupNumber": 2, "name": "Udland",
                                                  "account": {"accountNumber": 5610}})
    assert group.status_code == 201


def test_a_currency_that_does_not_exist_is_refused(client: httpx.Client) -> None:
    """``ZUL`` answers E06000 "currency does not exist." as in the captured error; dkk is DKK."""
    response = client.post("/customers", json=customer_body(currency="ZUL"))
    entry = error_fields(response)["currency"]["errors"][0]
    assert (entry["errorCode"], entry["message"], entry["value"]) == (
        "E06000", "currency does not exist.", "ZUL")
    assert client.post("/customers", json=customer_body(currency="dkk")).json()[
        "currency"] == "DKK"
