"""Internal: registers ledgerlink's built-in delivery channels through the ordinary plugin hook.

The entry point ``delivery = "ledgerlink.delivery.plugin"`` (group ``ledgerlink``)
loads this module exactly as a third-party channel plugin is loaded. Each
built-in channel is one ``(name, "package.module:factory", description)`` entry
in :data:`BUILT_IN`; a factory is imported only when channels are asked for.
"""

from __future__ import annotations

from ledgerlink.plugins import ChannelRegistrar, hookimpl
from ledgerlink.plugins.lazy import resolve

__all__ = ["BUILT_IN", "ledgerlink_register_channels"]

#: The core's channels: (name, "package.module:factory", one line for listings).
BUILT_IN: tuple[tuple[str, str, str], ...] = ()


@hookimpl
def ledgerlink_register_channels(registrar: ChannelRegistrar) -> None:
    """Register every channel in :data:`BUILT_IN`."""
    for name, factory, description in BUILT_IN:
        registrar.add(name, resolve(factory), description=description)
