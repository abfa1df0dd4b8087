"""Internal: opening delivery channels by name, from what the installed plugins registered."""

from __future__ import annotations

from typing import Any

from ledgerlink.delivery.model import Channel
from ledgerlink.plugins import ChannelInfo, get_plugin_manager

__all__ = ["channels", "open_channel"]


def open_channel(name: str, /, **options: Any) -> Channel:
    """Build the delivery channel registered as ``name`` by any installed plugin.

    ``options`` go to the channel's factory, checked against its signature first.
    Like :func:`ledgerlink.connect`, it builds a plugin manager each call; an app
    that opens many keeps ``get_plugin_manager().channels()`` and calls ``create``.

    Raises:
        UnknownChannelError: no plugin registered ``name`` (the message lists the known ones).
        DuplicateChannelError: two plugins registered ``name``; neither is used.
        ConnectorOptionError: an option the factory does not take, or a required one
            left out (named, with the accepted ones).
    """
    return get_plugin_manager().channels().create(name, **options)


def channels() -> list[ChannelInfo]:
    """Every installed delivery channel, by name: its factory, description and plugin."""
    return list(get_plugin_manager().channels())
