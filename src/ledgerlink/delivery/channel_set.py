"""Internal: the channels a run delivers by, one per kind, set up from settings or by hand.

:class:`DeliveryChannels` is what :func:`ledgerlink.invoice` and ``ledgerlink
run`` hand the runner (it is the runner's :class:`~ledgerlink.delivering.Courier`):
an ``email``, a ``letter`` and an ``einvoice`` channel, each optional, and how
``auto`` asks whether a customer can receive e-invoices. A customer whose
channel is not set up is not delivered to: the run reports it, naming the
table to add, and the next run tries again.

In the policy file each kind is a ``[channels.<kind>]`` table of the channel's
options; ``use`` names another registered channel of that kind (``use =
"letter-folder"``), and a ``[channels.lookup]`` table (its keys are
:class:`~ledgerlink.einvoice.lookup.LookupSettings`' fields, e.g. ``sml_zone``)
makes ``auto`` ask PEPPOL.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import ExitStack
from typing import Any

import attrs

from ledgerlink.delivering import PROVIDER_EMAIL, Handover, Route
from ledgerlink.delivery.choice import CanReceive, choose_channel, receiver_check
from ledgerlink.delivery.host import open_channel
from ledgerlink.delivery.model import Channel, Delivery, delivery_key
from ledgerlink.domain import Company, Customer, DeliveryChannel, InvoiceDraft, RemoteInvoice
from ledgerlink.errors import DeliveryError, LedgerlinkError
from ledgerlink.plans import Deliver

__all__ = ["CHANNEL_KINDS", "DeliveryChannels"]

#: The kinds of channel a run delivers by (the ``[channels.<kind>]`` tables).
CHANNEL_KINDS = (DeliveryChannel.EMAIL.value, DeliveryChannel.LETTER.value,
                 DeliveryChannel.EINVOICE.value)


@attrs.define
class DeliveryChannels:
    """The channels a run delivers by, and how ``auto`` asks about e-invoice receivers.

    Attributes:
        email: the channel ledgerlink e-mails invoices by (``email``).
        letter: the letter channel (``letter``, ``letter-folder`` or a plugin's).
        einvoice: the e-invoice channel (``einvoice`` or a plugin's).
        can_receive: asked when a customer's channel is ``auto`` (production:
            :func:`~ledgerlink.delivery.receiver_check`); None: ``auto`` never
            picks e-invoice.
    """

    email: Channel | None = None
    letter: Channel | None = None
    einvoice: Channel | None = None
    can_receive: CanReceive | None = None
    _resources: ExitStack = attrs.field(factory=ExitStack, repr=False, eq=False)

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any], *,
                      source: str = "channels") -> DeliveryChannels:
        """Open the channels ``settings`` (the policy file's ``[channels]`` table) name.

        Raises:
            DeliveryError: an unknown kind, a channel that cannot be opened (its
                error names the option), naming ``source`` and the table.
        """
        opened = cls()
        for kind, table in settings.items():
            where = f"{source}.{kind}"
            if not isinstance(table, Mapping):
                raise DeliveryError(f"{where} must be a table of options")
            if kind == "lookup":
                opened.can_receive = opened._lookup(dict(table), where)
                continue
            if kind not in CHANNEL_KINDS:
                raise DeliveryError(f"{where}: no such kind of channel (known: "
                                    f"{', '.join((*CHANNEL_KINDS, 'lookup'))})")
            options = dict(table)
            name = str(options.pop("use", kind))
            try:
                setattr(opened, kind, open_channel(name, **options))
            except LedgerlinkError as err:
                raise DeliveryError(f"{where}: {err}") from None
        return opened

    def _lookup(self, options: dict[str, Any], where: str) -> CanReceive:
        from ledgerlink.einvoice.lookup import LookupSettings, ReceiverLookup

        try:
            settings = LookupSettings(**options)
        except (TypeError, ValueError, LedgerlinkError) as err:
            raise DeliveryError(f"{where}: {err}") from None
        return receiver_check(self._resources.enter_context(ReceiverLookup(settings)))

    def close(self) -> None:
        """Close what the channels opened: SMTP sessions, the receiver lookup's connections."""
        for channel in (self.email, self.letter, self.einvoice):
            close = getattr(channel, "close", None)
            if callable(close):
                close()
        self._resources.close()

    def __enter__(self) -> DeliveryChannels:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def channel(self, kind: str) -> Channel:
        """The channel of ``kind``; DeliveryError naming the table to add when there is none."""
        channel: Channel | None = getattr(self, kind, None) if kind in CHANNEL_KINDS else None
        if channel is None:
            raise DeliveryError(f"no {kind} channel is set up: add a [channels.{kind}] table "
                                f"to the policy file (or pass {kind}= to DeliveryChannels)")
        return channel

    # --- the runner's Courier ---------------------------------------------------------

    def route(self, company: Company, customer: Customer, *, provider_emails: bool) -> Route:
        """The channel ``customer``'s invoices take (:func:`choose_channel`), set up here."""
        choice = choose_channel(company, customer, can_receive=self.can_receive,
                                provider_emails=provider_emails)
        if choice.channel.value != PROVIDER_EMAIL:
            self.channel(choice.channel.value)
        return Route(choice.channel.value, choice.why)

    def hand_over(self, route: Route, action: Deliver, invoice: RemoteInvoice, pdf: bytes,
                  draft: InvoiceDraft | None, credited: RemoteInvoice | None = None
                  ) -> Handover:
        """Deliver one booked invoice (or credit note of ``credited``) by ``route``'s channel."""
        channel = self.channel(route.channel)
        # A resend a person asked for is a new delivery: a service that refuses
        # repeats must not refuse it.
        key = delivery_key(action.invoice_key, channel.name)
        if action.attempt:
            key = f"{key}:{action.attempt}"
        receipt = channel.deliver(Delivery(key, action.invoice_key, channel.name,
                                           action.company, action.customer, draft, invoice,
                                           pdf, credited))
        return Handover(route.channel, receipt.state.value, receipt.message, receipt.reference)

    def refuses_repeats(self, channel: str) -> bool:
        """Whether the channel set up for ``channel`` refuses a repeat of the same key."""
        chosen = getattr(self, channel, None) if channel in CHANNEL_KINDS else None
        return bool(getattr(chosen, "refuses_repeats", False))
