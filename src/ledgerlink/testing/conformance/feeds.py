"""Internal: conformance rules for reading changes back: the change feed and customer updates."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import attrs
import pytest

from ledgerlink.connector import Capability, Connector
from ledgerlink.errors import CapabilityError
from ledgerlink.status import InvoiceStatus
from ledgerlink.testing.conformance.base import SuiteBase

__all__ = ["FeedRules"]


class FeedRules(SuiteBase):
    """What changed at the provider is reported, once; linked customers are kept current."""

    def test_change_feed(self, connector: Connector) -> None:
        """changes(since) reports each invoice changed since then as it is now, and moves on.

        An invoice created, one paid, one voided and one deleted after a first
        read all appear in a read from its ``until`` (the deleted one by id, or
        flagged), with their statuses now. ``until`` moves forward with the
        provider's clock, and a read from an ``until`` taken after the changes
        reports none of them again. (A read from exactly the ``until`` of the
        read that reported them may repeat changes made in the same tick of a
        provider's clock: QuickBooks stamps whole seconds, and repeating a change
        is harmless where missing one is not.)
        """
        if Capability.CHANGE_FEED not in connector.capabilities:
            self.assert_refused(connector, Capability.CHANGE_FEED,
                                lambda _: connector.changes(datetime.now(UTC)))
            return
        caps = connector.capabilities
        start = connector.changes(datetime.now(UTC) - timedelta(hours=1)).until
        created = self.new_invoice(connector)
        expected = {created.provider_id: created.status(self.today())}
        if Capability.PAYMENTS in caps and self.can_book(connector):
            paid = self.new_booked(connector)
            connector.register_payment(paid.provider_id, paid.total, paid.issue_date)
            expected[paid.provider_id] = InvoiceStatus.PAID
        if Capability.VOID in caps and self.can_book(connector):
            voided = self.new_booked(connector)
            connector.void(voided.provider_id)
            expected[voided.provider_id] = InvoiceStatus.VOID
        deleted = None
        if Capability.DELETE in caps:
            deleted = self.new_invoice(connector).provider_id
            connector.delete(deleted)

        first = connector.changes(start)
        assert first.until >= start
        reported = {invoice.provider_id: invoice for invoice in first.invoices}
        for provider_id, status in expected.items():
            assert provider_id in reported, f"changes() misses invoice {provider_id}"
            assert reported[provider_id].status(self.today()) == status, provider_id
        if deleted is not None:
            assert deleted in first.deleted or reported[deleted].deleted

        later, deadline = first, time.monotonic() + 5
        while later.until <= first.until:
            assert time.monotonic() < deadline, "until does not move forward with time"
            time.sleep(0.05)
            later = connector.changes(first.until)
        again = connector.changes(later.until)
        made = {*expected, *([deleted] if deleted else [])}
        repeated = made & {*(i.provider_id for i in again.invoices), *again.deleted}
        assert not repeated, f"changes() reports old changes again: {sorted(repeated)}"

    def test_customer_updates(self, connector: Connector) -> None:
        """With CUSTOMER_UPDATES a changed e-mail and address are written once; then
        nothing is left to change. Without it the call is refused."""
        customer, ref = self.new_customer(connector, email="before@example.com")
        moved = attrs.evolve(customer, email="after@example.com",
                             address=attrs.evolve(customer.address, street="2 New Street"))
        if Capability.CUSTOMER_UPDATES not in connector.capabilities:
            with pytest.raises(CapabilityError) as caught:
                connector.update_customer(ref, moved)
            assert caught.value.capability == Capability.CUSTOMER_UPDATES.value
            return
        assert connector.update_customer(ref, moved) is True
        assert connector.update_customer(ref, moved) is False
        assert connector.find_customer(moved) == ref
