"""The ledgerlink plugin host (pluggy, entry-point group ``ledgerlink``).

What plugin authors import: the hook markers, the registrars their hooks
receive (connectors, delivery channels, work sources, commands), the one-line hook shortcuts
and the commands that load on first use.
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
    ChannelFactory,
    ChannelInfo,
    ChannelRegistrar,
    ConnectorFactory,
    ConnectorInfo,
    ConnectorRegistry,
    FactoryOptions,
    PluginOrigin,
    SourceFactory,
    SourceInfo,
    SourceRegistrar,
)
from ledgerlink.plugins.shortcuts import (
    channel_hook,
    commands_hook,
    connector_hook,
    emulator_hook,
    source_hook,
)

__all__ = [
    "DISABLE_ENV",
    "ChannelFactory",
    "ChannelInfo",
    "ChannelRegistrar",
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
    "SourceFactory",
    "SourceInfo",
    "SourceRegistrar",
    "channel_hook",
    "commands_hook",
    "connector_hook",
    "emulator_hook",
    "get_plugin_manager",
    "hookimpl",
    "hookspec",
    "source_hook",
]
