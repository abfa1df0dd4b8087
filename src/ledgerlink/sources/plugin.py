"""Internal: registers ledgerlink's built-in ``files`` source through the ordinary plugin hook.

The entry point ``sources = "ledgerlink.sources.plugin"`` (group ``ledgerlink``)
loads this module exactly as a third-party source plugin is loaded; the source
is named by ``module:attribute`` and imported when sources are collected.
"""

from __future__ import annotations

from ledgerlink.plugins import source_hook

__all__ = ["ledgerlink_register_sources"]

ledgerlink_register_sources = source_hook(
    "files", "ledgerlink.sources.files:FilesSource",
    description="customers, work orders and products from .csv or .json files "
                "(what `ledgerlink run` reads)")
