"""Internal: the connector registry handed to ``ledgerlink_register_connectors``.

A factory's options are read from its signature: its keyword parameters are the
options it accepts, those without a default the ones it requires. The registry
checks the options ``connect(name, **options)`` is given against them, so a
misspelt or missing option is a :class:`ConnectorOptionError` naming it and the
accepted ones, not a ``TypeError`` from deep inside the factory. A factory that
takes ``**kwargs`` accepts any option; only its named required ones are checked.
"""

from __future__ import annotations

import difflib
import inspect
import re
from collections.abc import Callable, Collection, Iterable, Iterator
from typing import Any

import attrs

from ledgerlink.connector import Capability, Connector
from ledgerlink.errors import (
    ConnectorOptionError,
    DuplicateConnectorError,
    PluginError,
    UnknownConnectorError,
)

__all__ = ["ConnectorFactory", "ConnectorInfo", "ConnectorRegistry", "FactoryOptions",
           "PluginOrigin"]

ConnectorFactory = Callable[..., Connector]
_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
#: The distribution whose connectors (``sandbox`` among them) no plugin may take over.
CORE_DISTRIBUTION = "ledgerlink"


@attrs.frozen
class PluginOrigin:
    """Where a registration came from.

    Attributes:
        plugin: the plugin's name in the plugin manager (the entry-point name).
        distribution: the installed distribution that ships it.
        version: that distribution's version.
    """

    plugin: str
    distribution: str
    version: str

    def __str__(self) -> str:
        return f"{self.distribution} {self.version} (plugin {self.plugin!r})"


@attrs.frozen
class FactoryOptions:
    """The keyword options a connector factory takes, read from its signature.

    Attributes:
        accepted: every option it takes, in its signature's order.
        required: those without a default.
        open: True when it also takes ``**kwargs`` (any other option).
    """

    accepted: tuple[str, ...]
    required: tuple[str, ...]
    open: bool

    @classmethod
    def from_factory(cls, factory: Callable[..., Any]) -> FactoryOptions:
        """Read the options of ``factory`` (a class reads its ``__init__``)."""
        try:
            parameters = inspect.signature(factory).parameters.values()
        except (TypeError, ValueError):  # no signature to read (some builtins): judge nothing
            return cls((), (), True)
        keywords = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
        named = [p for p in parameters if p.kind in keywords]
        return cls(tuple(p.name for p in named),
                   tuple(p.name for p in named if p.default is inspect.Parameter.empty),
                   any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters))

    def check(self, connector: str, given: Collection[str]) -> None:
        """Raise ConnectorOptionError for options not accepted or required ones not given."""
        unknown = [] if self.open else [o for o in given if o not in self.accepted]
        missing = [o for o in self.required if o not in given]
        if not unknown and not missing:
            return
        suggestions = {}
        for option in unknown:
            close = difflib.get_close_matches(option, self.accepted, n=1, cutoff=0.6)
            if close:
                suggestions[option] = close[0]
        raise ConnectorOptionError(connector, unknown=unknown, missing=missing,
                                   accepted=self.accepted, suggestions=suggestions)


@attrs.frozen
class ConnectorInfo:
    """One registered connector.

    Attributes:
        name: the name ``connect(name)`` takes.
        factory: builds a connector from keyword options.
        capabilities: what the connector declares it can do.
        description: one line for ``ledgerlink connectors``.
        origin: which plugin and distribution registered it.
    """

    name: str
    factory: ConnectorFactory
    capabilities: frozenset[Capability]
    description: str
    origin: PluginOrigin

    @property
    def options(self) -> FactoryOptions:
        """The options the factory takes (from its signature)."""
        return FactoryOptions.from_factory(self.factory)


