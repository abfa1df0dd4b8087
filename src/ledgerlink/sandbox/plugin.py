"""Internal: registers the built-in sandbox connector through the ordinary plugin hook.

The entry point ``sandbox = "ledgerlink.sandbox.plugin"`` (group ``ledgerlink``)
loads this module exactly as a third-party connector plugin is loaded.
"""

from __future__ import annotations

from ledgerlink.plugins import connector_hook

__all__ = ["ledgerlink_register_connectors"]

ledgerlink_register_connectors = connector_hook(
    "sandbox", "ledgerlink.sandbox.connector:SandboxConnector",
    capabilities="ledgerlink.sandbox.connector:CAPABILITIES",
    description="A complete local accounting book on SQLite, for demos, notebooks and tests.")
