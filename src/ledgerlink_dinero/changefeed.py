"""The change feed: what changed since a moment, from two list reads and the payments
of the changed invoices that are open.

``GET invoices?changesSince=…&fields=…`` gives every changed invoice with the
fields its status needs, and the same with ``deletedOnly=true`` the deleted
ones: two list calls (more only past 1000 rows). ``changesSince`` is sent in
whole seconds, truncated, and Dinero includes the moment itself, so ``until``
is the start of the second the first read was answered in (the response's
``Date``, Dinero's clock; ours when it has none): a change in that second is
read again next time rather than missed.

Payments and credit notes: a payment is written with the invoice's
``Timestamp`` [D17 (3p model)], so it is a change of the invoice and lists it
in ``changesSince``; a booked credit note settles the invoice it credits the
same way (both inferred: the material does not say it outright; the emulator
behaves so). Partly paid has no ``PaymentStatus`` value and no list field
carries a paid amount (not in the list model [D13][D17]; ``fields=`` cannot
ask for one), so the payments of a changed invoice listed Booked, Overdue or
OverPaid are read, one call each and for those only (:meth:`.api.DineroApi.remote`):
``Paid`` means nothing remains and drafts have no payments. The balance is the
total less the payments in the invoice's own currency (:func:`.statuses.paid_amount`).

Those reads are spared where nothing moved: an invoice the caller follows
(``known``) whose ``UpdatedAt`` is not after the version the journal holds
(:func:`.statuses.moved`) has had no payment since, so it is left out of the
answer — no news — instead of having its payments read. The version is the
``UpdatedAt`` last read, or for an invoice booked without a read after it, Dinero's
clock when the booking was answered, to the end of that second
(:func:`.statuses.version_bound`; its ``UpdatedAt`` cannot be later). That second
was not over when the bound was journaled, so the bound also covers a payment
registered later in it, before the first refresh. One that settles the invoice
shows all the same: Dinero lists it ``Paid`` (or ``OverPaid``), and a settled
invoice within a booking's bound counts as moved (:func:`.statuses.moved`). A
part payment in that second does not show (no list field carries a paid
amount, and ``PaymentStatus`` stays ``Booked``): such an invoice is seen at its
next change. Only reading the payments of every invoice at its first refresh
after booking would see it, one request per invoice, which is what these
version checks exist to spare. An unmoved invoice listed with its exact ``UpdatedAt`` is answered in
:attr:`~ledgerlink.connector.Changes.unmoved`, so the journal trades the bound
for it and a payment a moment later is seen. Listed right after a run
made them, 10,000 invoices cost their ⌈10,000 / 1000⌉ list pages and the deleted
list, not 10,000 payment reads.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from ledgerlink.connector import Changes, KnownVersions
from ledgerlink_dinero.api import DineroApi
from ledgerlink_dinero.queries import INVOICE_FIELDS
from ledgerlink_dinero.statuses import moved, version
from ledgerlink_dinero.wire import DineroInvoice

__all__ = ["changes", "provider_clock"]


def provider_clock(date_header: str | None) -> datetime:
    """The provider's time from an HTTP ``Date`` header (ours when absent), whole seconds."""
    moment = None
    if date_header:
        try:
            moment = parsedate_to_datetime(date_header)
        except (TypeError, ValueError, IndexError):
            moment = None
    if moment is None or moment.tzinfo is None:
        moment = datetime.now(UTC)
    return moment.astimezone(UTC).replace(microsecond=0)


def changes(api: DineroApi, since: datetime, known: KnownVersions | None = None) -> Changes:
    """Invoices changed since ``since`` (as they are now) and those deleted since; given
    ``known``, only the followed ones whose version moved (see the module docstring)."""
    until: datetime | None = None
    changed: list[DineroInvoice] = []
    deleted: list[str] = []
    for deleted_only in (False, True):
        operation = "list deleted invoices" if deleted_only else "list changed invoices"
        for listed in api.pages("invoices", "invoices", operation=operation, since=since,
                                deleted_only=deleted_only,
                                fields=("Guid",) if deleted_only else INVOICE_FIELDS):
            if until is None:
                until = provider_clock(listed.response.headers.get("date"))
            for index, row in enumerate(listed.rows):
                invoice = api.structure(row, DineroInvoice, operation=operation,
                                        response=listed.response, where=f"Collection[{index}]")
                guid = api.wire.required(invoice.Guid, f"Collection[{index}].Guid",
                                         operation=operation, response=listed.response)
                if deleted_only:
                    deleted.append(guid)
                else:
                    changed.append(invoice)
    first = until or datetime.now(UTC).replace(microsecond=0)  # pages() reads at least one
    # The payment reads come after both lists, so ``until`` stays the first list's moment.
    unmoved: list[tuple[str, str]] = []
    if known is not None:  # only what the caller follows, and of that what moved
        followed = [(invoice, invoice.Guid or "") for invoice in changed
                    if invoice.Guid in known]
        changed = [invoice for invoice, guid in followed if moved(invoice, known[guid])]
        unmoved = [(guid, now) for invoice, guid in followed
                   if not moved(invoice, known[guid])
                   and (now := version(invoice)) is not None and now != known[guid]]
    current = tuple(api.remote(invoice) for invoice in changed)
    return Changes(invoices=current, deleted=tuple(dict.fromkeys(deleted)),
                   until=max(first, since.astimezone(UTC).replace(microsecond=0)),
                   unmoved=tuple(unmoved))
