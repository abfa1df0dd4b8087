"""Delivery: booked invoices to their customers by e-mail, letter or e-invoice.

A :class:`Channel` delivers a :class:`Delivery` (one invoice, its PDF, the
sender and the receiver) and answers with a :class:`DeliveryReceipt`. Channels
are plugins: a ``ledgerlink_register_channels`` hook registers factories
(:func:`ledgerlink.plugins.channel_hook` in one line), :func:`open_channel`
builds one by name and :func:`channels` lists them.

Which channel a customer's invoices take is a setting with provenance: the
company's default (:attr:`~ledgerlink.domain.Company.delivery`), a customer's own
choice (:attr:`~ledgerlink.domain.Customer.delivery`), ``auto`` resolved by an
e-invoice receiver lookup; :func:`choose_channel` says which and why.

A run delivers by :class:`DeliveryChannels`: one channel per kind, opened from
the policy file's ``[channels.*]`` tables or built by hand, handed to
:func:`ledgerlink.invoice` as ``delivery=``.

Every name is imported on first use, so importing the package costs nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledgerlink.lazyattrs import lazy_attributes

if TYPE_CHECKING:
    from ledgerlink.delivery.channel_set import DeliveryChannels
    from ledgerlink.delivery.choice import (
        CanReceive,
        ChannelChoice,
        choose_channel,
        explain_channel,
        receiver_check,
    )
    from ledgerlink.delivery.einvoice import EInvoiceChannel, einvoice_channel
    from ledgerlink.delivery.email import EmailChannel, EmailTemplates, email_channel
    from ledgerlink.delivery.host import channels, open_channel
    from ledgerlink.delivery.letter import (
        FolderPrintService,
        LetterChannel,
        PrintService,
        letter_channel,
        letter_folder_channel,
    )
    from ledgerlink.delivery.model import (
        Channel,
        Delivery,
        DeliveryReceipt,
        DeliveryState,
        delivery_key,
    )
    from ledgerlink.delivery.outbox import AccessPoint, FileOutbox
    from ledgerlink.delivery.printpost import HttpPrintService, PrintPostEmulator

__all__ = [
    "AccessPoint",
    "CanReceive",
    "Channel",
    "ChannelChoice",
    "Delivery",
    "DeliveryChannels",
    "DeliveryReceipt",
    "DeliveryState",
    "EInvoiceChannel",
    "EmailChannel",
    "EmailTemplates",
    "FileOutbox",
    "FolderPrintService",
    "HttpPrintService",
    "LetterChannel",
    "PrintPostEmulator",
    "PrintService",
    "channels",
    "choose_channel",
    "delivery_key",
    "einvoice_channel",
    "email_channel",
    "explain_channel",
    "letter_channel",
    "letter_folder_channel",
    "open_channel",
    "receiver_check",
]

__getattr__ = lazy_attributes(__name__, {
    **dict.fromkeys(("CanReceive", "ChannelChoice", "choose_channel", "explain_channel",
                     "receiver_check"), "ledgerlink.delivery.choice"),
    **dict.fromkeys(("channels", "open_channel"), "ledgerlink.delivery.host"),
    "DeliveryChannels": "ledgerlink.delivery.channel_set",
    **dict.fromkeys(("Channel", "Delivery", "DeliveryReceipt", "DeliveryState",
                     "delivery_key"), "ledgerlink.delivery.model"),
    **dict.fromkeys(("EmailChannel", "EmailTemplates", "email_channel"),
                    "ledgerlink.delivery.email"),
    **dict.fromkeys(("FolderPrintService", "LetterChannel", "PrintService", "letter_channel",
                     "letter_folder_channel"), "ledgerlink.delivery.letter"),
    **dict.fromkeys(("HttpPrintService", "PrintPostEmulator"), "ledgerlink.delivery.printpost"),
    **dict.fromkeys(("EInvoiceChannel", "einvoice_channel"),
                    "ledgerlink.delivery.einvoice"),
    **dict.fromkeys(("AccessPoint", "FileOutbox"), "ledgerlink.delivery.outbox"),
})
