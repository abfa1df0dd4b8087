"""Registers the ``quickbooks`` connector and CLI commands through the ordinary plugin hooks.

The entry point ``quickbooks = "ledgerlink_quickbooks.plugin"`` (group
``ledgerlink``) loads this module the way any third-party connector is loaded;
``ledgerlink quickbooks connect|disconnect|status`` come from
:mod:`ledgerlink_quickbooks.cli`.
"""

from __future__ import annotations

from ledgerlink.emulation import EmulatorRegistry
from ledgerlink.plugins.hookspecs import hookimpl
from ledgerlink.plugins.manager import CommandRegistrar
from ledgerlink.plugins.registry import ConnectorRegistry
from ledgerlink_quickbooks.cli import quickbooks
from ledgerlink_quickbooks.connector import CAPABILITIES, QuickBooksConnector

__all__ = [
    "ledgerlink_register_commands",
    "ledgerlink_register_connectors",
    "ledgerlink_register_emulators",
]


@hookimpl
def ledgerlink_register_connectors(registry: ConnectorRegistry) -> None:
    """Register ``quickbooks``: QuickBooks Online through its v3 Accounting API."""
    registry.register(
        "quickbooks",
        QuickBooksConnector,
        capabilities=CAPABILITIES,
        description="QuickBooks Online (Accounting API v3, OAuth2); invoices are final "
                    "when created (no drafts).",
    )


@hookimpl
def ledgerlink_register_emulators(registry: EmulatorRegistry) -> None:
    """Register ``quickbooks``: the QuickBooks emulator, for ``ledgerlink emulate quickbooks``."""
    from ledgerlink_quickbooks.emulator.served import SPEC

    registry.register(SPEC)


@hookimpl
def ledgerlink_register_commands(cli: CommandRegistrar) -> None:
    """Add ``ledgerlink quickbooks`` (connect, disconnect, status)."""
    cli.add(quickbooks)
