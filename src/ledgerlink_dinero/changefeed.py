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
OverPaid are read, one call each and for those only (:func:`read_payments`):
``Paid`` means nothing remains and drafts have no payments. The balance is the
total less the payments in the invoice's own currency (:func:`.statuses.paid_amount`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

from ledgerlink.connector import Changes
from ledgerlink.domain import RemoteInvoice
from ledgerlink_dinero import settings
from ledgerlink_dinero.mapping import remote_invoice
from ledgerlink_dinero.queries import INVOICE_FIELDS, list_params
from ledgerlink_dinero.statuses import paid_amount, payments_decide
from ledgerlink_dinero.wire import DineroInvoice, DineroInvoicePayments, converter, loads

if TYPE_CHECKING:
    from ledgerlink_dinero.api import DineroRequests
    from ledgerlink_dinero.connector import DineroConnector

__all__ = ["changes", "current_invoice", "provider_clock", "read_payments"]


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


def read_payments(connector: DineroRequests, guid: str) -> DineroInvoicePayments:
    """``GET invoices/{guid}/payments``: the invoice's payments (credit notes among them)."""
    return converter.structure(connector._get(f"invoices/{guid}/payments"),
                               DineroInvoicePayments)


def current_invoice(connector: DineroRequests, invoice: DineroInvoice) -> RemoteInvoice:
    """The domain view of ``invoice``, its payments read when they decide the balance."""
    if invoice.Guid is None or not payments_decide(invoice):
        return remote_invoice(invoice)
    payments = read_payments(connector, invoice.Guid).Payments
    return remote_invoice(invoice, paid=paid_amount(payments, invoice.Currency))


def changes(connector: DineroConnector, since: datetime) -> Changes:
    """Invoices changed since ``since`` (as they are now) and those deleted since."""
    path = connector._path("invoices")
    until: datetime | None = None
    changed: list[DineroInvoice] = []
    deleted: list[str] = []
    for deleted_only in (False, True):
        page = settings.FIRST_PAGE
        while True:
            params = list_params("invoices", since=since, deleted_only=deleted_only, page=page,
                                 page_size=settings.MAX_PAGE_SIZE,
                                 fields=("Guid",) if deleted_only else INVOICE_FIELDS)
            response = connector._http.get(path, params=params)
            if until is None:
                until = provider_clock(response.headers.get("date"))
            rows = list(loads(response.text).get("Collection") or [])
            for row in rows:
                if deleted_only:
                    deleted.append(str(row["Guid"]))
                else:
                    changed.append(converter.structure(row, DineroInvoice))
            if len(rows) < settings.MAX_PAGE_SIZE:
                break
            page += 1
    assert until is not None
    # The payment reads come after both lists, so ``until`` stays the first list's moment.
    current = tuple(current_invoice(connector, invoice) for invoice in changed)
    return Changes(invoices=current, deleted=tuple(dict.fromkeys(deleted)),
                   until=max(until, since.astimezone(UTC).replace(microsecond=0)))
