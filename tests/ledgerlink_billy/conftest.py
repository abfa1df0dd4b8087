"""Set-up for the Billy connector tests: retries without waits, a fresh emulator company."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ledgerlink_billy import BillyConnector
from ledgerlink_billy.emulator import BillyEmulator
from tests.ledgerlink_billy.support import build_connector


@pytest.fixture(autouse=True)
def _no_retry_waits(ledgerlink_no_retry_waits: None) -> None:
    """Retries run at once in every test here (the ledgerlink pytest plugin's fixture)."""


@pytest.fixture
def emulator() -> BillyEmulator:
    """A fresh emulator."""
    return BillyEmulator()


@pytest.fixture
def billy(emulator: BillyEmulator, tmp_path: Path) -> Iterator[BillyConnector]:
    """A connector on a fresh company, closed after the test."""
    connector = build_connector(emulator, tmp_path)
    try:
        yield connector
    finally:
        connector.close()
