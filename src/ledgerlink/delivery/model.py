"""Internal: what a delivery channel is given and what it answers.

A :class:`Delivery` is one booked invoice on its way to its customer by one
channel; the channel answers with a :class:`DeliveryReceipt`. A channel returns
FAILED or UNKNOWN receipts for delivery outcomes; it raises
:class:`~ledgerlink.errors.ValidationError` (naming the field) for data it
cannot deliver and :class:`~ledgerlink.errors.DeliveryError` when it is
misconfigured.
"""

from __future__ import annotations

import enum
from typing import Protocol

import attrs

from ledgerlink.domain import Company, Customer, InvoiceDraft, RemoteInvoice

__all__ = ["Channel", "Delivery", "DeliveryReceipt", "DeliveryState"]


class DeliveryState(enum.Enum):
    """How a delivery ended."""

    SENT = "sent"
    FAILED = "failed"
    #: May or may not have gone out: never retried automatically.
    UNKNOWN = "unknown"


@attrs.frozen
class Delivery:
    """One booked invoice to deliver by one channel.

    Attributes:
        key: stable per invoice and channel, e.g. ``"inv:wo-1:email"``; channels
            that can (access points, print services) pass it on so a repeat is refused.
        invoice_key: the invoice's ledgerlink key.
        channel: the registered channel name (``"email"``, ``"letter-folder"``, ...).
        company: the invoicing company.
        customer: the customer the invoice goes to.
        draft: what ledgerlink sent (lines, key).
        invoice: the booked invoice the connector returned (number, dates, total).
        pdf: the invoice PDF (from the connector or the sandbox).
        credited: for a credit note, the invoice it credits.
    """

    key: str
    invoice_key: str
    channel: str
    company: Company
    customer: Customer
    draft: InvoiceDraft
    invoice: RemoteInvoice
    pdf: bytes
    credited: RemoteInvoice | None = None


@attrs.frozen
class DeliveryReceipt:
    """What a channel answers for one delivery.

    Attributes:
        state: sent, failed or unknown.
        message: the channel's own words (SMTP reply, file written, access point answer).
        reference: message id, file name, document id.
    """

    state: DeliveryState
    message: str
    reference: str | None = None


class Channel(Protocol):
    """Delivers invoices one way (e-mail, letter, e-invoice)."""

    name: str

    def deliver(self, delivery: Delivery) -> DeliveryReceipt:
        """Deliver one invoice; the receipt says how it went."""
        ...
