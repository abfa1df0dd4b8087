"""Dinero (Visma Dinero, Denmark) support for ledgerlink.

* :class:`DineroConnector` (:mod:`.connector`, registered as ``dinero`` by
  :mod:`.plugin`): the connector contract on Dinero's public API, delegating to
  helpers that receive the request object :class:`.api.DineroApi`:
  :mod:`.customers`, :mod:`.products`, :mod:`.invoices`, :mod:`.lookup`,
  :mod:`.credits`, :mod:`.changefeed`; with :mod:`.keys` (our GUIDs,
  ExternalReference, line tags), :mod:`.mapping` (domain ↔ Dinero shapes, VAT
  by account) and :mod:`.totals`;
* :mod:`.emulator`: a stateful Dinero API emulator, in-process or on 127.0.0.1;
* :mod:`.settings`, :mod:`.faults`, :mod:`.wire`, :mod:`.statuses`,
  :mod:`.queries`, :mod:`.contract`: hosts and limits, the error parser, the
  JSON shapes and their wire format, status derivation, safe ``queryFilter``
  expressions and the check of requests against the official endpoint matrix.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledgerlink.lazyattrs import lazy_attributes

if TYPE_CHECKING:
    from ledgerlink_dinero.connector import CAPABILITIES, DineroConnector

__all__ = ["CAPABILITIES", "DineroConnector"]

# Imported on first use: the plugin entry point imports this package, and the
# command line must start without loading the connector (HTTP client, wire formats).
__getattr__ = lazy_attributes(__name__, {
    "CAPABILITIES": "ledgerlink_dinero.connector",
    "DineroConnector": "ledgerlink_dinero.connector",
})
