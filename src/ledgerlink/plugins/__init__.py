"""The ledgerlink plugin host (pluggy, entry-point group ``ledgerlink``)."""

from ledgerlink.plugins.hookspecs import hookimpl, hookspec
from ledgerlink.plugins.manager import DISABLE_ENV, PluginFailure, PluginHost, get_plugin_manager
from ledgerlink.plugins.registry import ConnectorInfo, ConnectorRegistry, PluginOrigin

__all__ = [
    "DISABLE_ENV",
    "ConnectorInfo",
    "ConnectorRegistry",
    "PluginFailure",
    "PluginHost",
    "PluginOrigin",
    "get_plugin_manager",
    "hookimpl",
    "hookspec",
]
