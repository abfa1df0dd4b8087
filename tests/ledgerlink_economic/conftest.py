"""Set-up for the e-conomic connector tests: retries without waits, a fresh emulator."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ledgerlink_economic import EconomicConnector
from ledgerlink_economic.emulator import Agreement, EconomicEmulator
from tests.ledgerlink_economic.support import build_connector, prepare_agreement


@pytest.fixture(autouse=True)
def _no_retry_waits(ledgerlink_no_retry_waits: None) -> None:
    """Retries run at once in every test here (the ledgerlink pytest plugin's fixture)."""


@pytest.fixture
def emulator() -> EconomicEmulator:
    """A fresh emulator."""
    return EconomicEmulator()


@pytest.fixture
def agreement(emulator: EconomicEmulator) -> Agreement:
    """A prepared agreement (product groups and products per VAT rate)."""
    return prepare_agreement(emulator)


@pytest.fixture
def economic(emulator: EconomicEmulator, agreement: Agreement,
             tmp_path: Path) -> Iterator[EconomicConnector]:
    """A connector on the prepared agreement, closed after the test."""
    connector = build_connector(emulator, tmp_path, agreement=agreement)
    try:
        yield connector
    finally:
        connector.close()
