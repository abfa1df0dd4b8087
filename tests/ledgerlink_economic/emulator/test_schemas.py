"""Request bodies held to the official draft-03 schemas shipped with the emulator."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ledgerlink_economic.emulator import EconomicEmulator
from ledgerlink_economic.emulator.schemas import SCHEMA_FILES, build_schemas, shipped_schemas
from tests.ledgerlink_economic.emulator.support import (
    OFFICIAL,
    customer_body,
    draft_body,
    error_fields,
)


def test_the_shipped_schemas_equal_the_official_files() -> None:
    """schemas.json holds exactly the official files (trailing commas tolerated)."""
    folder = OFFICIAL / "json-schema"
    if not folder.is_dir():
        pytest.skip(f"official e-conomic schemas not found at {folder} (set LEDGERLINK_SHARED)")
    assert shipped_schemas() == build_schemas(folder)
    assert set(shipped_schemas()) == set(SCHEMA_FILES)


def test_the_files_with_trailing_commas_are_read() -> None:
    """The two official files that are not strict JSON parse in the build step."""
    folder = OFFICIAL / "json-schema"
    if not folder.is_dir():
        pytest.skip(f"official e-conomic schemas not found at {folder} (set LEDGERLINK_SHARED)")
    from ledgerlink_economic.emulator.schemas import strict_json

    for name in ("invoices.totals.drafts.employees.get.schema.json",
                 "invoices.totals.drafts.customers.customerNumber.get.schema.json"):
        assert strict_json((folder / name).read_text(encoding="utf-8"))["$schema"]


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/customers", customer_body(), "currency"),
    ("/customers", customer_body(), "vatZone"),
    ("/invoices/drafts", draft_body(), "recipient"),
    ("/invoices/drafts", draft_body(), "paymentTerms"),
    ("/invoices/drafts", draft_body(), "date"),
])
def test_a_renamed_required_field_is_refused_naming_it(client: httpx.Client, path: str,
                                                       body: dict[str, Any], field: str
                                                       ) -> None:
    """A valid body with one required field renamed answers 400 naming that field."""
    body = dict(body)
    body[field + "X"] = body.pop(field)
    response = client.post(path, json=body)
    assert response.status_code == 400
    assert field in error_fields(response)


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/customers", customer_body(), "email"),
    ("/customers", customer_body(), "name"),
    ("/invoices/drafts", draft_body(), "currency"),
    ("/invoices/drafts", draft_body(), "notes"),
])
def test_null_is_refused_naming_the_field(client: httpx.Client, path: str,
                                          body: dict[str, Any], field: str) -> None:
    """``null`` for a property answers 400 under that property."""
    response = client.post(path, json={**body, field: None})
    assert response.status_code == 400
    assert field in error_fields(response)


def test_an_enum_in_the_wrong_casing_is_refused(client: httpx.Client) -> None:
    """``sendBy: "ean"`` is refused (the enum is ``EAN``); the draft stays a draft."""
    number = client.post("/invoices/drafts", json=draft_body()).json()["draftInvoiceNumber"]
    response = client.post("/invoices/booked", json={
        "draftInvoice": {"draftInvoiceNumber": number}, "sendBy": "ean"})
    assert response.status_code == 400
    assert error_fields(response)["sendBy"]["errors"][0]["value"] == "ean"
    assert client.get(f"/invoices/drafts/{number}").status_code == 200


def test_unknown_and_read_only_fields_are_ignored(client: httpx.Client) -> None:
    """An unknown property and a read-only total (even of a wrong type) change nothing."""
    response = client.post("/invoices/drafts", json=draft_body(
        grossAmount="lots", netAmount=1, colour="blue"))
    assert response.status_code == 201
    draft = response.json()
    assert draft["grossAmount"] == 250 and "colour" not in draft
    customer = client.post("/customers", json=customer_body(balance=99, favourite=True)).json()
    assert "balance" not in customer and "favourite" not in customer


def test_a_unit_price_with_three_decimals_is_refused(client: httpx.Client) -> None:
    """unitNetPrice 10.125 answers E04740 at lines[0].unitNetPrice."""
    response = client.post("/invoices/drafts", json=draft_body(lines=[
        {"product": {"productNumber": "1"}, "quantity": 1, "unitNetPrice": 10.125}]))
    assert response.status_code == 400
    entry = error_fields(response)["lines"][0]["unitNetPrice"]["errors"][0]
    assert entry["errorCode"] == "E04740"


def test_a_wrong_type_and_a_too_long_string_are_refused(client: httpx.Client) -> None:
    """A string quantity and a 251-character recipient name are refused by field."""
    body = draft_body(lines=[{"product": {"productNumber": "1"}, "quantity": "two"}])
    body["recipient"] = {"name": "x" * 251, "vatZone": {"vatZoneNumber": 1}}
    errors = error_fields(client.post("/invoices/drafts", json=body))
    assert "quantity" in errors["lines"][0]
    assert "name" in errors["recipient"]


def test_every_write_route_holds_its_body_to_a_schema(emu: EconomicEmulator,
                                                      client: httpx.Client) -> None:
    """Each POST and PUT of the REST API answers 400 in its error shape to a ``null`` body."""
    emu.seed(1_000_001, "POST", "/invoices/drafts", draft_body())
    writes = [route for route in emu.routes if route.method in ("POST", "PUT")
              and not route.template.startswith("/webhooksapi/")]
    assert len(writes) == 12
    for route in writes:
        path = route.template.replace("{number}", "1")
        response = client.request(route.method, path, content=b"null",
                                  headers={"content-type": "application/json"})
        assert response.status_code == 400, path
        assert "body" in error_fields(response), path
