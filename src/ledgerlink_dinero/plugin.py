"""Registers the ``dinero`` connector and CLI commands through the ordinary plugin hooks.

The entry point ``dinero = "ledgerlink_dinero.plugin"`` (group ``ledgerlink``)
loads this module the way any third-party connector is loaded; it imports
neither the connector nor the commands, named here by ``module:attribute``;
``ledgerlink dinero connect|disconnect|status|organisations`` come from
:mod:`ledgerlink_dinero.cli`.
"""

from __future__ import annotations

from ledgerlink.plugins import LazyCommand, commands_hook, connector_hook, emulator_hook

__all__ = [
    "ledgerlink_register_commands",
    "ledgerlink_register_connectors",
    "ledgerlink_register_emulators",
]

ledgerlink_register_connectors = connector_hook(
    "dinero", "ledgerlink_dinero.connector:DineroConnector",
    capabilities="ledgerlink_dinero.connector:CAPABILITIES",
    description="Visma Dinero (public API v1, OAuth2 via Visma Connect); real drafts, "
                "booking, email, PDF, credit notes, payments; polled change feed.")
ledgerlink_register_commands = commands_hook(LazyCommand(
    "dinero", "ledgerlink_dinero.cli:dinero",
    help="Connect Dinero organisations (OAuth 2.0 via Visma Connect); tokens live in the store."))
ledgerlink_register_emulators = emulator_hook("ledgerlink_dinero.emulator.served:SPEC")
