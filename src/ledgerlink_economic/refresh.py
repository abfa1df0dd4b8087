"""Statuses without one read per invoice: the change feed from the paged collections.

e-conomic has no change feed and booked invoices have no "last updated" filter
[E4]; what changes on them is the ``remainder`` (payments) and, for drafts,
anything. So :meth:`Feed.changes` reads every booked invoice and every draft
from the collections, 1000 a page: ⌈booked / 1000⌉ + ⌈drafts / 1000⌉ requests
for the whole book, whatever the number of invoices ledgerlink follows. Each read
is kept (the last :data:`KEPT_READS`) with the moment it was taken; ``changes(since)``
compares the state now with the read taken at or before ``since`` and reports what
differs, and the ids no longer there (deleted drafts; a booked draft keeps its
provider id, its key). Without such a read (a new connector) every invoice is
reported: more than changed, never less. A draft this connector deleted is reported
deleted even when no read saw it (made and deleted between two reads).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from ledgerlink.connector import Changes
from ledgerlink.domain import RemoteInvoice
from ledgerlink_economic.api import EconomicApi
from ledgerlink_economic.lookup import BOOKED, DRAFTS, Lookup
from ledgerlink_economic.wire import EcoInvoice

__all__ = ["KEPT_READS", "Feed"]

#: Reads kept per connector (the oldest are dropped).
KEPT_READS = 16

State = dict[str, RemoteInvoice]


class Feed:
    """Reads of the collections and the states they found (see the module docs)."""

    def __init__(self, api: EconomicApi, lookup: Lookup) -> None:
        self.api = api
        self.lookup = lookup
        self._lock = threading.Lock()
        self._reads: list[tuple[datetime, State]] = []
        self._deleted: list[tuple[datetime, str]] = []

    def deleted(self, invoice_id: str) -> None:
        """Note a draft this connector deleted."""
        with self._lock:
            self._deleted.append((datetime.now(UTC), invoice_id))

    def current(self) -> State:
        """Every draft and booked invoice now, by provider id (collections omit lines)."""
        state: State = {}
        for path in (DRAFTS, BOOKED):
            for row in self.api.list(path, EcoInvoice, operation=f"list {path}"):
                invoice = self.lookup.remote(row)
                state[invoice.provider_id] = invoice
        return state

    def changes(self, since: datetime) -> Changes:
        """Invoices new or changed since ``since``, and those gone since."""
        until = datetime.now(UTC)
        now = self.current()
        with self._lock:
            earlier = [state for moment, state in self._reads if moment <= since]
            self._reads = [*self._reads, (until, now)][-KEPT_READS:]
            ours = [pid for moment, pid in self._deleted if moment > since and pid not in now]
        before = earlier[-1] if earlier else {}
        changed = tuple(invoice for pid, invoice in now.items() if before.get(pid) != invoice)
        gone = [pid for pid in before if pid not in now]
        return Changes(invoices=changed, deleted=tuple(dict.fromkeys([*gone, *ours])),
                       until=max(until, since.astimezone(UTC)))
