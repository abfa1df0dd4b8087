"""Internal: building the plugin manager: specs, entry points, blocking, reporting.

The manager is built by :func:`get_plugin_manager` on demand, never at import,
so tests and apps can build their own. Plugins are discovered through the
entry-point group ``ledgerlink`` (the built-in connectors use it too). A plugin
that fails to import is reported in :attr:`PluginHost.failures` and skipped; the
host keeps working. ``LEDGERLINK_DISABLE_PLUGINS=name,name`` blocks plugins by
entry-point name. :meth:`PluginHost.register_commands` adds the commands plugins
register (``ledgerlink_register_commands``) to a click group, one plugin at a
time, so a plugin that fails or clashes costs only its own commands. Connectors
(:meth:`PluginHost.connectors`), delivery channels (:meth:`PluginHost.channels`)
and work sources (:meth:`PluginHost.sources`) are collected the same way, one
plugin's registry at a time.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from importlib.metadata import EntryPoint, entry_points
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar

import attrs
import click
import pluggy

from ledgerlink.errors import PluginError
from ledgerlink.plugins import hookspecs
from ledgerlink.plugins.registry import (
    ChannelRegistrar,
    ConnectorRegistry,
    NamedRegistry,
    PluginOrigin,
    SourceRegistrar,
)

if TYPE_CHECKING:
    from ledgerlink.emulation import EmulatorRegistry

__all__ = [
    "DISABLE_ENV",
    "CommandRegistrar",
    "PluginFailure",
    "PluginHost",
    "get_plugin_manager",
]

RegistryT = TypeVar("RegistryT", bound=NamedRegistry[Any])

#: Comma-separated entry-point names to block.
DISABLE_ENV = "LEDGERLINK_DISABLE_PLUGINS"
#: What a plugin command may be called (the rule connector names follow).
_COMMAND_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")


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


class CommandRegistrar:
    """Handed to ``ledgerlink_register_commands``: collects one plugin's commands.

    :meth:`add` only checks and collects; :meth:`PluginHost.register_commands`
    adds the commands to the CLI once the plugin's hook returned, so a hook
    that raises half-way adds nothing.

    Args:
        group: the click group the commands will join (``ledgerlink``).
        origin: the plugin registering.
        owners: which plugin added each command already in ``group`` (core
            commands are absent from it).
    """

    def __init__(self, group: click.Group, origin: PluginOrigin,
                 owners: dict[str, PluginOrigin]) -> None:
        self._group = group
        self._origin = origin
        self._owners = owners
        self.commands: dict[str, click.Command] = {}

    def add(self, command: click.Command) -> None:
        """Add ``command`` (a click command or group) under its own name.

        Raises:
            PluginError: not a click command, a name that is not 1 to 40
                lower-case letters, digits, ``-`` and ``_``, or a name the
                core or another plugin already has. The message names this
                plugin (and the other one).
        """
        if not isinstance(command, click.Command):
            raise PluginError(f"{self._origin} registered {command!r}, which is not a click "
                              f"command")
        name = command.name or ""
        if not _COMMAND_NAME.match(name):
            raise PluginError(f"{self._origin} registered a command named {name!r}; names are "
                              f"1-40 lower-case letters, digits, '-' and '_'")
        if name in self.commands or name in self._group.commands:
            holder = (self._origin if name in self.commands
                      else self._owners.get(name, "the ledgerlink core"))
            raise PluginError(f"{self._origin} cannot add command {name!r}: {holder} "
                              f"already has it")
        self.commands[name] = command


class PluginHost:
    """A pluggy manager with typed access to what the plugins registered."""

    def __init__(self, pm: pluggy.PluginManager) -> None:
        self.pm = pm
        self.failures: list[PluginFailure] = []
        self.origins: dict[str, PluginOrigin] = {}
        self._registry: ConnectorRegistry | None = None
        self._channels: ChannelRegistrar | None = None
        self._sources: SourceRegistrar | None = None
        self._emulators: EmulatorRegistry | None = None

    def add(self, plugin: object, name: str, origin: PluginOrigin | None = None) -> None:
        """Register ``plugin`` (a module or object with hook implementations)."""
        if self.pm.is_blocked(name):
            return
        self.pm.register(plugin, name=name)
        self.origins[name] = origin or PluginOrigin(name, name, "0")
        self._registry = None
        self._channels = None
        self._sources = None
        self._emulators = None

    def _implementations(self, hook: str) -> Iterator[tuple[Callable[..., Any], PluginOrigin]]:
        """Each plugin's implementation of ``hook``, with the plugin's origin."""
        for impl in getattr(self.pm.hook, hook).get_hookimpls():
            name = self.pm.get_name(impl.plugin) or impl.plugin_name
            yield impl.function, self.origins.get(name, PluginOrigin(name, name, "0"))

    def _registered(self, hook: Callable[..., Any], origin: PluginOrigin, registry: object,
                    argument: str = "registry") -> bool:
        """Call a registration ``hook`` with ``registry`` (as its parameter ``argument``); a
        hook that raises (a plugin's bug) is reported in :attr:`failures` and costs only
        what it registered."""
        try:
            hook(**{argument: registry})
        except Exception as err:
            self.failures.append(PluginFailure(origin.plugin, origin.distribution,
                                               f"{type(err).__name__}: {err}"))
            return False
        return True

    def connectors(self) -> ConnectorRegistry:
        """All connectors, each attributed to the plugin that registered it.

        Each plugin registers into a registry of its own, merged only when its
        hook returned: a plugin whose hook raises (a bad name or capability
        included) loses its own connectors, and a name clash loses only the
        clashing name; both are reported in :attr:`failures`. The others work.
        """
        if self._registry is None:
            self._registry = self._merged("ledgerlink_register_connectors", ConnectorRegistry,
                                          "registry")
        return self._registry

    def channels(self) -> ChannelRegistrar:
        """All delivery channels (``ledgerlink_register_channels``), each attributed to
        the plugin that registered it; failures and clashes as for :meth:`connectors`."""
        if self._channels is None:
            self._channels = self._merged("ledgerlink_register_channels", ChannelRegistrar,
                                          "registrar")
        return self._channels

    def sources(self) -> SourceRegistrar:
        """All work sources (``ledgerlink_register_sources``), each attributed to the
        plugin that registered it; failures and clashes as for :meth:`connectors`."""
        if self._sources is None:
            self._sources = self._merged("ledgerlink_register_sources", SourceRegistrar,
                                         "registrar")
        return self._sources

    def _merged(self, hook_name: str, make: Callable[[], RegistryT], argument: str
                ) -> RegistryT:
        """Every plugin's registrations through ``hook_name`` (whose parameter is named
        ``argument``), each plugin into a registry of its own, merged only when its hook
        returned."""
        registry = make()
        for hook, origin in self._implementations(hook_name):
            own = make()
            own._set_origin(origin)
            if not self._registered(hook, origin, own, argument):
                continue
            self.failures.extend(PluginFailure(charged.plugin, charged.distribution, problem)
                                 for charged, problem in registry.merge(own))
        return registry

    def emulators(self) -> EmulatorRegistry:
        """All provider emulators, each plugin's registered on its own.

        As with connectors, a plugin whose hook raises loses its own emulators
        and a name another plugin took first is refused; both are reported in
        :attr:`failures`.
        """
        if self._emulators is None:
            from ledgerlink.emulation import EmulatorRegistry

            registry = EmulatorRegistry()
            for hook, origin in self._implementations("ledgerlink_register_emulators"):
                own = EmulatorRegistry()
                if not self._registered(hook, origin, own):
                    continue
                self.failures.extend(
                    PluginFailure(origin.plugin, origin.distribution,
                                  f"emulator {taken!r} is already registered by another plugin")
                    for taken in registry.merge(own))
            self._emulators = registry
        return self._emulators

    def register_commands(self, group: click.Group) -> list[PluginFailure]:
        """Add every plugin's commands to ``group``; return the plugins that failed.

        Each plugin's hook runs on its own: one that raises (a clash included)
        adds none of its commands and is reported, and the core commands and
        other plugins' commands are untouched.
        """
        failures: list[PluginFailure] = []
        owners: dict[str, PluginOrigin] = {}
        for impl in self.pm.hook.ledgerlink_register_commands.get_hookimpls():
            name = self.pm.get_name(impl.plugin) or impl.plugin_name
            origin = self.origins.get(name, PluginOrigin(name, name, "0"))
            cli = CommandRegistrar(group, origin, owners)
            try:
                impl.function(cli=cli)
            except Exception as err:  # a plugin's bug must not take the CLI down
                failures.append(PluginFailure(name, origin.distribution,
                                              f"{type(err).__name__}: {err}"))
                continue
            for command_name, command in cli.commands.items():
                group.add_command(command, command_name)
                owners[command_name] = origin
        return failures


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
        for found in _installed():
            _load(host, found)
    for name, plugin in plugins:
        host.add(plugin, name)
    pm.check_pending()
    return host


@attrs.frozen
class _Installed:
    """An entry point of group ``ledgerlink`` with its distribution's name and version."""

    entry_point: EntryPoint
    distribution: str
    version: str


