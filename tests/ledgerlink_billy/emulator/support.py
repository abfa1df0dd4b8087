"""Helpers shared by the Billy emulator tests (imported by conftest and the tests)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import attrs
import httpx
import pytest

from ledgerlink_billy.emulator import BillyEmulator, Limits, Organization
from tests.paths import SHARED

BASE_URL = "https://api.billysbilling.com"
def load_billy(relative: str) -> Any:
    """Read official Billy material, skipping the test when it is absent."""
    path = SHARED / "providers" / "billy" / relative
    if not path.is_file():
        pytest.skip(f"official Billy material not found at {path} (set LEDGERLINK_SHARED)")
    return json.loads(path.read_text(encoding="utf-8"))


def contact_body(**extra: Any) -> dict[str, Any]:
    """A Danish company contact with a primary contact person who has an e-mail."""
    body: dict[str, Any] = {
        "name": "Hansen ApS",
        "countryId": "DK",
        "paymentTermsDays": 8,
        "registrationNo": "12345678",
        "contactPersons": [{"name": "Bo Hansen", "email": "bo@hansen.dk", "isPrimary": True}],
    }
    body.update(extra)
    return {"contact": body}


def invoice_body(contact_id: str, product_id: str, **extra: Any) -> dict[str, Any]:
    """A draft with one line: 2 x 300 DKK excl. VAT."""
    body: dict[str, Any] = {
        "contactId": contact_id,
        "entryDate": "2026-05-28",
        "currencyId": "DKK",
        "paymentTermsDays": 8,
        "lines": [{"productId": product_id, "unitPrice": 300, "quantity": 2,
                   "description": "Vinduespudsning"}],
    }
    body.update(extra)
    return {"invoice": body}


def ok(response: httpx.Response) -> Any:
    """Assert a 200 with Billy's success ``meta`` and return the JSON body."""
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["meta"]["statusCode"] == 200 and body["meta"]["success"] is True
    return body


def refused(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """Assert Billy's error envelope (the captured examples' keys) and return the body."""
    assert response.status_code == status, response.text
    body = response.json()
    expected = {"meta", "errorMessage", "errorCode", "helpUrl"}
    assert set(body) in (expected, expected | {"validationErrors"}), body
    assert body["meta"] == {"statusCode": status, "success": False}
    assert body["errorCode"] == code, body
    assert isinstance(body["errorMessage"], str) and body["errorMessage"]
    return dict(body)


def invalid(response: httpx.Response, *keys: str) -> dict[str, str]:
    """Assert a 400 ``INVALID_RECORD`` naming every one of ``keys``; return key -> message."""
    body = refused(response, 400, "INVALID_RECORD")
    assert body["errorMessage"] == "Invalid record"
    errors = body["validationErrors"]
    assert all(set(v) == {"message"} and isinstance(v["message"], str)
               for v in errors.values()), errors
    assert set(keys) <= set(errors), (keys, errors)
    return {key: value["message"] for key, value in errors.items()}


@attrs.frozen
class Company:
    """A fresh company to work in: a signed-in client, the company, a contact and a product.

    (Hypothesis tests make one per example: function fixtures would be shared.)
    """

    http: httpx.Client
    org: Organization
    contact_id: str
    product_id: str


@contextmanager
def fresh_company() -> Iterator[Company]:
    """A new emulator (no rate limit) with one company, its contact and its product."""
    emu = BillyEmulator(limits=Limits(per_minute=None))
    org = emu.create_organization("Hypotese ApS")
    with httpx.Client(transport=emu.transport(), base_url=BASE_URL,
                      headers={"X-Access-Token": org.access_token}) as http:
        contact = ok(http.post("/v2/contacts", json=contact_body()))["contacts"][0]
        product = ok(http.post("/v2/products", json={"product": {"name": "P"}}))["products"][0]
        yield Company(http, org, contact["id"], product["id"])
