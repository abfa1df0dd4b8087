"""ledgerlink-tally: a ledgerlink connector plugin for Tally, a small JSON book service.

A template to copy for a real provider. Its modules, by role (the same roles,
under the same names, as in ``ledgerlink_quickbooks`` and ``ledgerlink_dinero``):

* :mod:`.settings`: constants (address, limits, sizes);
* :mod:`.wire`: Tally's JSON as attrs classes, and ``WIRE``, the wire format
  every answer is read with (anything malformed becomes a ``ProviderError``);
* :mod:`.faults`: Tally's error bodies read for the HTTP layer;
* :mod:`.api`: :class:`~.api.TallyApi`, the request object: one method per
  request, every answer checked;
* :mod:`.mapping`: ledgerlink's objects to request bodies (the money rule) and
  Tally's invoices back;
* :mod:`.connector`: :class:`TallyConnector`, the connector contract, delegating;
* :mod:`.plugin`: the hook registering ``tally`` (the entry point names it);
* :mod:`.emulator`: :class:`TallyEmulator`, Tally itself for tests, built on
  ``ledgerlink.emulation``.
"""

from __future__ import annotations

from ledgerlink_tally.connector import CAPABILITIES, TallyConnector
from ledgerlink_tally.emulator import DEFAULT_API_KEY, TallyEmulator
from ledgerlink_tally.settings import DEFAULT_URL

__all__ = ["CAPABILITIES", "DEFAULT_API_KEY", "DEFAULT_URL", "TallyConnector", "TallyEmulator"]
