"""The ledgerlink plugin host (pluggy, entry-point group ``ledgerlink``)."""

from ledgerlink.plugins.hookspecs import hookimpl, hookspec
from ledgerlink.plugins.manager import DISABLE_ENV, PluginFailure, PluginHost, get_plugin_manager
from ledgerlink.plugins.registry import ConnectorInfo, ConnectorRegistry, PluginOrigin
from ledgerlink.plugins.shortcuts import commands_hook, connector_hook

__all__ = [
    "DISABLE_ENV",
    "ConnectorInfo",
    "ConnectorRegistry",
    "PluginFailure",
    "PluginHost",
    "PluginOrigin",
    "commands_hook",
    "connector_hook",
    "get_plugin_manager",
    "hookimpl",
    "hookspec",
]
