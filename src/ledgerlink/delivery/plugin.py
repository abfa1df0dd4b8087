"""Internal: registers ledgerlink's built-in delivery channels through the ordinary plugin hook.

The entry point ``delivery = "ledgerlink.delivery.plugin"`` (group ``ledgerlink``)
loads this module exactly as a third-party channel plugin is loaded. Each
built-in channel is one ``(name, "package.module:factory", description)`` entry
in :data:`BUILT_IN`; its module is imported when channels are collected.
"""

from __future__ import annotations

from ledgerlink.plugins import ChannelRegistrar, hookimpl
from ledgerlink.plugins.lazy import resolve

__all__ = ["BUILT_IN", "ledgerlink_register_channels"]

#: The core's channels: (name, "package.module:factory", one line for listings).
BUILT_IN: tuple[tuple[str, str, str], ...] = (
    ("email", "ledgerlink.delivery.email:email_channel",
     "e-mail with the invoice PDF attached, sent by SMTP (STARTTLS or SMTPS)"),
    ("letter", "ledgerlink.delivery.letter:letter_channel",
     "a print-ready letter (window-envelope cover page) for a print-and-post service"),
    ("letter-folder", "ledgerlink.delivery.letter:letter_folder_channel",
     "print-ready letters written to a folder, one file per invoice"),
    ("einvoice", "ledgerlink.delivery.einvoice:einvoice_channel",
     "PEPPOL BIS Billing 3 document handed to an access point (built in: a file outbox)"),
)



@hookimpl
def ledgerlink_register_channels(registrar: ChannelRegistrar) -> None:
    """Register every channel in :data:`BUILT_IN`."""
    for name, target, description in BUILT_IN:
        # Imported when channels are collected (opening or listing one), never on import:
        # the options are then checked against the real factory's signature.
        registrar.add(name, resolve(target), description=description)