class ConnectorRegistry:
    """Collects connector registrations and refuses ambiguous ones.

    pluggy alone would let two plugins register the same name and silently
    keep one; the registry raises :class:`DuplicateConnectorError` naming both
    distributions instead.
    """

    def __init__(self) -> None:
        self._connectors: dict[str, ConnectorInfo] = {}
        self._origin = PluginOrigin("<direct>", "<direct>", "0")
        # Names two plugins both registered: neither is used, and asking for one says why.
        self._clashes: dict[str, DuplicateConnectorError] = {}

    def _set_origin(self, origin: PluginOrigin) -> None:
        self._origin = origin

    def register(
        self,
        name: str,
        factory: ConnectorFactory,
        *,
        capabilities: Iterable[Capability] = (),
        description: str = "",
    ) -> None:
        """Register ``factory`` under ``name`` with its declared ``capabilities``."""
        if not isinstance(name, str) or not _NAME.match(name):
            raise PluginError(
                f"{self._origin}: connector name {name!r} must be lower-case letters, "
                "digits, '-' or '_' (at most 40)"
            )
        if not callable(factory):
            raise PluginError(f"{self._origin}: factory for {name!r} is not callable")
        caps = frozenset(capabilities)
        bad = [c for c in caps if not isinstance(c, Capability)]
        if bad:
            raise PluginError(f"{self._origin}: unknown capabilities for {name!r}: {bad!r}")
        if name in self._connectors:
            first = self._connectors[name].origin
            raise DuplicateConnectorError(
                f"connector {name!r} is registered by both {first} and {self._origin}; "
                "uninstall one or disable it with LEDGERLINK_DISABLE_PLUGINS"
            )
        self._connectors[name] = ConnectorInfo(name, factory, caps, description, self._origin)

    def merge(self, other: ConnectorRegistry) -> list[tuple[PluginOrigin, str]]:
        """Add the registrations one plugin made in ``other``; return the problems, each
        with the plugin it is charged to.

        A name a connector of the ledgerlink distribution has (``sandbox``...) stays
        the core's: the plugin's registration is refused. A name two plugins
        register is used by neither: asking for it raises DuplicateConnectorError
        naming both. Either way the plugins' other connectors are unaffected.
        """
        problems: list[tuple[PluginOrigin, str]] = []
        for info in other._connectors.values():
            name, held = info.name, self._connectors.get(info.name)
            if name in self._clashes:
                problems.append((info.origin, f"{info.origin} also registers connector "
                                 f"{name!r}, which other plugins registered too; none of "
                                 "them is used"))
            elif held is None:
                self._connectors[name] = info
            elif CORE_DISTRIBUTION in (held.origin.distribution, info.origin.distribution):
                core, other_info = ((held, info) if held.origin.distribution ==
                                    CORE_DISTRIBUTION else (info, held))
                self._connectors[name] = core
                problems.append((other_info.origin, f"{other_info.origin} may not take over "
                                 f"the built-in connector {name!r} of {core.origin}; its "
                                 "registration is ignored"))
            else:
                clash = DuplicateConnectorError(
                    f"connector {name!r} is registered by both {held.origin} and "
                    f"{info.origin}; uninstall one or disable it with "
                    "LEDGERLINK_DISABLE_PLUGINS")
                del self._connectors[name]
                self._clashes[name] = clash
                problems.extend((origin, str(clash)) for origin in (held.origin, info.origin))
        return problems

    def __contains__(self, name: object) -> bool:
        return name in self._connectors

    def __iter__(self) -> Iterator[ConnectorInfo]:
        return iter(sorted(self._connectors.values(), key=lambda info: info.name))

    def __len__(self) -> int:
        return len(self._connectors)

    def get(self, name: str) -> ConnectorInfo:
        """The registration for ``name``; UnknownConnectorError lists the known names."""
        if name in self._clashes:
            raise self._clashes[name]
        try:
            return self._connectors[name]
        except KeyError:
            known = ", ".join(sorted(self._connectors)) or "none"
            raise UnknownConnectorError(
                f"no connector named {name!r} is installed (known: {known})"
            ) from None

    def check_options(self, name: str, options: Collection[str]) -> None:
        """Raise ConnectorOptionError unless ``name``'s factory takes exactly these options."""
        self.get(name).options.check(name, options)

    def create(self, name: str, **options: Any) -> Connector:
        """Build the connector ``name`` with ``options``, checked against its factory."""
        info = self.get(name)
        info.options.check(name, options)
        return info.factory(**options)
