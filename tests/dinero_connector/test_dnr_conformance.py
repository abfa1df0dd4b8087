"""The Dinero connector against the core conformance suite, on the emulator."""

from __future__ import annotations

from pathlib import Path

from dnr_connector_support import build_connector

from ledgerlink.testing.conformance import ConnectorConformance
from ledgerlink_dinero import DineroConnector
from ledgerlink_dinero.emulator import DineroEmulator


class TestDineroConformance(ConnectorConformance):
    """Dinero keeps the connector contract for everything it declares."""

    def make_connector(self, tmp_path: Path) -> DineroConnector:
        return build_connector(DineroEmulator(), tmp_path)
