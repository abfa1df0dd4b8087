"""Internal: the hook functions a connector plugin's module consists of, made in one line each.

pluggy finds a plugin's hooks as module attributes named like the hookspecs, so
a connector package's ``plugin`` module can be::

    ledgerlink_register_connectors = connector_hook(
        "acme", "acme_books.connector:AcmeConnector",
        capabilities="acme_books.connector:CAPABILITIES", description="Acme Books (API v2)")
    ledgerlink_register_commands = commands_hook(
        LazyCommand("acme", "acme_books.cli:acme", help="Connect Acme Books companies."))
    ledgerlink_register_emulators = emulator_hook("acme_books.emulator.served:SPEC")
    ledgerlink_register_channels = channel_hook(
        "acme-post", "acme_books.post:AcmePostChannel", description="Letters by Acme Post")
    ledgerlink_register_sources = source_hook(
        "acme-crm", "acme_books.crm:AcmeDealSource", description="Won deals in Acme CRM")

Writing the functions out with ``@hookimpl`` works the same; these only save
every plugin the same lines. Objects may be given as ``"package.module:attribute"``
strings, imported only when the hook runs (connectors and emulators when they are
asked for), and commands as :class:`~ledgerlink.plugins.lazy.LazyCommand`, imported
when they run: loading the plugin then costs the command line nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import click

from ledgerlink.connector import Capability
from ledgerlink.plugins.hookspecs import hookimpl
from ledgerlink.plugins.lazy import resolve
from ledgerlink.plugins.manager import CommandRegistrar
from ledgerlink.plugins.registry import (
    ChannelFactory,
    ChannelRegistrar,
    ConnectorFactory,
    ConnectorRegistry,
    SourceFactory,
    SourceRegistrar,
)

if TYPE_CHECKING:
    from ledgerlink.emulation import EmulatorRegistry

__all__ = ["channel_hook", "commands_hook", "connector_hook", "emulator_hook", "source_hook"]


def connector_hook(name: str, factory: ConnectorFactory | str, *,
                   capabilities: Iterable[Capability] | str = (),
                   description: str = "") -> Callable[[ConnectorRegistry], None]:
    """A ``ledgerlink_register_connectors`` hook registering ``factory`` as ``name``.

    ``factory`` and ``capabilities`` may be ``"package.module:attribute"`` strings,
    imported when the hook runs (when connectors are first asked for).
    """

    @hookimpl
    def ledgerlink_register_connectors(registry: ConnectorRegistry) -> None:
        made = resolve(factory) if isinstance(factory, str) else factory
        declared = frozenset(resolve(capabilities) if isinstance(capabilities, str)
                             else capabilities)
        registry.register(name, made, capabilities=declared, description=description)

    ledgerlink_register_connectors.__doc__ = f"Register {name!r}: {description}"
    return ledgerlink_register_connectors


def channel_hook(name: str, factory: ChannelFactory | str, *,
                 description: str = "") -> Callable[[ChannelRegistrar], None]:
    """A ``ledgerlink_register_channels`` hook registering ``factory`` as channel ``name``.

    ``factory`` may be a ``"package.module:attribute"`` string, imported when the
    hook runs (when channels are first asked for).
    """

    @hookimpl
    def ledgerlink_register_channels(registrar: ChannelRegistrar) -> None:
        made = resolve(factory) if isinstance(factory, str) else factory
        registrar.add(name, made, description=description)

    ledgerlink_register_channels.__doc__ = f"Register channel {name!r}: {description}"
    return ledgerlink_register_channels


def source_hook(name: str, factory: SourceFactory | str, *,
                description: str = "") -> Callable[[SourceRegistrar], None]:
    """A ``ledgerlink_register_sources`` hook registering ``factory`` as source ``name``.

    ``factory`` may be a ``"package.module:attribute"`` string, imported when the
    hook runs (when sources are first asked for).
    """

    @hookimpl
    def ledgerlink_register_sources(registrar: SourceRegistrar) -> None:
        made = resolve(factory) if isinstance(factory, str) else factory
        registrar.add(name, made, description=description)

    ledgerlink_register_sources.__doc__ = f"Register source {name!r}: {description}"
    return ledgerlink_register_sources


def commands_hook(*commands: click.Command) -> Callable[[CommandRegistrar], None]:
    """A ``ledgerlink_register_commands`` hook adding ``commands`` to ``ledgerlink``.

    A :class:`~ledgerlink.plugins.lazy.LazyCommand` among them is imported only
    when it runs (or shows its own ``--help``).
    """

    @hookimpl
    def ledgerlink_register_commands(cli: CommandRegistrar) -> None:
        for command in commands:
            cli.add(command)

    names = ", ".join(command.name or "?" for command in commands)
    ledgerlink_register_commands.__doc__ = f"Add ``ledgerlink {names}``."
    return ledgerlink_register_commands


def emulator_hook(spec: str) -> Callable[[EmulatorRegistry], None]:
    """A ``ledgerlink_register_emulators`` hook registering the ``EmulatorSpec`` named by
    ``spec`` (``"package.module:NAME"``), imported only when emulators are asked for, so
    loading the plugin does not load its emulator."""
    @hookimpl
    def ledgerlink_register_emulators(registry: EmulatorRegistry) -> None:
        registry.register(resolve(spec))

    ledgerlink_register_emulators.__doc__ = f"Register the emulator {spec}."
    return ledgerlink_register_emulators
