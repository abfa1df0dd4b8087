"""Registers the ``pipedrive`` source, emulator and commands through the ordinary plugin hooks.

The entry point ``pipedrive = "ledgerlink_pipedrive.plugin"`` (group
``ledgerlink``) loads this module the way any third-party plugin is loaded; the
source, the emulator and ``ledgerlink pipedrive connect|status|disconnect`` are
named by ``module:attribute`` and imported only when they are asked for.
"""

from __future__ import annotations

from ledgerlink.plugins import LazyCommand, commands_hook, emulator_hook, source_hook

__all__ = ["ledgerlink_register_commands", "ledgerlink_register_emulators",
           "ledgerlink_register_sources"]

ledgerlink_register_emulators = emulator_hook("ledgerlink_pipedrive.emulator.served:SPEC")
ledgerlink_register_sources = source_hook(
    "pipedrive", "ledgerlink_pipedrive.source:PipedriveSource",
    description="Pipedrive deals (API v2, API token or OAuth): won deals with their products, "
                "person and organization, custom fields by name")
ledgerlink_register_commands = commands_hook(LazyCommand(
    "pipedrive", "ledgerlink_pipedrive.cli:pipedrive",
    help="Keep Pipedrive API tokens in the store for the pipedrive source."))
