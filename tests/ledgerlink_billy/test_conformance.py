"""The Billy connector against the core conformance suite, on the emulator."""

from __future__ import annotations

from pathlib import Path

import httpx

from ledgerlink.testing.conformance import ConnectorConformance
from ledgerlink_billy import BillyConnector
from ledgerlink_billy.emulator import BillyEmulator
from tests.ledgerlink_billy.support import build_connector


class TestBillyConformance(ConnectorConformance):
    """Billy keeps the connector contract for everything it declares."""

    http = True
    # Billy rounds each line's amount and tax to øre and sums the lines' tax.
    vat_rounding = "per_line"

    def make_connector(self, tmp_path: Path) -> BillyConnector:
        return build_connector(BillyEmulator(), tmp_path)

    def make_connector_on(self, tmp_path: Path, transport: httpx.BaseTransport) -> BillyConnector:
        """A connector on a fresh company, sending every request through ``transport``."""
        return build_connector(BillyEmulator(), tmp_path, transport=transport)
