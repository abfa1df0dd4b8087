"""Building the plugin manager: specs, entry points, blocking, reporting.

The manager is built by :func:`get_plugin_manager` on demand, never at import,
so tests and apps can build their own. Plugins are discovered through the
entry-point group ``ledgerlink`` (the built-in connectors use it too). A plugin
that fails to import is reported in :attr:`PluginHost.failures` and skipped; the
host keeps working. ``LEDGERLINK_DISABLE_PLUGINS=name,name`` blocks plugins by
entry-point name.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from importlib.metadata import EntryPoint, entry_points
from types import ModuleType

import attrs
import pluggy

from ledgerlink.plugins import hookspecs
from ledgerlink.plugins.registry import ConnectorRegistry, PluginOrigin

__all__ = ["DISABLE_ENV", "PluginFailure", "PluginHost", "get_plugin_manager"]

#: Comma-separated entry-point names to block.
DISABLE_ENV = "LEDGERLINK_DISABLE_PLUGINS"


@attrs.frozen
class PluginFailure:
    """A plugin that could not be loaded.

    Attributes:
        plugin: entry-point name.
        distribution: the distribution that declares it.
        error: the exception text.
    """

    plugin: str
    distribution: str
    error: str


class PluginHost:
    """A pluggy manager with typed access to what the plugins registered."""

    def __init__(self, pm: pluggy.PluginManager) -> None:
        self.pm = pm
        self.failures: list[PluginFailure] = []
        self.origins: dict[str, PluginOrigin] = {}
        self._registry: ConnectorRegistry | None = None

    def add(self, plugin: object, name: str, origin: PluginOrigin | None = None) -> None:
        """Register ``plugin`` (a module or object with hook implementations)."""
        if self.pm.is_blocked(name):
            return
        self.pm.register(plugin, name=name)
        self.origins[name] = origin or PluginOrigin(name, name, "0")
        self._registry = None

    def connectors(self) -> ConnectorRegistry:
        """All connectors, each attributed to the plugin that registered it."""
        if self._registry is None:
            registry = ConnectorRegistry()
            # Call each implementation on its own so every registration is
            # attributed to its plugin (duplicate names must name both).
            for impl in self.pm.hook.ledgerlink_register_connectors.get_hookimpls():
                name = self.pm.get_name(impl.plugin) or impl.plugin_name
                registry._set_origin(self.origins.get(name, PluginOrigin(name, name, "0")))
                impl.function(registry=registry)
            self._registry = registry
        return self._registry


def _disabled_from_env() -> set[str]:
    raw = os.environ.get(DISABLE_ENV, "")
    return {part.strip() for part in raw.split(",") if part.strip()}


def get_plugin_manager(
    *,
    load_entry_points: bool = True,
    disabled: Iterable[str] | None = None,
    plugins: Iterable[tuple[str, object]] = (),
) -> PluginHost:
    """Build a plugin host.

    Args:
        load_entry_points: discover installed plugins (group ``ledgerlink``).
        disabled: plugin names to block; defaults to ``$LEDGERLINK_DISABLE_PLUGINS``.
        plugins: extra ``(name, plugin)`` pairs, e.g. from tests.
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    for name in _disabled_from_env() if disabled is None else set(disabled):
        pm.set_blocked(name)
    host = PluginHost(pm)
    if load_entry_points:
        for ep in sorted(entry_points(group=hookspecs.PROJECT), key=lambda e: e.name):
            _load(host, ep)
    for name, plugin in plugins:
        host.add(plugin, name)
    pm.check_pending()
    return host


def _load(host: PluginHost, ep: EntryPoint) -> None:
    dist = ep.dist.name if ep.dist is not None else "<unknown>"
    version = ep.dist.version if ep.dist is not None else "0"
    if host.pm.is_blocked(ep.name):
        return
    try:
        plugin: ModuleType | object = ep.load()
    except Exception as err:  # a broken plugin must not take the host down
        host.failures.append(PluginFailure(ep.name, dist, f"{type(err).__name__}: {err}"))
        return
    host.add(plugin, ep.name, PluginOrigin(ep.name, dist, version))
