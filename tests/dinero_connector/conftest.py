"""Set-up for the Dinero connector tests: an emulator organisation, connected by code exchange.

Nothing leaves the process: the connector talks to the emulator through its
in-process httpx transport. stamina's waits are off, so retries cost no time.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from dnr_connector_support import build_connector

from ledgerlink_dinero import DineroConnector
from ledgerlink_dinero.emulator import DineroEmulator


@pytest.fixture(autouse=True)
def _no_retry_waits(ledgerlink_no_retry_waits: None) -> None:
    """Retries run at once in every test here (the ledgerlink pytest plugin's fixture)."""


@pytest.fixture
def emulator() -> DineroEmulator:
    """A fresh emulator (real clock: the change feed compares moments)."""
    return DineroEmulator()


@pytest.fixture
def dinero(emulator: DineroEmulator, tmp_path: Path) -> Iterator[DineroConnector]:
    """A connector on a fresh organisation, closed after the test."""
    connector = build_connector(emulator, tmp_path)
    try:
        yield connector
    finally:
        connector.close()
