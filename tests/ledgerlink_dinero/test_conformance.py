"""The Dinero connector against the core conformance suite, on the emulator."""

from __future__ import annotations

from pathlib import Path

import httpx

from ledgerlink.testing.conformance import ConnectorConformance
from ledgerlink_dinero import DineroConnector
from ledgerlink_dinero.emulator import DineroEmulator
from tests.ledgerlink_dinero.support import build_connector


class TestDineroConformance(ConnectorConformance):
    """Dinero keeps the connector contract for everything it declares."""

    http = True
    # Dinero computes the totals itself and rounds VAT on each rounded line
    # (ledgerlink_dinero.totals); the lines are still rounded before VAT.
    vat_rounding = "per_line"

    def make_connector(self, tmp_path: Path) -> DineroConnector:
        return build_connector(DineroEmulator(), tmp_path)

    def make_connector_on(self, tmp_path: Path, transport: httpx.BaseTransport) -> DineroConnector:
        """A connector on an organisation connected through the emulator, then sending
        every request through ``transport``."""
        return build_connector(DineroEmulator(), tmp_path, transport=transport)
