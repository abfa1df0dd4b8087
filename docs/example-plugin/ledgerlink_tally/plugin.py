"""Registers the ``tally`` connector: the module the entry point names.

``pyproject.toml`` declares ``tally = "ledgerlink_tally.plugin"`` in the entry
point group ``ledgerlink``; ledgerlink loads this module and calls its hook.
Options (``ledgerlink run -o key=value``): ``api_key``, ``base_url``, ``book``.
"""

from __future__ import annotations

from ledgerlink.plugins import connector_hook

from ledgerlink_tally.connector import CAPABILITIES, TallyConnector

__all__ = ["ledgerlink_register_connectors"]

ledgerlink_register_connectors = connector_hook(
    "tally", TallyConnector, capabilities=CAPABILITIES,
    description="Tally, a small JSON book service (example plugin).")
