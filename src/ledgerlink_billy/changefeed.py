"""Status refresh without a read per invoice: the invoice list, compared with the last one.

Billy has no change feed, no webhooks and no "changed since" filter: the
invoice list filters by state, payment, dates of entry, due and approval,
contact and key, but by no modification time [B1]. An invoice's status moves
through approval (``minApprovedTime`` would catch that), payments (no time
filter) and a person deleting a draft (nothing lists deletions). So the cheapest
complete way is the whole list, 1000 a page with lines embedded:
⌈N / 1000⌉ requests for N invoices, whatever changed.

What changed is then told here: each read keeps a fingerprint of every
invoice (the facts a status or a domain answer comes from) under the moment it
started (``until``). ``changes(since)`` compares the list with the fingerprint
kept at ``since`` (or the latest one before it): new invoices and changed ones
are reported, and those gone (deleted drafts) are reported deleted. Without a
fingerprint from before ``since`` (a new process, or the first call) every
invoice is reported as it is now: complete, at the price of repeats, which the
refresh reads as "no change". Drafts this connector deleted are reported too
(also one made and deleted between two reads); a deletion in Billy's app before
the first read cannot be told and is noticed when the invoice is next read
(NotFoundError).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from ledgerlink.connector import Changes
from ledgerlink.domain import RemoteInvoice
from ledgerlink_billy.api import BillyApi
from ledgerlink_billy.lookup import EMBED_LINES
from ledgerlink_billy.mapping import remote_invoice
from ledgerlink_billy.wire import BillyInvoice

__all__ = ["ChangeFeed"]

#: Fingerprints kept per connector (one per read; the oldest are dropped).
KEPT_READS = 16


class ChangeFeed:
    """Reads of the invoice list and the fingerprints they left (see the module docs)."""

    def __init__(self, api: BillyApi) -> None:
        self.api = api
        self._lock = threading.Lock()
        self._reads: list[tuple[datetime, dict[str, RemoteInvoice]]] = []
        self._deleted: list[tuple[datetime, str]] = []

    def deleted(self, invoice_id: str) -> None:
        """Note a draft this connector deleted: a later read reports it even when no read
        saw it alive (made and deleted between two reads)."""
        with self._lock:
            self._deleted.append((datetime.now(UTC), invoice_id))

    def read_all(self) -> tuple[datetime, dict[str, RemoteInvoice]]:
        """Every invoice as it is now, by id, and the moment the read started (our clock:
        the fingerprints, not Billy's clock, tell what changed; a change made while the
        pages are read is in this read and not reported again)."""
        operation = "list invoices"
        until = datetime.now(UTC)
        current: dict[str, RemoteInvoice] = {}
        for listed in self.api.pages("invoices", "invoices", operation=operation,
                                     params=EMBED_LINES):
            for index, row in enumerate(listed.rows):
                invoice = self.api.structure(row, BillyInvoice, operation=operation,
                                             response=listed.response,
                                             where=f"invoices[{index}]")
                self.api.wire.required(invoice.id, f"invoices[{index}].id",
                                       operation=operation, response=listed.response)
                current[invoice.id or ""] = remote_invoice(invoice)
        return until, current

    def changes(self, since: datetime) -> Changes:
        """Invoices new or changed since ``since`` and those deleted since (see above)."""
        until, current = self.read_all()
        with self._lock:
            before = [kept for moment, kept in self._reads if moment <= since]
            baseline = before[-1] if before else None
            self._reads.append((until, current))
            self._reads.sort(key=lambda read: read[0])
            del self._reads[:-KEPT_READS]
            gone = [invoice_id for moment, invoice_id in self._deleted if moment > since]
        if baseline is None:
            changed = tuple(current.values())
            deleted: tuple[str, ...] = ()
        else:
            changed = tuple(invoice for invoice_id, invoice in current.items()
                            if baseline.get(invoice_id) != invoice)
            deleted = tuple(invoice_id for invoice_id in baseline if invoice_id not in current)
        deleted = tuple(dict.fromkeys([*deleted, *(i for i in gone if i not in current)]))
        return Changes(invoices=changed, deleted=deleted,
                       until=max(until, since.astimezone(UTC)))
