"""Registers the ``billy`` connector and CLI commands through the ordinary plugin hooks.

The entry point ``billy = "ledgerlink_billy.plugin"`` (group ``ledgerlink``)
loads this module the way any third-party connector is loaded; it imports
neither the connector nor the commands, named here by ``module:attribute``;
``ledgerlink billy connect|status|disconnect`` come from :mod:`ledgerlink_billy.cli`.
"""

from __future__ import annotations

from ledgerlink.plugins import LazyCommand, commands_hook, connector_hook, emulator_hook

__all__ = [
    "ledgerlink_register_commands",
    "ledgerlink_register_connectors",
    "ledgerlink_register_emulators",
]

ledgerlink_register_connectors = connector_hook(
    "billy", "ledgerlink_billy.connector:BillyConnector",
    capabilities="ledgerlink_billy.connector:CAPABILITIES",
    description="Billy (API v2, a company's access token); drafts with lines, approval, "
                "email, PDF, credit notes (no void), bank payments; change feed from "
                "filtered lists.")
ledgerlink_register_commands = commands_hook(LazyCommand(
    "billy", "ledgerlink_billy.cli:billy",
    help="Connect Billy companies (a pasted access token); tokens live in the store."))
ledgerlink_register_emulators = emulator_hook("ledgerlink_billy.emulator.served:SPEC")
