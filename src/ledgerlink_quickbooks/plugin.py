"""Registers the ``quickbooks`` connector and CLI commands through the ordinary plugin hooks.

The entry point ``quickbooks = "ledgerlink_quickbooks.plugin"`` (group
``ledgerlink``) loads this module the way any third-party connector is loaded; it imports
neither the connector nor the commands, named here by ``module:attribute``;
``ledgerlink quickbooks connect|disconnect|status`` come from
:mod:`ledgerlink_quickbooks.cli`.
"""

from __future__ import annotations

from ledgerlink.plugins import LazyCommand, commands_hook, connector_hook, emulator_hook

__all__ = [
    "ledgerlink_register_commands",
    "ledgerlink_register_connectors",
    "ledgerlink_register_emulators",
]

ledgerlink_register_connectors = connector_hook(
    "quickbooks", "ledgerlink_quickbooks.connector:QuickBooksConnector",
    capabilities="ledgerlink_quickbooks.connector:CAPABILITIES",
    description="QuickBooks Online (Accounting API v3, OAuth2); invoices are final "
                "when created (no drafts).")
ledgerlink_register_commands = commands_hook(LazyCommand(
    "quickbooks", "ledgerlink_quickbooks.cli:quickbooks",
    help="Connect QuickBooks Online companies (OAuth 2.0); tokens live in the journal store."))
ledgerlink_register_emulators = emulator_hook("ledgerlink_quickbooks.emulator.served:SPEC")
