"""Internal: the journal's state as the planner reads it: work, invoices, customers, deliveries.

The store (:meth:`ledgerlink.store.Store.state`) builds a :class:`JournalState`
for one book; the planner (:mod:`ledgerlink.planning`) reads it and never
writes it.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

__all__ = ["DeliveryRecord", "InvoiceRecord", "JournalState", "WorkRecord", "draft_key"]


@attrs.frozen
class WorkRecord:
    """What the journal knows of one invoiced work order.

    Attributes:
        work_order_id: the work order.
        fingerprint: :meth:`WorkOrder.fingerprint` of what was billed.
        invoice_key: the invoice that bills it.
        revision: 0 for the first invoice; +1 each time it is credited and re-invoiced.
        credited: its invoice was credited; the work is billable again.
    """

    work_order_id: str
    fingerprint: str
    invoice_key: str
    revision: int = 0
    credited: bool = False


@attrs.frozen
class InvoiceRecord:
    """What the journal knows of one invoice ledgerlink made.

    Attributes:
        key: ledgerlink key.
        customer_id: local customer id.
        target: ``"draft"`` (left for a person to book) or ``"book"``.
        send: the policy wants it emailed once booked.
        remote_id: provider id once created.
        booked: known to be booked.
        sent: ``True`` sent, ``False`` not, ``None`` unknown (never re-sent).
        closed: a draft that is no longer open (booked by hand, deleted, credited).
        credited: a credit note for it exists.
    """

    key: str
    customer_id: str
    target: str
    send: bool = False
    remote_id: str | None = None
    booked: bool = False
    sent: bool | None = False
    closed: bool = False
    credited: bool = False


@attrs.frozen
class DeliveryRecord:
    """How ledgerlink's own delivery of one booked invoice went.

    Attributes:
        invoice_key: the invoice delivered.
        customer_id: local customer id.
        channel: ``email``, ``letter``, ``einvoice``, or ``provider_email`` (the
            accounting system's e-mail, where ``auto`` came to it).
        state: ``pending`` (in flight), ``sent``, ``failed`` (nothing went out;
            ``ledgerlink deliver --retry-failed`` tries again) or ``unknown`` (it
            may have gone out; never tried again by itself).
        attempt: 0 for the first delivery; +1 for each resend a person asked for.
        message: the channel's own words (the server's reply, the file written).
        reference: the message id, file name or document id, where there is one.
        document: for an e-invoice, the invoice as delivered (its draft as JSON),
            so it can be delivered again, and its credit note built, without
            the work it billed.
    """

    invoice_key: str
    customer_id: str
    channel: str
    state: str
    attempt: int = 0
    message: str = ""
    reference: str | None = None
    document: str | None = None


@attrs.frozen
class JournalState:
    """The journal's view the planner needs; empty for a first run.

    Attributes:
        work: work order id → :class:`WorkRecord`.
        invoices: invoice key → :class:`InvoiceRecord`.
        customers: customer ids already linked to a remote customer.
        drafts_opened: customer id → how many drafts ledgerlink ever opened for it.
        customer_details: customer id → fingerprint of the details last written to
            the provider (None: not known).
        deliveries: invoice key → how ledgerlink's own delivery of it went.
    """

    work: Mapping[str, WorkRecord] = attrs.Factory(dict)
    invoices: Mapping[str, InvoiceRecord] = attrs.Factory(dict)
    customers: frozenset[str] = frozenset()
    drafts_opened: Mapping[str, int] = attrs.Factory(dict)
    customer_details: Mapping[str, str | None] = attrs.Factory(dict)
    deliveries: Mapping[str, DeliveryRecord] = attrs.Factory(dict)

    def open_draft(self, customer_id: str) -> InvoiceRecord | None:
        """The customer's open draft, if ledgerlink has one."""
        count = self.drafts_opened.get(customer_id, 0)
        if not count:
            return None
        record = self.invoices.get(draft_key(customer_id, count))
        if record is None or record.closed or record.booked or record.credited:
            return None
        return record


def draft_key(customer_id: str, number: int) -> str:
    """Key of the ``number``-th draft ledgerlink opened for a customer."""
    return f"draft:{customer_id}:{number}"
