"""The connector registry handed to ``ledgerlink_register_connectors``."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import attrs

from ledgerlink.connector import Capability, Connector
from ledgerlink.errors import DuplicateConnectorError, PluginError, UnknownConnectorError

__all__ = ["ConnectorFactory", "ConnectorInfo", "ConnectorRegistry", "PluginOrigin"]

ConnectorFactory = Callable[..., Connector]
_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")


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


class ConnectorRegistry:
    """Collects connector registrations and refuses ambiguous ones.

    pluggy alone would let two plugins register the same name and silently
    keep one; the registry raises :class:`DuplicateConnectorError` naming both
    distributions instead.
    """

    def __init__(self) -> None:
        self._connectors: dict[str, ConnectorInfo] = {}
        self._origin = PluginOrigin("<direct>", "<direct>", "0")

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

    def __contains__(self, name: object) -> bool:
        return name in self._connectors

    def __iter__(self) -> Iterator[ConnectorInfo]:
        return iter(sorted(self._connectors.values(), key=lambda info: info.name))

    def __len__(self) -> int:
        return len(self._connectors)

    def get(self, name: str) -> ConnectorInfo:
        """The registration for ``name``; UnknownConnectorError lists the known names."""
        try:
            return self._connectors[name]
        except KeyError:
            known = ", ".join(sorted(self._connectors)) or "none"
            raise UnknownConnectorError(
                f"no connector named {name!r} is installed (known: {known})"
            ) from None

    def create(self, name: str, **options: Any) -> Connector:
        """Build the connector ``name`` with ``options``."""
        return self.get(name).factory(**options)
