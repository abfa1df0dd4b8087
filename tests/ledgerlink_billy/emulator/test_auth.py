"""The token check, the organisation, and paths the emulator does not serve."""

from __future__ import annotations

import httpx
import pytest

from ledgerlink_billy.emulator import BillyEmulator, Organization
from ledgerlink_billy.emulator.wire import BillyError
from tests.ledgerlink_billy.emulator.support import BASE_URL, load_billy, ok, refused


def test_a_call_without_a_token_is_refused_in_billys_shape(emu: BillyEmulator) -> None:
    """No X-Access-Token: 401 AUTHENTICATION_REQUIRED with the captured error's keys."""
    with httpx.Client(transport=emu.transport(), base_url=BASE_URL) as anonymous:
        body = refused(anonymous.get("/v2/organization"), 401, "AUTHENTICATION_REQUIRED")
    assert set(body) == set(load_billy("examples/error_unauthorized.json"))


def test_an_unknown_token_is_refused(emu: BillyEmulator, org: Organization) -> None:
    """A token no company has: 401 OAUTH_INVALID_ACCESS_TOKEN, and nothing is answered."""
    headers = {"X-Access-Token": org.access_token + "x"}
    with httpx.Client(transport=emu.transport(), base_url=BASE_URL, headers=headers) as http:
        refused(http.get("/v2/contacts"), 401, "OAUTH_INVALID_ACCESS_TOKEN")


def test_the_token_reaches_only_its_own_company(emu: BillyEmulator,
                                                client: httpx.Client) -> None:
    """Each token reads its own organisation; another company's records are not found."""
    other = emu.create_organization("Maler ApS")
    headers = {"X-Access-Token": other.access_token}
    with httpx.Client(transport=emu.transport(), base_url=BASE_URL, headers=headers) as http:
        assert ok(http.get("/v2/organization"))["organization"]["name"] == "Maler ApS"
        made = ok(http.post("/v2/contacts", json={"contact": {
            "name": "X", "countryId": "DK", "paymentTermsDays": 8}}))["contacts"][0]
    refused(client.get(f"/v2/contacts/{made['id']}"), 404, "RECORD_NOT_FOUND")


def test_the_organization_has_danish_defaults(client: httpx.Client, org: Organization) -> None:
    """GET /v2/organization: the company, DKK, Denmark, its default ruleset and bank account."""
    found = ok(client.get("/v2/organization"))["organization"]
    assert found["id"] == org.id and found["name"] == "Tømrer ApS"
    assert (found["baseCurrencyId"], found["countryId"]) == ("DKK", "DK")
    ruleset = ok(client.get(f"/v2/salesTaxRulesets/{found['defaultSalesTaxRulesetId']}"))
    assert ruleset["salesTaxRuleset"]["name"] == "Salgsmoms"
    bank = ok(client.get(f"/v2/accounts/{found['defaultInvoiceBankAccountId']}"))["account"]
    assert bank["isPaymentEnabled"] is True
    assert not any(key.startswith("_") for key in found)


def test_not_found_is_worded_as_the_captured_example(client: httpx.Client) -> None:
    """An unknown id: 404 RECORD_NOT_FOUND with the captured example's keys and wording."""
    example = load_billy("examples/error_not_found.json")
    body = refused(client.get("/v2/contacts/hSAz8KBCTPudbq4mBrvvaw"), 404, "RECORD_NOT_FOUND")
    assert body == example


def test_unserved_paths_and_methods_answer_in_billys_shape(client: httpx.Client) -> None:
    """A path no route serves is a 404 and a known path with another method a 405."""
    refused(client.get("/v2/nothing"), 404, "ROUTE_NOT_FOUND")
    refused(client.patch("/v2/contacts"), 405, "METHOD_NOT_ALLOWED")


def test_every_request_is_recorded(emu: BillyEmulator, client: httpx.Client) -> None:
    """emu.records lists each call's method, path, body and status."""
    client.post("/v2/contacts", json={"contact": {"name": "Y"}})
    client.get("/v2/organization")
    assert [(r.method, r.path, r.status) for r in emu.records] == [
        ("POST", "/v2/contacts", 400), ("GET", "/v2/organization", 200)]
    assert emu.records[0].body == {"contact": {"name": "Y"}}


def test_seeding_bypasses_the_token_and_the_records(emu: BillyEmulator, org: Organization,
                                                    client: httpx.Client) -> None:
    """emu.seed writes without a request record; its refusals raise in Billy's terms."""
    made = emu.seed(org.id, "POST", "/v2/products", {"product": {"name": "Seeded"}})
    assert emu.records == []
    found = ok(client.get(f"/v2/products/{made['products'][0]['id']}"))["product"]
    assert found["name"] == "Seeded"
    with pytest.raises(BillyError, match="INVALID_RECORD"):
        emu.seed(org.id, "POST", "/v2/products", {"product": {"nom": "x"}})
