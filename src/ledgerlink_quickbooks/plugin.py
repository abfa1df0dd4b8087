"""Registers the ``quickbooks`` connector through the ordinary plugin hook.

The entry point ``quickbooks = "ledgerlink_quickbooks.plugin"`` (group
``ledgerlink``) loads this module the way any third-party connector is loaded.
"""

from __future__ import annotations

from ledgerlink.plugins.hookspecs import hookimpl
from ledgerlink.plugins.registry import ConnectorRegistry
from ledgerlink_quickbooks.connector import CAPABILITIES, QuickBooksConnector

__all__ = ["ledgerlink_register_connectors"]


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
