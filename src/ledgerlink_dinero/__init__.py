"""Dinero (Visma Dinero, Denmark) support for ledgerlink.

* :class:`DineroConnector` (:mod:`.connector`, registered as ``dinero`` by
  :mod:`.plugin`): the connector contract on Dinero's public API, with
  :mod:`.keys` (our GUIDs, ExternalReference, line tags), :mod:`.mapping`
  (domain ↔ Dinero shapes, VAT by account), :mod:`.credits` and
  :mod:`.changefeed`;
* :mod:`.emulator`: a stateful Dinero API emulator, in-process or on 127.0.0.1;
* :mod:`.settings`, :mod:`.faults`, :mod:`.wire`, :mod:`.statuses`,
  :mod:`.queries`, :mod:`.contract`: hosts and limits, the error parser, the
  JSON shapes, status derivation, safe ``queryFilter`` expressions and the
  check of requests against the official endpoint matrix.
"""

from ledgerlink_dinero.connector import CAPABILITIES, DineroConnector

__all__ = ["CAPABILITIES", "DineroConnector"]
