"""Fixtures for the QuickBooks emulator tests: a fake clock, an emulator, a signed-in client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ledgerlink_quickbooks.emulator import EmulatorTransport, QuickBooksEmulator
from tests.ledgerlink_quickbooks.emulator.support import BASE_URL, REALM, FakeClock


@pytest.fixture
def clock() -> FakeClock:
    """A hand-moved clock."""
    return FakeClock()


@pytest.fixture
def emulator(clock: FakeClock) -> QuickBooksEmulator:
    """An emulator with one realm, on the fake clock."""
    emulator = QuickBooksEmulator(clock=clock, sleep=clock.sleep)
    emulator.add_realm(REALM)
    return emulator


@pytest.fixture
def client(emulator: QuickBooksEmulator) -> Iterator[httpx.Client]:
    """An httpx client signed in to the test realm through the in-process transport."""
    tokens = emulator.connect(REALM)
    headers = {"Authorization": f"Bearer {tokens['access_token']}", "Accept": "application/json"}
    with httpx.Client(
        transport=EmulatorTransport(emulator),
        base_url=BASE_URL,
        headers=headers,
        params={"minorversion": "75"},
    ) as http:
        yield http


@pytest.fixture
def seeded(emulator: QuickBooksEmulator) -> dict[str, Any]:
    """A USD customer, a EUR customer and a service item in the test realm."""
    return {
        "customer": emulator.seed(
            REALM,
            "Customer",
            {
                "DisplayName": "Amy's Bird Sanctuary",
                "PrimaryEmailAddr": {"Address": "amy@example.com"},
            },
        ),
        "eur_customer": emulator.seed(
            REALM,
            "Customer",
            {
                "DisplayName": "Café Europa",
                "CurrencyRef": {"value": "EUR"},
            },
        ),
        "item": emulator.seed(REALM, "Item", {"Name": "Services", "UnitPrice": 50}),
    }
