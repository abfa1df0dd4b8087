"""Billy (Billy's Billing, Denmark) support for ledgerlink.

* :class:`BillyConnector` (:mod:`.connector`, registered as ``billy`` by
  :mod:`.plugin`): the connector contract on Billy's API v2, delegating to
  helpers that receive the request object :class:`.api.BillyApi`:
  :mod:`.customers`, :mod:`.products` (with :mod:`.vat`), :mod:`.invoices`,
  :mod:`.lookup`, :mod:`.credits`, :mod:`.changefeed`; with :mod:`.mapping`
  (domain ↔ Billy shapes) and :mod:`.statuses`;
* :mod:`.emulator`: a stateful Billy API emulator, in-process or on 127.0.0.1;
* :mod:`.settings`, :mod:`.faults`, :mod:`.wire`, :mod:`.cli`: host and limits,
  the error reader, the JSON shapes and ``ledgerlink billy connect|status|disconnect``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledgerlink.lazyattrs import lazy_attributes

if TYPE_CHECKING:
    from ledgerlink_billy.connector import CAPABILITIES, BillyConnector

__all__ = ["CAPABILITIES", "BillyConnector"]

# Imported on first use: the plugin entry point imports this package, and the
# command line must start without loading the connector.
__getattr__ = lazy_attributes(__name__, {
    "CAPABILITIES": "ledgerlink_billy.connector",
    "BillyConnector": "ledgerlink_billy.connector",
})
