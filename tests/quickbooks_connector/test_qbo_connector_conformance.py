"""The QuickBooks connector against the core conformance suite, on the emulator."""

from __future__ import annotations

from pathlib import Path

from qbo_connector_support import build_connector

from ledgerlink.testing.conformance import AWKWARD_LINES, ConnectorConformance
from ledgerlink.testing.factories import make_invoice_line
from ledgerlink_quickbooks import QuickBooksConnector, doc_number
from ledgerlink_quickbooks.emulator import QuickBooksEmulator


class TestQuickBooksConformance(ConnectorConformance):
    """QuickBooks keeps the connector contract for everything it declares."""

    def make_connector(self, tmp_path: Path) -> QuickBooksConnector:
        return build_connector(QuickBooksEmulator(), tmp_path)

    # Two inherited tests assume things QuickBooks (v1, on the emulator) does not do;
    # they are replaced by what QuickBooks does instead, and reported as such.

    def test_totals_follow_the_rounding_rules(self, connector: QuickBooksConnector) -> None:
        """QuickBooks totals the once-rounded line amounts; no VAT, as tax codes are not mapped."""
        customer, ref = self.new_customer(connector)
        draft = self.new_draft(customer, *(make_invoice_line(*spec) for spec in AWKWARD_LINES))
        created = connector.create_invoice(draft, ref, {})
        assert created.total == draft.net.amount
        assert connector.get_invoice(created.provider_id).total == draft.net.amount

    def test_booking_numbers_are_gapless_and_increasing(
        self, connector: QuickBooksConnector
    ) -> None:
        """Invoice numbers are the DocNumbers derived from the keys, not a running sequence."""
        booked = [self.new_booked(connector) for _ in range(3)]
        assert [b.number for b in booked] == [doc_number(b.key or "") for b in booked]
        assert len({b.number for b in booked}) == 3
