"""Strict bodies: unknown fields, wrong types, missing required ones and bad references are
refused with 400 in Pipedrive's shape, naming the field, and nothing is written."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledgerlink_pipedrive.emulator import Company, PipedriveEmulator, Plan
from ledgerlink_pipedrive.emulator.schema import DEAL
from tests.ledgerlink_pipedrive.emulator.support import FakeClock, client_for, refusal


@pytest.mark.parametrize(("path", "body", "named"), [
    ("/api/v2/deals", {"titel": "Website"}, "titel"),
    ("/api/v2/deals", {"title": "Website", "personId": 1}, "personId"),
    ("/api/v2/deals", {"title": "Website", "value": "100"}, "value"),
    ("/api/v2/deals", {"title": "Website", "status": "closed"}, "status"),
    ("/api/v2/deals", {"title": "Website", "currency": None}, "currency"),
    ("/api/v2/deals", {"title": "Website", "currency": "kroner"}, "currency"),
    ("/api/v2/deals", {"title": "Website", "expected_close_date": "15/02/2026"},
     "expected_close_date"),
    ("/api/v2/deals", {"title": "Website", "person_id": 7}, "person_id"),
    ("/api/v2/deals", {"title": "Website", "custom_fields": {"f" * 40: "x"}}, "custom_fields"),
    ("/api/v2/deals", {"value": 1}, "title"),
    ("/api/v2/persons", {"name": "Jane", "email": "jane@kunde.dk"}, "email"),
    ("/api/v2/persons", {"name": "Jane", "emails": [{"value": "j@k.dk", "primary": "yes"}]},
     "emails[0].primary"),
    ("/api/v2/persons", {"name": "Jane", "emails": ["j@k.dk"]}, "emails[0]"),
    ("/api/v2/organizations", {"name": "Kunde", "address": {"street": "Vej 1"}},
     "address.street"),
    ("/api/v2/products", {"name": "Hour", "prices": [{"price": 1}]}, "prices[0].currency"),
    ("/api/v2/products", {"name": "Hour", "price": 1}, "price"),
    ("/v1/dealFields", {"name": "PO", "field_type": "colour"}, "field_type"),
    ("/v1/dealFields", {"name": "Kind", "field_type": "enum"}, "options"),
])
def test_a_bad_body_is_refused_naming_the_field(emu: PipedriveEmulator, company: Company,
                                                client: httpx.Client, path: str,
                                                body: dict[str, Any], named: str) -> None:
    """The refusal is 400 in the error shape and its message names the field refused."""
    error = refusal(client.post(path, json=body), 400)
    assert error.startswith("Validation failed: ") and named in error
    assert all(not rows for rows in company.tables.values())


def test_a_body_that_is_not_a_json_object_is_refused(client: httpx.Client) -> None:
    """Form data and a JSON array both answer 400."""
    refusal(client.post("/api/v2/deals", content=b"title=Website"), 400)
    refusal(client.post("/api/v2/deals", json=[{"title": "Website"}]), 400)


def test_custom_field_values_are_held_to_their_type(emu: PipedriveEmulator, company: Company,
                                                   client: httpx.Client) -> None:
    """A number field refuses text, an enum an id that is not one of its options; a valid
    option id is kept."""
    hours = emu.add_field(company, "Hours", "double")["field_code"]
    kind = emu.add_field(company, "Kind", "enum", options=["Fixed"])
    for value in ({hours: "many"}, {kind["field_code"]: 999}):
        refusal(client.post("/api/v2/deals", json={"title": "W", "custom_fields": value}), 400)
    fixed = kind["options"][0]["id"]
    made = client.post("/api/v2/deals", json={"title": "W", "custom_fields": {
        hours: 1.5, kind["field_code"]: fixed}})
    assert made.json()["data"]["custom_fields"] == {hours: 1.5, kind["field_code"]: fixed}


def test_a_deal_product_needs_its_three_required_fields(emu: PipedriveEmulator,
                                                        company: Company,
                                                        client: httpx.Client) -> None:
    """product_id, item_price and quantity are each required; a renamed one is unknown."""
    deal = emu.seed_deal(company, "Website")
    product = emu.seed_product(company, "Hour")
    full = {"product_id": product["id"], "item_price": 10, "quantity": 1}
    for missing in full:
        body = {key: value for key, value in full.items() if key != missing}
        assert missing in refusal(client.post(f"/api/v2/deals/{deal['id']}/products",
                                              json=body), 400)
    renamed = {"product_id": product["id"], "price": 10, "quantity": 1}
    assert "price" in refusal(client.post(f"/api/v2/deals/{deal['id']}/products",
                                          json=renamed), 400)


def test_an_update_refuses_what_a_create_does(emu: PipedriveEmulator, company: Company,
                                              client: httpx.Client) -> None:
    """PATCH needs no field but still refuses an unknown one and leaves the deal as it was."""
    deal = emu.seed_deal(company, "Website", status="open")
    refusal(client.patch(f"/api/v2/deals/{deal['id']}", json={"stat": "won"}), 400)
    assert client.get(f"/api/v2/deals/{deal['id']}").json()["data"] == deal


@settings(max_examples=40, deadline=None)
@given(name=st.text(min_size=1, max_size=20).filter(lambda name: name not in DEAL))
def test_any_unknown_deal_field_is_refused(name: str) -> None:
    """Whatever the unknown field is called, the deal is refused and not made."""
    clock = FakeClock()
    emu = PipedriveEmulator(clock=clock, sleep=clock.sleep, plan=Plan(burst_api_token=10**6))
    company = emu.create_company("Sælg ApS")
    with client_for(emu, company) as client:
        answer = client.post("/api/v2/deals", json={"title": "Website", name: 1})
    assert answer.status_code == 400 and name in answer.json()["error"]
    assert company.tables["deals"] == {}
