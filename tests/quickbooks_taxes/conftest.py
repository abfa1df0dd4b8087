"""Fixtures for the connector-side tax and credit helpers: an emulated VAT company."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from taxes_support import REALM, Company

from ledgerlink_quickbooks.emulator import EmulatorTransport, QuickBooksEmulator


@pytest.fixture
def company() -> Iterator[Company]:
    """A signed-in client of a fresh emulated company."""
    emulator = QuickBooksEmulator()
    tokens = emulator.connect(REALM)
    headers = {"Authorization": f"Bearer {tokens['access_token']}",
               "Content-Type": "application/json"}
    with httpx.Client(transport=EmulatorTransport(emulator), base_url="https://qbo.test",
                      headers=headers, params={"minorversion": "75"}) as http:
        yield Company(http, emulator)
