"""Registers the ``pipedrive`` source and emulator through the ordinary plugin hooks.

The entry point ``pipedrive = "ledgerlink_pipedrive.plugin"`` (group
``ledgerlink``) loads this module the way any third-party plugin is loaded; the
source and the emulator are named by ``module:attribute`` and imported only when
sources or emulators are asked for.
"""

from __future__ import annotations

from ledgerlink.plugins import emulator_hook, source_hook

__all__ = ["ledgerlink_register_emulators", "ledgerlink_register_sources"]

ledgerlink_register_emulators = emulator_hook("ledgerlink_pipedrive.emulator.served:SPEC")
ledgerlink_register_sources = source_hook(
    "pipedrive", "ledgerlink_pipedrive.source:PipedriveSource",
    description="Pipedrive deals (API v2, API token or OAuth): won deals with their products, "
                "person and organization, custom fields by name")
