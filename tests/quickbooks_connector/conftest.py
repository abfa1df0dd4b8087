"""Set-up for the QuickBooks connector tests: an emulator realm, connected by OAuth code exchange.

Nothing leaves the process: the connector talks to the emulator through its
in-process httpx transport. stamina's waits are off, so retries cost no time.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from qbo_connector_support import build_connector

from ledgerlink_quickbooks import QuickBooksConnector
from ledgerlink_quickbooks.emulator import QuickBooksEmulator


@pytest.fixture(autouse=True)
def _no_retry_waits(ledgerlink_no_retry_waits: None) -> None:
    """Retries run at once in every test here (the ledgerlink pytest plugin's fixture)."""


@pytest.fixture
def emulator() -> QuickBooksEmulator:
    """A fresh emulator."""
    return QuickBooksEmulator()


@pytest.fixture
def qbo(emulator: QuickBooksEmulator, tmp_path: Path) -> Iterator[QuickBooksConnector]:
    """A connector on a fresh realm with a default item, closed after the test."""
    connector = build_connector(emulator, tmp_path)
    try:
        yield connector
    finally:
        connector.close()
