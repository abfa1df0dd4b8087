"""Registers the ``quickbooks`` connector and CLI commands through the ordinary plugin hooks.

The entry point ``quickbooks = "ledgerlink_quickbooks.plugin"`` (group
``ledgerlink``) loads this module the way any third-party connector is loaded;
``ledgerlink quickbooks connect|disconnect|status`` come from
:mod:`ledgerlink_quickbooks.cli`.
"""

from __future__ import annotations

from ledgerlink.plugins.shortcuts import commands_hook, connector_hook, emulator_hook
from ledgerlink_quickbooks.cli import quickbooks
from ledgerlink_quickbooks.connector import CAPABILITIES, QuickBooksConnector

__all__ = [
    "ledgerlink_register_commands",
    "ledgerlink_register_connectors",
    "ledgerlink_register_emulators",
]

ledgerlink_register_connectors = connector_hook(
    "quickbooks", QuickBooksConnector, capabilities=CAPABILITIES,
    description="QuickBooks Online (Accounting API v3, OAuth2); invoices are final "
                "when created (no drafts).")
ledgerlink_register_commands = commands_hook(quickbooks)
ledgerlink_register_emulators = emulator_hook("ledgerlink_quickbooks.emulator.served:SPEC")
