"""The connector conformance suite: the Connector contract, as tests.

A connector author subclasses :class:`ConnectorConformance` in their own test
suite, says how to build a fresh connector, and whether it talks HTTP::

    from ledgerlink.testing.conformance import ConnectorConformance

    class TestFikenConformance(ConnectorConformance):
        http = True

        def make_connector(self, tmp_path):
            return FikenConnector(transport=FikenEmulator().transport())

        def make_connector_on(self, tmp_path, transport):
            return FikenConnector(transport=transport)

Hooks (see :class:`~ledgerlink.testing.conformance.base.SuiteBase`):

* ``make_connector(tmp_path)``: required (or override the ``connector`` fixture);
* ``http``: required; ``True`` with ``make_connector_on(tmp_path, transport)``
  (the suite answers every request through ``transport`` with nonsense and
  requires :class:`~ledgerlink.errors.ProviderError`), ``False`` for a connector
  that makes no HTTP requests (checked, not skipped);
* ``delivered(connector, provider_id, email) -> bool``: whether the provider
  emailed the invoice to ``email``; required when the connector reports
  ``RemoteInvoice.sent`` as ``None``.

Every test adapts to the capabilities the connector declares. A declared
capability must work as :mod:`ledgerlink.connector` says; calling an
undeclared one must raise :class:`~ledgerlink.errors.CapabilityError` naming
it. Nothing is skipped: a declaration that does not match the behaviour fails.

Tests create their own customers with fresh ids, so they can run against a
persistent test account as well as against an emulator. The rules live in
parts, one module each: :mod:`.invoices` (customers, products, creating
invoices), :mod:`.lifecycle` (lines, booking, sending, ending, payments),
:mod:`.feeds` (change feed, customer updates) and :mod:`.robustness`
(threads, malformed answers).
"""

from __future__ import annotations

from ledgerlink.testing.conformance.base import SuiteBase
from ledgerlink.testing.conformance.feeds import FeedRules
from ledgerlink.testing.conformance.invoices import (
    AWKWARD_LINES,
    ROUNDING_LINES,
    InvoiceRules,
    PartyRules,
)
from ledgerlink.testing.conformance.lifecycle import (
    BookingRules,
    DeliveryRules,
    EndingRules,
    SettlementRules,
)
from ledgerlink.testing.conformance.robustness import GARBAGE, GarbageTransport, RobustnessRules

__all__ = [
    "AWKWARD_LINES",
    "GARBAGE",
    "ROUNDING_LINES",
    "ConnectorConformance",
    "GarbageTransport",
    "SuiteBase",
]


class ConnectorConformance(
    PartyRules, InvoiceRules, BookingRules, DeliveryRules, EndingRules, SettlementRules,
    FeedRules, RobustnessRules,
):
    """Tests every connector must pass; subclass, set ``http`` and implement
    :meth:`make_connector` (and :meth:`make_connector_on` when ``http = True``).

    Override the ``connector`` fixture instead of :meth:`make_connector` when
    building a connector needs other fixtures.
    """
