"""Registers the ``pipedrive`` emulator through the ordinary plugin hooks.

The entry point ``pipedrive = "ledgerlink_pipedrive.plugin"`` (group
``ledgerlink``) loads this module the way any third-party plugin is loaded; the
emulator is named by ``module:attribute`` and imported only when emulators are
asked for.
"""

from __future__ import annotations

from ledgerlink.plugins import emulator_hook

__all__ = ["ledgerlink_register_emulators"]

ledgerlink_register_emulators = emulator_hook("ledgerlink_pipedrive.emulator.served:SPEC")
