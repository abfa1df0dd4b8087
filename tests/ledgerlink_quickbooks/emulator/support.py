"""Helpers shared by the QuickBooks emulator tests (imported by conftest and the tests)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.paths import SHARED

REALM = "9130350000000001"
START = 1_780_000_000.0  # 2026-05-28, a fixed instant so dates are reproducible
BASE_URL = "https://sandbox-quickbooks.api.intuit.com"
#: The Message of QuickBooks' code-6000 business-validation fault.
BUSINESS_VALIDATION = "A business validation error has occurred while processing your request"


class FakeClock:
    """A clock tests move by hand; ``sleep`` advances it instead of waiting."""

    def __init__(self, start: float = START) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def load_official(relative: str) -> Any:
    """Read official QuickBooks material, skipping the test when it is absent."""
    path = SHARED / "providers" / "quickbooks" / relative
    if not path.is_file():
        pytest.skip(f"official QuickBooks material not found at {path} (set LEDGERLINK_SHARED)")
    return json.loads(path.read_text(encoding="utf-8"))


def api(path: str) -> str:
    """Path of an API call in the test realm."""
    return f"/v3/company/{REALM}/{path}"


def invoice_body(customer: dict[str, Any], item: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A one-line invoice for ``customer`` (2 × 50)."""
    body = {
        "CustomerRef": {"value": customer["Id"]},
        "Line": [
            {
                "DetailType": "SalesItemLineDetail",
                "Amount": 100,
                "SalesItemLineDetail": {
                    "ItemRef": {"value": item["Id"]},
                    "Qty": 2,
                    "UnitPrice": 50,
                    "TaxCodeRef": {"value": "NON"},
                },
            }
        ],
    }
    body.update(extra)
    return body


def error_of(answer: httpx.Response, status: int = 400) -> dict[str, Any]:
    """The single ``Fault.Error`` of a refusal, after checking status and envelope."""
    assert answer.status_code == status, answer.text
    fault = answer.json()["Fault"]
    assert fault["type"] == "ValidationFault"
    assert set(fault["Error"][0]) == {"Message", "Detail", "code", "element"}
    assert "time" in answer.json()
    return dict(fault["Error"][0])
