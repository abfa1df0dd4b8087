"""Helpers shared by the Pipedrive emulator tests (imported by conftest and the tests)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from ledgerlink_pipedrive.emulator import Company, PipedriveEmulator
from tests.clocks import START, FakeClock
from tests.paths import SHARED

__all__ = ["BASE_URL", "EXAMPLES", "START", "FakeClock", "client_for", "example",
           "refusal"]

BASE_URL = "https://api.pipedrive.com"
#: The shared notes and example payloads the emulator is held to.
EXAMPLES = SHARED / "crm" / "pipedrive"


def example(name: str) -> Any:
    """One shared example payload; the test is skipped, naming the path, when the shared
    material is absent (as the README says; CI sets LEDGERLINK_SHARED)."""
    path = EXAMPLES / name
    if not path.is_file():
        pytest.skip(f"shared Pipedrive material not found at {path} (set LEDGERLINK_SHARED)")
    return json.loads(path.read_text(encoding="utf-8"))


def client_for(emu: PipedriveEmulator, company: Company) -> httpx.Client:
    """An in-process client sending the company's API token as the SDK does."""
    return httpx.Client(transport=emu.transport(), base_url=BASE_URL,
                        headers={"x-api-token": company.api_token})


def refusal(response: httpx.Response, status: int) -> str:
    """Assert Pipedrive's error shape for ``status`` (errors.json) and return the error."""
    assert response.status_code == status
    body = response.json()
    shapes = example("errors.json")
    expected = set(shapes.get(str(status), shapes["404"]))
    assert set(body) == expected
    assert body["success"] is False
    error: str = body["error"]
    return error
