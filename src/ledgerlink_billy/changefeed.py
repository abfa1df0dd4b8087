"""Status refresh without a read per invoice: filtered invoice lists, compared with the last.

Billy has no change feed, no webhooks and no "changed since" filter: the
invoice list filters by state, payment, dates of entry, due and approval,
contact and key, but by no modification time [B1]. What moves an invoice's
status, and the cheapest complete way to see it (1000 invoices a page, lines
embedded):

* a new draft, or a draft changed: it is not paid, so it is in ``isPaid=false``;
* approval: ``minApprovedTime`` lists what was approved since (an invoice paid
  at once included);
* a payment on an open invoice, or a credit note settling it: the invoice was
  in the last read's open set and has left ``isPaid=false``: it is read once,
  and that read is the change;
* a payment undone: the invoice is back in ``isPaid=false``;
* a draft deleted in Billy's app: it left the open set and its read answers
  404 (drafts this connector deleted are noted when deleted).

So a read costs ⌈open invoices / 1000⌉ + ⌈approved since / 1000⌉ requests plus
one per invoice that left the open set; when more left than the whole list has
pages, the whole list is read instead of the approvals and those reads
(⌈open / 1000⌉ + ⌈N / 1000⌉ requests for N invoices).

Each read keeps the state of every invoice it knows under the moment it
started (``until``). ``changes(since)`` starts from the state kept at ``since``
(or the latest one before it) and reports what differs from it. Without such a
state (a new process, or the first call) it reads the whole list and reports
every invoice as it is: complete, at the price of repeats, which the refresh
reads as "no change"; a draft deleted in Billy's app before that first read is
noticed when the invoice is next read (NotFoundError). Billy's approval times
carry no zone, so the ``minApprovedTime`` bound is taken a day early (inferred):
a repeat is harmless, a missed approval is not.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from ledgerlink.connector import Changes
from ledgerlink.domain import RemoteInvoice
from ledgerlink.errors import NotFoundError
from ledgerlink_billy.api import BillyApi
from ledgerlink_billy.lookup import EMBED_LINES, read_invoice
from ledgerlink_billy.mapping import remote_invoice
from ledgerlink_billy.wire import BillyInvoice

__all__ = ["APPROVAL_MARGIN", "ChangeFeed", "may_change"]

#: States kept per connector (one per read; the oldest are dropped).
KEPT_READS = 16
#: How much earlier than the last read the approvals are listed from (zones unknown).
APPROVAL_MARGIN = timedelta(days=1)

State = dict[str, RemoteInvoice]


def may_change(invoice: RemoteInvoice) -> bool:
    """True for an invoice Billy lists as not paid: a draft, or approved with money owed."""
    return not invoice.voided and not invoice.deleted and (
        not invoice.booked or invoice.balance != 0)


class ChangeFeed:
    """Reads of the invoice lists and the states they left (see the module docs)."""

    def __init__(self, api: BillyApi) -> None:
        self.api = api
        self._lock = threading.Lock()
        self._reads: list[tuple[datetime, State]] = []
        self._deleted: list[tuple[datetime, str]] = []

    def deleted(self, invoice_id: str) -> None:
        """Note a draft this connector deleted: a later read reports it even when no read
        saw it alive (made and deleted between two reads)."""
        with self._lock:
            self._deleted.append((datetime.now(UTC), invoice_id))

    def listed(self, params: Mapping[str, str]) -> State:
        """Every invoice of a list filtered by ``params``, by id, as the domain sees it."""
        operation = "list invoices"
        found: State = {}
        for listed in self.api.pages("invoices", "invoices", operation=operation,
                                     params={**params, **EMBED_LINES}):
            for index, row in enumerate(listed.rows):
                invoice = self.api.structure(row, BillyInvoice, operation=operation,
                                             response=listed.response,
                                             where=f"invoices[{index}]")
                invoice_id = self.api.wire.required(invoice.id, f"invoices[{index}].id",
                                                    operation=operation,
                                                    response=listed.response)
                found[invoice_id] = remote_invoice(invoice)
        return found

    def _since(self, moment: datetime, before: State) -> tuple[State, list[str]]:
        """The state now, from the filtered lists and the reads of what left the open set;
        and the ids found gone."""
        current = self.listed({"isPaid": "false"})
        left = [i for i, invoice in before.items() if i not in current and may_change(invoice)]
        if len(left) > math.ceil(len(before) / self.api.page_size) + 1:
            # Decided before the approvals are listed: the whole list holds them too.
            everything = self.listed({})
            return everything, [i for i in before if i not in everything]
        approved_from = (moment - APPROVAL_MARGIN).astimezone(UTC)
        current.update(self.listed({"minApprovedTime": approved_from.strftime(
            "%Y-%m-%d %H:%M:%S")}))
        left = [i for i in left if i not in current]
        gone = []
        for invoice_id in left:
            try:
                current[invoice_id] = remote_invoice(read_invoice(self.api, invoice_id))
            except NotFoundError:
                gone.append(invoice_id)
        kept = {i: invoice for i, invoice in before.items() if i not in gone}
        return {**kept, **current}, gone

    def changes(self, since: datetime) -> Changes:
        """Invoices new or changed since ``since`` and those deleted since (see above)."""
        until = datetime.now(UTC)
        with self._lock:
            earlier = [(moment, state) for moment, state in self._reads if moment <= since]
        if earlier:
            moment, before = earlier[-1]
            now, gone = self._since(moment, before)
            changed = tuple(invoice for i, invoice in now.items() if before.get(i) != invoice)
        else:
            now, gone = self.listed({}), []
            changed = tuple(now.values())
        with self._lock:
            self._reads.append((until, now))
            self._reads.sort(key=lambda read: read[0])
            del self._reads[:-KEPT_READS]
            ours = [i for moment, i in self._deleted if moment > since and i not in now]
        deleted = tuple(dict.fromkeys([*gone, *ours]))
        return Changes(invoices=changed, deleted=deleted, until=max(until, since.astimezone(UTC)))
