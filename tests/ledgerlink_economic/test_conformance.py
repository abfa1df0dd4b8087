"""The e-conomic connector against the core conformance suite, on the emulator."""

from __future__ import annotations

from pathlib import Path

import httpx

from ledgerlink.testing.conformance import ConnectorConformance
from ledgerlink_economic import EconomicConnector
from ledgerlink_economic.emulator import EconomicEmulator
from tests.ledgerlink_economic.support import build_connector


class TestEconomicConformance(ConnectorConformance):
    """e-conomic keeps the connector contract for everything it declares."""

    http = True

    def make_connector(self, tmp_path: Path) -> EconomicConnector:
        return build_connector(EconomicEmulator(), tmp_path)

    def make_connector_on(self, tmp_path: Path,
                          transport: httpx.BaseTransport) -> EconomicConnector:
        """A connector on a fresh agreement, sending every request through ``transport``."""
        return build_connector(EconomicEmulator(), tmp_path, transport=transport)
