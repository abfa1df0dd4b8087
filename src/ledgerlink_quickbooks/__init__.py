"""QuickBooks Online support for ledgerlink.

* :class:`QuickBooksConnector` (:mod:`.connector`): the ``quickbooks``
  connector, registered through the ``ledgerlink`` entry point (:mod:`.plugin`);
* :class:`~.api.QuickBooksApi` (:mod:`.api`): every request the connector makes and
  every answer checked; the helpers by role receive it — :mod:`.customers`,
  :mod:`.products`, :mod:`.mapping`, :mod:`.lookup`, :mod:`.drafts`, :mod:`.batch`,
  :mod:`.credits`, :mod:`.changefeed`, :mod:`.taxes`, :mod:`.replays`;
* :mod:`.webhooks`, :mod:`.intake`: verified webhook deliveries as status refreshes;
* :mod:`.emulator`: a stateful QuickBooks Online emulator, in-process or on
  127.0.0.1, for offline tests of the connector and of users' integrations;
* :mod:`.settings`, :mod:`.faults`, :mod:`.queries`, :mod:`.statuses`,
  :mod:`.webhooks`, :mod:`.wire`: hosts and limits, the error parser, safe
  queries, status derivation, webhook signatures and the JSON shapes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledgerlink.lazyattrs import lazy_attributes

if TYPE_CHECKING:
    from ledgerlink_quickbooks.connector import (
        CAPABILITIES,
        QuickBooksConnector,
        doc_number,
        request_id,
    )

__all__ = ["CAPABILITIES", "QuickBooksConnector", "doc_number", "request_id"]

# Imported on first use: the plugin entry point imports this package, and the
# command line must start without loading the connector (HTTP client, wire formats).
__getattr__ = lazy_attributes(__name__, {
    "CAPABILITIES": "ledgerlink_quickbooks.connector",
    "QuickBooksConnector": "ledgerlink_quickbooks.connector",
    "doc_number": "ledgerlink_quickbooks.connector",
    "request_id": "ledgerlink_quickbooks.connector",
})
