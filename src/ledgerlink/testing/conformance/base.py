"""Internal: what every part of the conformance suite shares: the author's hooks and the helpers.

An author's subclass of :class:`~ledgerlink.testing.conformance.ConnectorConformance`
fills in the hooks below; the test classes of the other modules only call them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar, Literal

import httpx
import pytest

from ledgerlink.connector import Capability, Connector
from ledgerlink.domain import Customer, InvoiceDraft, InvoiceLine, RemoteInvoice
from ledgerlink.errors import CapabilityError
from ledgerlink.money import EXACT, round_money
from ledgerlink.testing.factories import make_customer, make_invoice_draft

__all__ = ["SuiteBase", "running_number"]


def running_number(number: str | None) -> int:
    """The running part of an invoice number (``"2024-0042"`` → 42)."""
    found = re.search(r"(\d+)\D*$", number or "")
    assert found, f"invoice number {number!r} has no running number"
    return int(found.group(1))


class SuiteBase:
    """The hooks a connector author implements, and helpers the tests share.

    Required:

    * :meth:`make_connector` (or an override of the ``connector`` fixture);
    * :attr:`http`: ``True`` for a connector that talks HTTP through httpx, which
      then implements :meth:`make_connector_on`; ``False`` for one that does not
      (an in-process book). Leaving it unset fails the test that needs it.

    Optional:

    * :meth:`delivered`: whether the provider (an emulator) delivered an invoice
      to an address; required when the connector reports ``sent=None``.
    * :attr:`vat_rounding`: ``"per_line"`` for a provider that computes the
      totals itself and rounds VAT on each line (Dinero) instead of once per rate.
    """

    #: Whether the connector talks HTTP (through an httpx transport); must be set.
    http: ClassVar[bool | None] = None
    #: How the provider rounds VAT: once per rate on the sum of the rounded lines
    #: (ledgerlink's rule, EN 16931), or on each rounded line (a provider that
    #: computes totals itself that way). Lines are rounded before VAT either way.
    vat_rounding: ClassVar[Literal["per_rate", "per_line"]] = "per_rate"

    def make_connector(self, tmp_path: Path) -> Connector:
        """A fresh connector to test; ``tmp_path`` is a private directory for its files."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement make_connector(tmp_path) "
            "or override the connector fixture"
        )

    def make_connector_on(self, tmp_path: Path, transport: httpx.BaseTransport) -> Connector:
        """A fresh connector whose every request goes through ``transport`` (``http = True``).

        Connect it (tokens, account ids) however the emulator needs beforehand:
        once built, it must make every request through ``transport``, which the
        suite makes answer nonsense. Building it must not call the provider.
        """
        raise NotImplementedError(
            f"{type(self).__name__} declares http = True and must implement "
            "make_connector_on(tmp_path, transport)"
        )

    def delivered(self, connector: Connector, provider_id: str, email: str) -> bool:
        """Whether the provider emailed invoice ``provider_id`` to ``email``.

        Implement it by asking the emulator (its outbox). Required when the
        connector reports ``RemoteInvoice.sent`` as ``None`` (it cannot tell);
        when implemented it is checked even where ``sent`` is True.
        """
        raise NotImplementedError

    @pytest.fixture
    def connector(self, tmp_path: Path) -> Iterator[Connector]:
        """A fresh connector from :meth:`make_connector`, closed after the test."""
        made = self.make_connector(tmp_path)
        try:
            yield made
        finally:
            made.close()

    # --- helpers (not tests) ----------------------------------------------------------

    @staticmethod
    def new_customer(connector: Connector, **fields: Any) -> tuple[Customer, str]:
        """Create a fresh customer; return it and the provider's id."""
        customer = make_customer(**fields)
        return customer, connector.create_customer(customer)

    @staticmethod
    def new_draft(customer: Customer, *lines: InvoiceLine, **fields: Any) -> InvoiceDraft:
        """A draft for ``customer`` with ``lines`` (one plain line when none are given)."""
        return make_invoice_draft(customer=customer, lines=lines or None, **fields)

    def new_invoice(
        self, connector: Connector, *lines: InvoiceLine, **fields: Any
    ) -> RemoteInvoice:
        """Create an invoice for a fresh customer, as ``create_invoice`` leaves it."""
        customer, ref = self.new_customer(connector)
        return connector.create_invoice(self.new_draft(customer, *lines, **fields), ref, {})

    def new_booked(self, connector: Connector, **fields: Any) -> RemoteInvoice:
        """Create and book an invoice (creating books it already without DRAFTS)."""
        invoice = self.new_invoice(connector, **fields)
        return invoice if invoice.booked else connector.book(invoice.provider_id)

    def assert_refused(
        self, connector: Connector, capability: Capability, call: Callable[[str], object]
    ) -> None:
        """Assert that ``call(invoice id)`` raises CapabilityError naming ``capability``."""
        invoice = self.new_invoice(connector)
        with pytest.raises(CapabilityError) as caught:
            call(invoice.provider_id)
        assert caught.value.capability == capability.value

    @staticmethod
    def replace_nothing(connector: Connector) -> Callable[[str], object]:
        """``replace_lines`` removing nothing, as a call on an invoice id."""
        return lambda provider_id: connector.replace_lines(provider_id, "k", [], {})

    def drafts_and_booking(self, connector: Connector) -> bool:
        """True with both DRAFTS and BOOKING; otherwise assert the missing one is refused."""
        caps = connector.capabilities
        if Capability.DRAFTS not in caps:
            self.assert_refused(connector, Capability.DRAFTS, self.replace_nothing(connector))
            return False
        if Capability.BOOKING not in caps:
            self.assert_refused(connector, Capability.BOOKING, connector.book)
            return False
        return True

    @staticmethod
    def can_book(connector: Connector) -> bool:
        """Whether invoices end up booked: BOOKING, or no drafts at all."""
        caps = connector.capabilities
        return Capability.BOOKING in caps or Capability.DRAFTS not in caps

    def expected_total(self, lines: Sequence[InvoiceLine], currency: str) -> Decimal:
        """The gross total of ``lines`` by the rule written out (see :attr:`vat_rounding`):
        each line rounded to the currency's minor unit, VAT rounded once per rate on
        the rounded lines' sum, or once per rounded line."""
        bases: dict[Decimal, Decimal] = {}
        vat = Decimal(0)
        for line in lines:
            amount = round_money(EXACT.multiply(line.quantity, line.unit_price), currency)
            bases[line.vat_rate] = bases.get(line.vat_rate, Decimal(0)) + amount
            if self.vat_rounding == "per_line":
                vat += round_money(EXACT.multiply(amount, line.vat_rate) / 100, currency)
        if self.vat_rounding == "per_rate":
            vat = sum((round_money(EXACT.multiply(base, rate) / 100, currency)
                       for rate, base in bases.items()), Decimal(0))
        return sum(bases.values(), Decimal(0)) + vat

    @staticmethod
    def live(invoices: Iterator[RemoteInvoice]) -> list[RemoteInvoice]:
        """The invoices that are not deleted."""
        return [invoice for invoice in invoices if not invoice.deleted]

    @staticmethod
    def today() -> date:
        """The date statuses are read on."""
        return date.today()
