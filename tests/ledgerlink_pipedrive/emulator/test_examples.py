"""Every shared example payload against what the emulator serves for the same data."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import httpx

from ledgerlink_pipedrive.emulator import Company, PipedriveEmulator
from tests.ledgerlink_pipedrive.emulator.support import example

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
#: Keys the server sets (ids, times of the fake clock) and the keys remapped to seeded ids.
SERVER_SET = {"id", "add_time", "update_time", "deal_id", "product_id", "person_id", "org_id",
              "custom_fields", "origin"}


def _same_but_server_set(served: dict[str, Any], shown: dict[str, Any]) -> None:
    assert list(served) == list(shown)
    assert {key: value for key, value in served.items() if key not in SERVER_SET} == {
        key: value for key, value in shown.items() if key not in SERVER_SET}
    for key in ("add_time", "update_time"):
        assert RFC3339.match(served[key])


def _decode(cursor: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))


def test_a_deal_is_served_as_the_v2_example(emu: PipedriveEmulator, company: Company,
                                            client: httpx.Client) -> None:
    """The v2 deal example, posted back, is answered with the same keys in the same order."""
    shown = example("deal.v2.constructed.json")["data"]
    code = emu.add_field(company, "Customer PO", "varchar")["field_code"]
    org = emu.seed_organization(company, "Example ApS")
    person = emu.seed_person(company, "Jane Doe", org_id=org["id"])
    body = {key: value for key, value in shown.items() if key not in SERVER_SET
            and key not in ("is_deleted", "is_archived", "origin_id", "channel", "channel_id",
                            "source_lead_id", "arr", "mrr", "acv")}
    body.update(person_id=person["id"], org_id=org["id"],
                custom_fields={code: next(iter(shown["custom_fields"].values()))})
    created = client.post("/api/v2/deals", json=body)
    assert created.status_code == 200 and created.json()["success"] is True
    served = client.get(f"/api/v2/deals/{created.json()['data']['id']}").json()
    assert set(served) == set(example("deal.v2.constructed.json")) - {"_comment"}
    _same_but_server_set(served["data"], shown)
    assert served["data"]["custom_fields"] == {code: "PO-2026-77"}
    assert (served["data"]["person_id"], served["data"]["org_id"]) == (person["id"], org["id"])


def test_deal_products_are_served_as_the_v2_example(emu: PipedriveEmulator, company: Company,
                                                    client: httpx.Client) -> None:
    """A product attached as in the example has the same fields, sum 9000 and the deal's
    currency, in the v2 list envelope."""
    document = example("deal-products.v2.constructed.json")
    shown = document["data"][0]
    product = emu.seed_product(company, shown["name"], price=1000)
    deal = emu.seed_deal(company, "Website redesign", currency=shown["currency"])
    body = {key: shown[key] for key in ("item_price", "quantity", "discount", "discount_type",
                                        "tax", "tax_method", "is_enabled", "comments",
                                        "product_variation_id")}
    added = client.post(f"/api/v2/deals/{deal['id']}/products",
                        json={"product_id": product["id"], **body})
    assert added.status_code == 200
    served = client.get(f"/api/v2/deals/{deal['id']}/products").json()
    assert list(served) == [key for key in document if key != "_comment"]
    assert served["additional_data"] == document["additional_data"]
    _same_but_server_set(served["data"][0], shown)


def test_a_person_is_served_as_the_v2_example(emu: PipedriveEmulator, company: Company,
                                              client: httpx.Client) -> None:
    """The person example posted back comes out the same, names split, primary e-mail kept."""
    shown = example("person.v2.constructed.json")["data"]
    org = emu.seed_organization(company, "Example ApS")
    body = {key: shown[key] for key in ("name", "owner_id", "emails", "phones", "visible_to")}
    made = client.post("/api/v2/persons", json={**body, "org_id": org["id"]}).json()["data"]
    served = client.get(f"/api/v2/persons/{made['id']}").json()["data"]
    _same_but_server_set(served, shown)
    assert served["custom_fields"] == {}


def test_an_organization_is_served_as_the_v2_example(emu: PipedriveEmulator, company: Company,
                                                     client: httpx.Client) -> None:
    """The organization example with its address object and a custom VAT number comes out the
    same."""
    shown = example("organization.v2.constructed.json")["data"]
    code = emu.add_field(company, "CVR", "varchar", list_name="organizationFields")["field_code"]
    body = {key: shown[key] for key in ("name", "owner_id", "visible_to", "label_ids",
                                        "address")}
    made = client.post("/api/v2/organizations",
                       json={**body, "custom_fields": {code: "12345678"}}).json()["data"]
    served = client.get(f"/api/v2/organizations/{made['id']}").json()["data"]
    _same_but_server_set(served, shown)
    assert served["custom_fields"] == {code: "12345678"}


def test_deal_fields_are_served_as_the_v2_example(emu: PipedriveEmulator, company: Company,
                                                  client: httpx.Client) -> None:
    """The two custom deal fields of the example are listed with the same keys and values but
    their codes and option ids; the codes are 40 hex digits."""
    shown = example("dealfield.v2.constructed.json")["data"]
    emu.add_field(company, "Customer PO", "varchar")
    emu.add_field(company, "Billing type", "enum", options=["Fixed price"])
    served = client.get("/api/v2/dealFields", params={"limit": 500}).json()
    custom = [item for item in served["data"] if item["is_custom_field"]]
    assert [list(item) for item in custom] == [list(item) for item in shown]
    for item, expected in zip(custom, shown, strict=True):
        assert re.fullmatch(r"[0-9a-f]{40}", item["field_code"])
        assert {**item, "field_code": None, "options": None} == {
            **expected, "field_code": None, "options": None}
    assert [{**option, "id": 0} for option in custom[1]["options"]] == [
        {**option, "id": 0} for option in shown[1]["options"]]


def test_list_envelopes_are_the_paging_examples(emu: PipedriveEmulator, company: Company,
                                                client: httpx.Client) -> None:
    """v2 pages carry additional_data.next_cursor (a cursor shaped as the example's), v1
    pages additional_data.pagination and related_objects, as the two examples do."""
    v2, v1 = (example("list-pagination.v2.constructed.json"),
              example("list-pagination.v1.constructed.json"))
    for title in ("Website redesign", "Second"):
        emu.seed_deal(company, title)
    page = client.get("/api/v2/deals", params={"limit": 1}).json()
    assert list(page) == [key for key in v2 if key != "_comment"]
    assert list(page["additional_data"]) == list(v2["additional_data"])
    assert set(_decode(page["additional_data"]["next_cursor"])) == set(
        _decode(v2["additional_data"]["next_cursor"]))
    old = client.get("/v1/dealFields", params={"start": 0, "limit": 1}).json()
    assert list(old) == [key for key in v1 if key != "_comment"]
    assert list(old["additional_data"]["pagination"]) == list(
        v1["additional_data"]["pagination"])


def test_errors_are_answered_as_the_errors_example(emu: PipedriveEmulator, company: Company,
                                                   client: httpx.Client) -> None:
    """401 and 429 bodies equal the example's; a missing deal is the example's 404."""
    shapes = example("errors.json")
    assert client.get("/api/v2/deals", headers={"x-api-token": "nope"}).json() == shapes["401"]
    assert client.get("/api/v2/deals/99").json() == shapes["404"]
    emu.faults.fail_next(1, 429)
    assert client.get("/api/v2/deals").json() == shapes["429"]


def test_the_v2_webhook_example_holds_deal_fields_as_served(emu: PipedriveEmulator,
                                                            company: Company,
                                                            client: httpx.Client) -> None:
    """The crucial deal fields a v2 webhook carries are served deal fields of the same types."""
    data = example("webhook.v2.deal-change.prismatic.json")["data"]
    deal = emu.seed_deal(company, data["title"], status=data["status"], value=data["value"],
                         currency=data["currency"])
    served = client.get(f"/api/v2/deals/{deal['id']}").json()["data"]
    assert set(data) <= set(served)
    assert {key: type(value) for key, value in data.items() if value is not None
            and key not in ("person_id", "org_id")} == {
        key: type(served[key]) for key, value in data.items() if value is not None
        and key not in ("person_id", "org_id")}


def test_a_v1_deal_nests_person_organization_and_user_as_the_v1_example(
        emu: PipedriveEmulator, company: Company, client: httpx.Client) -> None:
    """v1 answers the example's keys, ids under ``value`` of nested objects, v1 times, and
    custom fields as top-level keys."""
    shown = example("deal.v1.nested.prismatic.json")
    code = emu.add_field(company, "Customer PO", "varchar")["field_code"]
    org = emu.seed_organization(company, "test", address={"value": "Vej 1, 1620 København"})
    person = emu.seed_person(company, "test person", email="p@test.io", org_id=org["id"])
    emu.seed_person(company, "second", org_id=org["id"])
    deal = emu.seed_deal(company, "test deal", status="open", value=2, currency="USD",
                         person_id=person["id"], org_id=org["id"], custom={code: "PO-1"})
    served = client.get(f"/v1/deals/{deal['id']}").json()["data"]
    assert set(shown) - {"_comment"} <= set(served)
    for key in ("creator_user_id", "user_id", "person_id", "org_id"):
        assert set(shown[key]) <= set(served[key]), key
    assert set(shown["person_id"]["email"][0]) <= set(served["person_id"]["email"][0])
    assert (served["person_id"]["value"], served["org_id"]["value"]) == (person["id"],
                                                                         org["id"])
    assert served["org_id"]["people_count"] == 2 and served["active"] is True
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", served["add_time"])
    assert served[code] == "PO-1" and "custom_fields" not in served
    assert (served["title"], served["value"], served["currency"]) == ("test deal", 2, "USD")
    listed = client.get("/v1/deals", params={"status": "open"}).json()
    assert listed["data"] == [served]
    assert listed["additional_data"]["pagination"]["more_items_in_collection"] is False
