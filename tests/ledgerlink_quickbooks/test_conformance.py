"""The QuickBooks connector against the core conformance suite, on the emulator."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import httpx

from ledgerlink.testing.conformance import ConnectorConformance
from ledgerlink_quickbooks import QuickBooksConnector, doc_number
from ledgerlink_quickbooks.emulator import QuickBooksEmulator
from tests.ledgerlink_quickbooks.support import build_connector


class TestQuickBooksConformance(ConnectorConformance):
    """QuickBooks keeps the connector contract for everything it declares."""

    http = True
    #: Options of every connector a test of this class builds.
    options: ClassVar[dict[str, bool]] = {}

    def make_connector(self, tmp_path: Path) -> QuickBooksConnector:
        return build_connector(QuickBooksEmulator(), tmp_path, **self.options)

    def make_connector_on(self, tmp_path: Path,
                          transport: httpx.BaseTransport) -> QuickBooksConnector:
        """A connector on a realm connected through the emulator, then sending every
        request through ``transport``."""
        return build_connector(QuickBooksEmulator(), tmp_path, transport=transport,
                               **self.options)

    # One inherited test assumes a running number sequence; QuickBooks numbers are the
    # DocNumbers derived from the keys instead, and this test says so.

    def test_booking_numbers_are_gapless_and_increasing(
        self, connector: QuickBooksConnector
    ) -> None:
        """Invoice numbers are the DocNumbers derived from the keys, not a running sequence."""
        booked = [self.new_booked(connector) for _ in range(3)]
        assert [b.number for b in booked] == [doc_number(b.key or "") for b in booked]
        assert len({b.number for b in booked}) == 3


class TestQuickBooksDraftsConformance(TestQuickBooksConformance):
    """With ``drafts=True`` (DRAFTS and BOOKING on open invoices) the contract holds too."""

    options: ClassVar[dict[str, bool]] = {"drafts": True}


class TestQuickBooksCustomerUpdatesConformance(TestQuickBooksConformance):
    """With ``update_customers=True`` (CUSTOMER_UPDATES) the contract holds too."""

    options: ClassVar[dict[str, bool]] = {"update_customers": True}
