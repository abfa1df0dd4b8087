"""Registers the ``economic`` connector, CLI commands and emulator through the plugin hooks.

The entry point ``economic = "ledgerlink_economic.plugin"`` (group ``ledgerlink``)
loads this module the way any third-party connector is loaded; it imports
neither the connector nor the commands, named here by ``module:attribute``;
``ledgerlink economic connect|status|disconnect`` come from :mod:`ledgerlink_economic.cli`
and ``ledgerlink emulate economic`` from :mod:`ledgerlink_economic.emulator.served`.
"""

from __future__ import annotations

from ledgerlink.plugins import LazyCommand, commands_hook, connector_hook, emulator_hook

__all__ = [
    "ledgerlink_register_commands",
    "ledgerlink_register_connectors",
    "ledgerlink_register_emulators",
]

ledgerlink_register_connectors = connector_hook(
    "economic", "ledgerlink_economic.connector:EconomicConnector",
    capabilities="ledgerlink_economic.connector:CAPABILITIES",
    description="Visma e-conomic (REST API, an app secret and an agreement grant); drafts "
                "with lines, booking, PDF, credit notes, customer updates; no e-mail (sent "
                "through ledgerlink's delivery), Idempotency-Key on every write.")
ledgerlink_register_commands = commands_hook(LazyCommand(
    "economic", "ledgerlink_economic.cli:economic",
    help="Connect e-conomic agreements (the installation-URL grant); tokens live in the store."))
ledgerlink_register_emulators = emulator_hook("ledgerlink_economic.emulator.served:SPEC")
