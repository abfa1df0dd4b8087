"""Helpers shared by the e-conomic emulator tests (imported by conftest and the tests)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from ledgerlink_economic.emulator import Agreement, EconomicEmulator
from tests.clocks import START, FakeClock
from tests.paths import SHARED

__all__ = ["BASE_URL", "OFFICIAL", "START", "FakeClock", "client_for", "customer_body",
           "draft_body", "error_fields", "official"]

BASE_URL = "https://restapi.e-conomic.com"
OFFICIAL = SHARED / "providers" / "economic"


def official(relative: str) -> Any:
    """Read official e-conomic material, skipping the test when it is absent."""
    path = OFFICIAL / relative
    if not path.is_file():
        pytest.skip(f"official e-conomic material not found at {path} (set LEDGERLINK_SHARED)")
    return json.loads(path.read_text(encoding="utf-8"))


def client_for(emu: EconomicEmulator, agreement: Agreement) -> httpx.Client:
    """An in-process client carrying the agreement's two tokens."""
    return httpx.Client(transport=emu.transport(), base_url=BASE_URL, headers={
        "X-AppSecretToken": agreement.app_secret_token,
        "X-AgreementGrantToken": agreement.agreement_grant_token})


def customer_body(**extra: Any) -> dict[str, Any]:
    """A Danish business customer in the seeded group, terms and Domestic zone."""
    body: dict[str, Any] = {
        "name": "Hansen ApS", "currency": "DKK", "corporateIdentificationNumber": "12345678",
        "email": "bo@hansen.dk", "customerGroup": {"customerGroupNumber": 1},
        "paymentTerms": {"paymentTermsNumber": 1}, "vatZone": {"vatZoneNumber": 1}}
    body.update(extra)
    return body


def draft_body(customer_number: int = 1, *, zone: int = 1, **extra: Any) -> dict[str, Any]:
    """A draft with one line: 2 x 100 DKK excl. VAT of the seeded product."""
    body: dict[str, Any] = {
        "date": "2026-05-28", "currency": "DKK",
        "customer": {"customerNumber": customer_number},
        "layout": {"layoutNumber": 19}, "paymentTerms": {"paymentTermsNumber": 1},
        "recipient": {"name": "Hansen ApS", "vatZone": {"vatZoneNumber": zone}},
        "references": {"other": "wo-1"},
        "lines": [{"product": {"productNumber": "1"}, "quantity": 2, "unitNetPrice": 100,
                   "description": "Vinduespudsning"}]}
    body.update(extra)
    return body


def error_fields(response: httpx.Response) -> dict[str, Any]:
    """Assert e-conomic's error shape and return its ``errors`` object."""
    body = response.json()
    assert {"message", "developerHint", "logId", "httpStatusCode", "logTime"} <= set(body)
    assert body["httpStatusCode"] == response.status_code
    errors: dict[str, Any] = body.get("errors", {})
    return errors
