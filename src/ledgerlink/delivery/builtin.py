"""Internal: the built-in delivery channels, as (name, factory, description) for the plugin hook.

``ledgerlink.delivery.plugin``'s ``ledgerlink_register_channels`` hook adds each
entry with ``registrar.add(name, factory, description=...)``. Each factory takes
the channel's options as keywords and imports its module only when called, so
listing the channels loads neither SMTP, PDF nor XML code.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from ledgerlink.delivery.model import Channel

__all__ = ["BUILTIN_CHANNELS", "ChannelFactory"]

ChannelFactory = Callable[..., Channel]


def _lazy(target: str) -> ChannelFactory:
    """A factory that imports ``module:function`` on its first call and calls it."""
    module, _, function = target.partition(":")

    def factory(**options: Any) -> Channel:
        made: Channel = getattr(importlib.import_module(module), function)(**options)
        return made

    factory.__qualname__ = factory.__name__ = function
    factory.__doc__ = f"Build the channel with :func:`{module}.{function}`."
    return factory


#: (name, factory, description) of every built-in channel.
BUILTIN_CHANNELS: list[tuple[str, ChannelFactory, str]] = [
    ("email", _lazy("ledgerlink.delivery.email:email_channel"),
     "e-mail with the invoice PDF attached, sent by SMTP (STARTTLS or SMTPS)"),
    ("letter", _lazy("ledgerlink.delivery.letter:letter_channel"),
     "a print-ready letter (window-envelope cover page) for a print-and-post service"),
    ("letter-folder", _lazy("ledgerlink.delivery.letter:letter_folder_channel"),
     "print-ready letters written to a folder, one file per invoice"),
    ("einvoice", _lazy("ledgerlink.delivery.einvoice_channel:einvoice_channel"),
     "PEPPOL BIS Billing 3 document handed to an access point (built in: a file outbox)"),
]
