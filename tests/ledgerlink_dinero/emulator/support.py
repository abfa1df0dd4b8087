"""Helpers shared by the Dinero emulator tests (imported by conftest and the tests)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.paths import SHARED

ORG = "123456"
START = 1_780_000_000.0  # 2026-05-28 20:26 UTC, a fixed instant so dates are reproducible
BASE_URL = "https://api.dinero.dk"


class FakeClock:
    """A clock tests move by hand; ``sleep`` advances it instead of waiting."""

    def __init__(self, start: float = START) -> None:
        self.now = start
        self.slept = 0.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def sleep(self, seconds: float) -> None:
        self.slept += seconds
        self.now += seconds


def load_official(relative: str) -> Any:
    """Read official Dinero material, skipping the test when it is absent."""
    path = SHARED / "providers" / "dinero" / relative
    if not path.is_file():
        pytest.skip(f"official Dinero material not found at {path} (set LEDGERLINK_SHARED)")
    return json.loads(path.read_text(encoding="utf-8"))


def api(path: str, org: str = ORG, version: str = "v1") -> str:
    """Path of an API call in an organisation."""
    return f"/{version}/{org}/{path}"


def contact_body(**extra: Any) -> dict[str, Any]:
    """A company contact with the required fields."""
    body: dict[str, Any] = {
        "Name": "Hansen ApS",
        "CountryKey": "DK",
        "IsPerson": False,
        "IsMember": False,
        "UseCvr": True,
        "Email": "bogholderi@hansen.dk",
        "VatNumber": "12345678",
    }
    body.update(extra)
    return body


def invoice_body(contact_guid: str | None, **extra: Any) -> dict[str, Any]:
    """A draft with one 25 % line: 2 hours at 500 excl. VAT."""
    body: dict[str, Any] = {
        "ContactGuid": contact_guid,
        "Currency": "DKK",
        "Date": "2026-05-28",
        "PaymentConditionType": "Netto",
        "PaymentConditionNumberOfDays": 8,
        "ExternalReference": "ledgerlink:wo-1",
        "ProductLines": [
            {
                "Description": "Vinduespudsning",
                "Quantity": 2,
                "AccountNumber": 1000,
                "Unit": "hours",
                "BaseAmountValue": 500,
                "LineType": "Product",
            }
        ],
    }
    body.update(extra)
    return body


def ok(response: httpx.Response, status: int = 200) -> Any:
    """Assert the status and return the JSON body."""
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def error_code(response: httpx.Response, status: int) -> int:
    """Assert an error status and return Dinero's error code."""
    assert response.status_code == status, response.text
    code = response.json()["code"]
    assert isinstance(code, int)
    return code


def sign_in_again(client: httpx.Client, emulator: Any) -> None:
    """Give ``client`` a fresh access token (after the fake clock outran the old one)."""
    tokens = emulator.connect(ORG)
    client.headers["Authorization"] = f"Bearer {tokens['access_token']}"


def refused(response: httpx.Response, *paths: str, code: int = 42) -> dict[str, str]:
    """Assert Dinero's validation answer naming ``paths``; return its ``validationErrors``.

    The body has the keys of the captured ``error_not_found.json``; every field in
    ``validationErrors`` is repeated in ``languageSpecificMessages`` and ``errorMessageList``.
    """
    example = load_official("examples/error_not_found.json")
    assert response.status_code == 400, response.text
    body = response.json()
    assert set(body) == set(example), body
    assert body["code"] == code, body
    errors = body["validationErrors"]
    assert isinstance(errors, dict) and set(paths) <= set(errors), (paths, errors)
    assert [(m["property"], m["message"]) for m in body["languageSpecificMessages"]] == list(
        errors.items()
    )
    assert [(m["Code"], m["Message"]) for m in body["errorMessageList"]] == list(errors.items())
    if code == 42:
        assert body["message"] == "Validation Error"
    return dict(errors)
