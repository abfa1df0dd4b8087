"""Internal: what a run needs from the delivery layer, as a protocol the runner calls.

The runner sits below :mod:`ledgerlink.delivery` (channels are plugins, and
plugins sit above the engine), so it does not import channels: it is handed a
:class:`Courier` (``ledgerlink.delivery.DeliveryChannels`` is the one ledgerlink
ships) and speaks to it in the plain values below.

A run delivers in two steps:

1. Before its first write, the runner asks :meth:`Courier.route` which channel
   each delivering customer's invoices take (``auto`` may ask PEPPOL, so the
   customers are routed concurrently, once per run). The route is journaled
   with the delivery's intent, so recovery knows which channel a dead run used.
2. For each invoice, :meth:`Courier.hand_over` delivers it by that route and
   answers a :class:`Handover`: sent, failed (nothing went out) or unknown (it
   may have gone out: never repeated by itself).

A dead run's delivery is repeated by recovery only through a channel whose
other side refuses a repeat of the same key (:meth:`Courier.refuses_repeats`):
a letter service or access point answers "already have it"; an e-mail cannot
be taken back, so it is reported as unknown instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, Protocol

import attrs

from ledgerlink.domain import Company, Customer, DeliveryChannel, InvoiceDraft, RemoteInvoice

if TYPE_CHECKING:
    from ledgerlink.plans import Deliver

__all__ = ["NO_COURIER", "PROVIDER_EMAIL", "Courier", "Handover", "HandoverState", "Route"]

#: The route that asks the accounting system to e-mail its invoice (``auto``'s e-mail).
PROVIDER_EMAIL = DeliveryChannel.PROVIDER_EMAIL.value

#: Why a run without delivery channels cannot deliver.
NO_COURIER = ("no delivery channels were given to this run: set them up in the policy "
              "file's [channels.*] tables (or pass delivery= in Python)")

HandoverState = Literal["sent", "failed", "unknown"]


@attrs.frozen
class Route:
    """The channel one customer's invoices take in this run, and why.

    Attributes:
        channel: ``email``, ``letter``, ``einvoice`` or ``provider_email``.
        why: the reasons, as one line for the transfer log.
    """

    channel: str
    why: str


@attrs.frozen
class Handover:
    """How delivering one invoice ended.

    Attributes:
        channel: the route's channel.
        state: ``sent``, ``failed`` or ``unknown``.
        message: the channel's own words (never a secret).
        reference: the message id, file name or document id, where there is one.
        document: for an e-invoice, the invoice's draft as JSON, kept in the journal.
    """

    channel: str
    state: HandoverState
    message: str
    reference: str | None = None
    document: str | None = None


class Courier(Protocol):
    """The delivery layer as a run sees it (see the module docstring)."""

    def route(self, company: Company, customer: Customer, *, provider_emails: bool) -> Route:
        """The channel ``customer``'s invoices take; ``provider_emails`` says whether
        the connector can e-mail invoices itself.

        Raises a ledgerlink error (named channel not set up, ...) when there is none.
        """
        ...

    def hand_over(self, route: Route, action: Deliver, invoice: RemoteInvoice, pdf: bytes,
                  draft: InvoiceDraft | None, credited: RemoteInvoice | None = None
                  ) -> Handover:
        """Deliver ``invoice`` (booked; ``pdf`` from the connector) by ``route``;
        ``credited`` is the invoice a credit note credits.

        Raises ValidationError for an invoice the channel cannot deliver as given
        (no address), DeliveryError for a channel that is not usable.
        """
        ...

    def refuses_repeats(self, channel: str) -> bool:
        """True when ``channel``'s other side refuses a second delivery of the same key."""
        ...

