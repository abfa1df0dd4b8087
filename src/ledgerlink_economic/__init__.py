"""Visma e-conomic support for ledgerlink.

* :class:`EconomicConnector` (:mod:`.connector`, registered as ``economic`` by
  :mod:`.plugin`): the connector contract on e-conomic's REST API, delegating to
  helpers on the request object :class:`.api.EconomicApi`: :mod:`.agreement`
  (the agreement's settings), :mod:`.customers`, :mod:`.products`,
  :mod:`.invoices`, :mod:`.lookup`, :mod:`.credits`; with :mod:`.mapping`
  (domain ↔ e-conomic shapes) and :mod:`.statuses`;
* :mod:`.emulator`: a stateful e-conomic REST API emulator, in-process or on 127.0.0.1;
* :mod:`.settings`, :mod:`.connection`, :mod:`.budget`, :mod:`.faults`, :mod:`.wire`,
  :mod:`.webhook`, :mod:`.refresh`, :mod:`.cli`: hosts and limits, the two tokens, the
  bucket and fair-use day, the error reader, the JSON shapes, the INVOICE_BOOKED intake,
  paged status reads and ``ledgerlink economic connect|status|disconnect``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledgerlink.lazyattrs import lazy_attributes

if TYPE_CHECKING:
    from ledgerlink_economic.connector import CAPABILITIES, EconomicConnector

__all__ = ["CAPABILITIES", "EconomicConnector"]

# Imported on first use: the plugin entry point imports this package, and the
# command line must start without loading the connector.
__getattr__ = lazy_attributes(__name__, {
    "CAPABILITIES": "ledgerlink_economic.connector",
    "EconomicConnector": "ledgerlink_economic.connector",
})
