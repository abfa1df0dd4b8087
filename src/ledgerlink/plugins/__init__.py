"""The ledgerlink plugin host (pluggy, entry-point group ``ledgerlink``).

What plugin authors import: the hook markers, the registrars their hooks
receive, the one-line hook shortcuts and the commands that load on first use.
The submodules are internal; everything a plugin needs is named here.
"""

from ledgerlink.plugins.hookspecs import hookimpl, hookspec
from ledgerlink.plugins.lazy import LazyCommand, LazyGroup
from ledgerlink.plugins.manager import (
    DISABLE_ENV,
    CommandRegistrar,
    PluginFailure,
    PluginHost,
    get_plugin_manager,
)
from ledgerlink.plugins.registry import (
    ConnectorFactory,
    ConnectorInfo,
    ConnectorRegistry,
    FactoryOptions,
    PluginOrigin,
)
from ledgerlink.plugins.shortcuts import commands_hook, connector_hook, emulator_hook

__all__ = [
    "DISABLE_ENV",
    "CommandRegistrar",
    "ConnectorFactory",
    "ConnectorInfo",
    "ConnectorRegistry",
    "FactoryOptions",
    "LazyCommand",
    "LazyGroup",
    "PluginFailure",
    "PluginHost",
    "PluginOrigin",
    "commands_hook",
    "connector_hook",
    "emulator_hook",
    "get_plugin_manager",
    "hookimpl",
    "hookspec",
]