#: The last discovery, and the state of the import path it was made on.
_discovered: tuple[tuple[tuple[str, int | None], ...], tuple[_Installed, ...]] | None = None


def _path_state() -> tuple[tuple[str, int | None], ...]:
    """Each ``sys.path`` entry with its modification time: installing or removing a
    distribution adds or removes a ``*.dist-info`` entry, which changes its directory's."""
    state = []
    for entry in sys.path:
        try:
            mtime: int | None = os.stat(entry or ".").st_mtime_ns
        except OSError:
            mtime = None
        state.append((entry, mtime))
    return tuple(state)


def _installed() -> tuple[_Installed, ...]:
    """The installed plugins' entry points, sorted by name.

    Discovery reads and parses every distribution's metadata (about 20 ms), and a
    worker builds a plugin host several times per job: the answer is kept until the
    import path changes, checked the way importlib.metadata checks its own cache
    (by the path entries' modification times), so a plugin installed while the
    process runs is still found.
    """
    global _discovered
    state = _path_state()
    if _discovered is not None and _discovered[0] == state:
        return _discovered[1]
    found = tuple(
        _Installed(ep, ep.dist.name if ep.dist is not None else "<unknown>",
                  ep.dist.version if ep.dist is not None else "0")
        for ep in sorted(entry_points(group=hookspecs.PROJECT), key=lambda e: e.name))
    _discovered = (state, found)
    return found


def _load(host: PluginHost, found: _Installed) -> None:
    ep = found.entry_point
    if host.pm.is_blocked(ep.name):
        return
    try:
        plugin: ModuleType | object = ep.load()
    except Exception as err:  # a broken plugin must not take the host down
        host.failures.append(PluginFailure(ep.name, found.distribution,
                                           f"{type(err).__name__}: {err}"))
        return
    host.add(plugin, ep.name, PluginOrigin(ep.name, found.distribution, found.version))
