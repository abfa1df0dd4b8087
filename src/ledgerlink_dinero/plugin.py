"""Registers the ``dinero`` connector and CLI commands through the ordinary plugin hooks.

The entry point ``dinero = "ledgerlink_dinero.plugin"`` (group ``ledgerlink``)
loads this module the way any third-party connector is loaded;
``ledgerlink dinero connect|disconnect|status|organisations`` come from
:mod:`ledgerlink_dinero.cli`.
"""

from __future__ import annotations

from ledgerlink.emulation import EmulatorRegistry
from ledgerlink.plugins.hookspecs import hookimpl
from ledgerlink.plugins.manager import CommandRegistrar
from ledgerlink.plugins.registry import ConnectorRegistry
from ledgerlink_dinero.cli import dinero
from ledgerlink_dinero.connector import CAPABILITIES, DineroConnector

__all__ = [
    "ledgerlink_register_commands",
    "ledgerlink_register_connectors",
    "ledgerlink_register_emulators",
]


@hookimpl
def ledgerlink_register_connectors(registry: ConnectorRegistry) -> None:
    """Register ``dinero``: Visma Dinero through its public API (OAuth2, Visma Connect)."""
    registry.register(
        "dinero",
        DineroConnector,
        capabilities=CAPABILITIES,
        description="Visma Dinero (public API v1, OAuth2 via Visma Connect); real drafts, "
                    "booking, email, PDF, credit notes, payments; polled change feed.",
    )


@hookimpl
def ledgerlink_register_emulators(registry: EmulatorRegistry) -> None:
    """Register ``dinero``: the Dinero emulator, for ``ledgerlink emulate dinero``."""
    from ledgerlink_dinero.emulator.served import SPEC

    registry.register(SPEC)


@hookimpl
def ledgerlink_register_commands(cli: CommandRegistrar) -> None:
    """Add ``ledgerlink dinero`` (connect, disconnect, status, organisations)."""
    cli.add(dinero)
