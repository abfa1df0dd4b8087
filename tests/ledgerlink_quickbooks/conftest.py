"""Set-up for the QuickBooks connector tests.

The connector talks to an emulator realm, connected by OAuth code exchange,
through its in-process httpx transport: nothing leaves the process. stamina's
waits are off, so retries cost no time. The official examples are read from
the shared provider material (skipped, with the path, when it is absent).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from ledgerlink_quickbooks import QuickBooksConnector
from ledgerlink_quickbooks.emulator import EmulatorTransport, QuickBooksEmulator
from tests.ledgerlink_quickbooks.support import build_connector
from tests.ledgerlink_quickbooks.taxes_support import REALM, Company
from tests.paths import SHARED

EXAMPLES = SHARED / "providers" / "quickbooks" / "examples"


@pytest.fixture(autouse=True)
def _no_retry_waits(ledgerlink_no_retry_waits: None) -> None:
    """Retries run at once in every test here (the ledgerlink pytest plugin's fixture)."""


@pytest.fixture
def emulator() -> QuickBooksEmulator:
    """A fresh emulator."""
    return QuickBooksEmulator()


@pytest.fixture
def quickbooks(emulator: QuickBooksEmulator, tmp_path: Path) -> Iterator[QuickBooksConnector]:
    """A connector on a fresh realm with a default item, closed after the test."""
    connector = build_connector(emulator, tmp_path)
    try:
        yield connector
    finally:
        connector.close()


@pytest.fixture
def quickbooks_example() -> Any:
    """Load an official QuickBooks example by relative path; skip when the material is absent."""

    def load(relative: str) -> Any:
        path = EXAMPLES / relative
        if not path.exists():
            pytest.skip(f"official QuickBooks material not found at {path} (set LEDGERLINK_SHARED)")
        return json.loads(path.read_text(), parse_float=Decimal)

    return load


@pytest.fixture
def company() -> Iterator[Company]:
    """A signed-in client of a fresh emulated VAT company."""
    emulator = QuickBooksEmulator()
    tokens = emulator.connect(REALM)
    headers = {"Authorization": f"Bearer {tokens['access_token']}",
               "Content-Type": "application/json"}
    with httpx.Client(transport=EmulatorTransport(emulator), base_url="https://qbo.test",
                      headers=headers, params={"minorversion": "75"}) as http:
        yield Company(http, emulator)
