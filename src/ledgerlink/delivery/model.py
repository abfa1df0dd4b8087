"""Internal: what a delivery channel is handed, what it answers, and the channel protocol.

A :class:`Delivery` is one booked invoice (or credit note) on its way to one
customer by one channel; a :class:`Channel` takes it and answers with a
:class:`DeliveryReceipt`. How a channel ends:

* a receipt, for every delivery it tried: ``SENT``, ``FAILED`` (it did not go
  out; it may be tried again), or ``UNKNOWN`` (it may have gone out: never tried
  again automatically, a person decides);
* :class:`~ledgerlink.errors.ValidationError` naming the field, for an invoice
  it cannot deliver as given (no e-mail address, no postal address, no endpoint);
* :class:`~ledgerlink.errors.DeliveryError`, when the channel itself is
  misconfigured (no server, a folder it cannot write).

A channel whose other side refuses a second delivery of the same key (a print
service, an access point, a folder that keeps one file per key) says so with
``refuses_repeats = True``: a delivery a crashed run may have handed over is
then simply handed over again. Any other channel's such delivery is reported
as unknown and never repeated by itself (an e-mail cannot be taken back).

Every delivery has a :attr:`Delivery.key`, stable per invoice and channel:
channels that can (an access point, a print service, an outbox) pass it on or
keep it, so a repeat is refused rather than delivered twice.
"""

from __future__ import annotations

import enum
from typing import Any, Protocol, runtime_checkable

import attrs

from ledgerlink.domain import Company, Customer, InvoiceDraft, RemoteInvoice
from ledgerlink.errors import ValidationError

__all__ = [
    "Channel",
    "Delivery",
    "DeliveryReceipt",
    "DeliveryState",
    "delivery_key",
]


def delivery_key(invoice_key: str, channel: str) -> str:
    """The key of delivering the invoice keyed ``invoice_key`` by ``channel``.

    ``delivery_key("inv:wo-1", "email")`` is ``"inv:wo-1:email"``: the same
    invoice by the same channel always has the same key, so a repeat can be
    recognised; by another channel it is another delivery.
    """
    for field, value in (("invoice_key", invoice_key), ("channel", channel)):
        if not isinstance(value, str) or not value.strip():
            raise ValidationError("must be a non-empty string", field=field, value=value)
    return f"{invoice_key}:{channel}"


class DeliveryState(enum.Enum):
    """How a delivery ended."""

    SENT = "sent"  #: handed over: the mail server, print service or access point took it
    FAILED = "failed"  #: it did not go out; trying again is safe
    UNKNOWN = "unknown"  #: it may or may not have gone out: never retried automatically


def _state(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, DeliveryState):
        raise ValidationError("must be a DeliveryState (sent, failed, unknown)",
                              field=attribute.name, value=value)


def _pdf(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, bytes) or not value:
        raise ValidationError("must be the invoice's PDF, as non-empty bytes",
                              field=attribute.name, value=type(value).__name__)


def _text(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("must be a non-empty string", field=attribute.name, value=value)


@attrs.frozen
class Delivery:
    """One booked invoice on its way to its customer by one channel.

    Attributes:
        key: stable per invoice and channel (:func:`delivery_key`); channels that
            can pass it on so a repeat is refused.
        invoice_key: ledgerlink's key of the invoice (``inv:wo-1``).
        channel: the registered channel's name (``email``, ``letter-folder``...).
        company: the sender.
        customer: the receiver.
        draft: what ledgerlink sent to the accounting system (lines, key); None
            when a run delivers an invoice an earlier run made and its work is
            not in the run's input (a channel that needs the lines says so).
        invoice: the booked invoice the connector returned (number, dates, total).
        pdf: the invoice's PDF (from the connector, or the sandbox).
        credited: for a credit note, the invoice it credits.
    """

    key: str = attrs.field(validator=_text)
    invoice_key: str = attrs.field(validator=_text)
    channel: str = attrs.field(validator=_text)
    company: Company
    customer: Customer
    draft: InvoiceDraft | None
    invoice: RemoteInvoice
    pdf: bytes = attrs.field(validator=_pdf, repr=lambda pdf: f"<{len(pdf)} bytes>")
    credited: RemoteInvoice | None = None

    @classmethod
    def for_invoice(cls, channel: str, *, company: Company, customer: Customer,
                    draft: InvoiceDraft, invoice: RemoteInvoice, pdf: bytes,
                    credited: RemoteInvoice | None = None) -> Delivery:
        """The delivery of ``draft``'s invoice by ``channel``, keyed by :func:`delivery_key`."""
        return cls(delivery_key(draft.key, channel), draft.key, channel, company, customer,
                   draft, invoice, pdf, credited)

    @property
    def is_credit_note(self) -> bool:
        """True when the invoice credits another one."""
        return self.credited is not None


@attrs.frozen
class DeliveryReceipt:
    """What a channel answers for a delivery it tried.

    Attributes:
        state: sent, failed, or unknown.
        message: the channel's own words: the SMTP server's reply, the file
            written, the access point's answer. Never a secret.
        reference: the message id, file name or document id, where there is one.
    """

    state: DeliveryState = attrs.field(validator=_state)
    message: str = attrs.field(validator=attrs.validators.instance_of(str))
    reference: str | None = None


@runtime_checkable
class Channel(Protocol):
    """A way to deliver invoices: e-mail, a letter service, a PEPPOL access point.

    Build one with :func:`ledgerlink.delivery.open_channel`, or register a
    factory for it with the ``ledgerlink_register_channels`` hook.
    """

    #: The name it is registered under. A channel may also have ``refuses_repeats``
    #: (see the module docstring); one without it is taken not to refuse repeats.
    name: str

    def deliver(self, delivery: Delivery) -> DeliveryReceipt:
        """Deliver ``delivery``; see the module docstring for how a channel ends."""
        ...
