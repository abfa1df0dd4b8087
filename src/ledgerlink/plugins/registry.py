"""Internal: the registries handed to ``ledgerlink_register_connectors`` and ``..._channels``.

Connectors, delivery channels and work sources are registered the same way (a
name, a factory, a description; one plugin's registrations merged at a time; a
name two plugins register is used by neither; the core's names cannot be taken
over): :class:`NamedRegistry` holds those rules once, and
:class:`ConnectorRegistry`, :class:`ChannelRegistrar` and :class:`SourceRegistrar`
add what is their own.


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
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Protocol, TypeVar

import attrs

from ledgerlink.connector import Capability, Connector
from ledgerlink.errors import (
    ConnectorOptionError,
    DuplicateChannelError,
    DuplicateConnectorError,
    DuplicateSourceError,
    LedgerlinkError,
    PluginError,
    UnknownChannelError,
    UnknownConnectorError,
    UnknownSourceError,
)

if TYPE_CHECKING:
    from ledgerlink.delivery.model import Channel
    from ledgerlink.sources import Source

__all__ = ["ChannelFactory", "ChannelInfo", "ChannelRegistrar", "ConnectorFactory",
           "ConnectorInfo", "ConnectorRegistry", "FactoryOptions", "NamedRegistry",
           "PluginOrigin", "SourceFactory", "SourceInfo", "SourceRegistrar"]

ConnectorFactory = Callable[..., Connector]
ChannelFactory = Callable[..., "Channel"]
SourceFactory = Callable[..., "Source"]
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

    def check(self, connector: str, given: Collection[str], *, kind: str = "connector"
              ) -> None:
        """Raise ConnectorOptionError for options not accepted or required ones not given
        (``kind`` names what ``connector`` is: a connector, a channel)."""
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
                                   accepted=self.accepted, suggestions=suggestions, kind=kind)


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


@attrs.frozen
class ChannelInfo:
    """One registered delivery channel.

    Attributes:
        name: the name ``open_channel(name)`` takes.
        factory: builds a :class:`~ledgerlink.delivery.Channel` from keyword options.
        description: one line for listings.
        origin: which plugin and distribution registered it.
    """

    name: str
    factory: ChannelFactory
    description: str
    origin: PluginOrigin

    @property
    def options(self) -> FactoryOptions:
        """The options the factory takes (from its signature)."""
        return FactoryOptions.from_factory(self.factory)


@attrs.frozen
class SourceInfo:
    """One registered work source (files, a CRM).

    Attributes:
        name: the name ``open_source(name)`` takes.
        factory: builds a :class:`~ledgerlink.sources.Source` from keyword options.
        description: one line for ``ledgerlink sources``.
        origin: which plugin and distribution registered it.
    """

    name: str
    factory: SourceFactory
    description: str
    origin: PluginOrigin

    @property
    def options(self) -> FactoryOptions:
        """The options the factory takes (from its signature)."""
        return FactoryOptions.from_factory(self.factory)


class _Registered(Protocol):
    """What every registration has: a name, where it came from, and its options."""

    @property
    def name(self) -> str: ...
    @property
    def origin(self) -> PluginOrigin: ...
    @property
    def options(self) -> FactoryOptions: ...


InfoT = TypeVar("InfoT", bound=_Registered)


class NamedRegistry(Generic[InfoT]):
    """Named factories registered by plugins, with ambiguous registrations refused.

    pluggy alone would let two plugins register the same name and silently
    keep one; the registry raises an error naming both distributions instead.
    Subclasses say what they hold (:attr:`kind`) and which errors name a clash
    and an unknown name.
    """

    #: What an entry is, in messages ("connector", "channel").
    kind: ClassVar[str] = "entry"
    _duplicate: ClassVar[type[PluginError]] = PluginError
    _unknown: ClassVar[type[LedgerlinkError]] = LedgerlinkError

    def __init__(self) -> None:
        self._entries: dict[str, InfoT] = {}
        self._origin = PluginOrigin("<direct>", "<direct>", "0")
        # Names two plugins both registered: neither is used, and asking for one says why.
        self._clashes: dict[str, PluginError] = {}

    def _set_origin(self, origin: PluginOrigin) -> None:
        self._origin = origin

    def _check(self, name: str, factory: object) -> None:
        """Refuse a malformed name or a factory that cannot be called."""
        if not isinstance(name, str) or not _NAME.match(name):
            raise PluginError(
                f"{self._origin}: {self.kind} name {name!r} must be lower-case letters, "
                "digits, '-' or '_' (at most 40)"
            )
        if not callable(factory):
            raise PluginError(f"{self._origin}: factory for {name!r} is not callable")

    def _add(self, info: InfoT) -> None:
        """Keep ``info``, unless this plugin registered its name already."""
        if info.name in self._entries:
            first = self._entries[info.name].origin
            raise self._duplicate(
                f"{self.kind} {info.name!r} is registered by both {first} and {self._origin}; "
                "uninstall one or disable it with LEDGERLINK_DISABLE_PLUGINS"
            )
        self._entries[info.name] = info

    def merge(self, other: NamedRegistry[InfoT]) -> list[tuple[PluginOrigin, str]]:
        """Add the registrations one plugin made in ``other``; return the problems, each
        with the plugin it is charged to.

        A name an entry of the ledgerlink distribution has (``sandbox``...) stays
        the core's: the plugin's registration is refused. A name two plugins
        register is used by neither: asking for it raises the duplicate error
        naming both. Either way the plugins' other entries are unaffected.
        """
        problems: list[tuple[PluginOrigin, str]] = []
        kind = self.kind
        for info in other._entries.values():
            name, held = info.name, self._entries.get(info.name)
            if name in self._clashes:
                problems.append((info.origin, f"{info.origin} also registers {kind} "
                                 f"{name!r}, which other plugins registered too; none of "
                                 "them is used"))
            elif held is None:
                self._entries[name] = info
            elif CORE_DISTRIBUTION in (held.origin.distribution, info.origin.distribution):
                core, other_info = ((held, info) if held.origin.distribution ==
                                    CORE_DISTRIBUTION else (info, held))
                self._entries[name] = core
                problems.append((other_info.origin, f"{other_info.origin} may not take over "
                                 f"the built-in {kind} {name!r} of {core.origin}; its "
                                 "registration is ignored"))
            else:
                clash = self._duplicate(
                    f"{kind} {name!r} is registered by both {held.origin} and "
                    f"{info.origin}; uninstall one or disable it with "
                    "LEDGERLINK_DISABLE_PLUGINS")
                del self._entries[name]
                self._clashes[name] = clash
                problems.extend((origin, str(clash)) for origin in (held.origin, info.origin))
        return problems

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[InfoT]:
        return iter(sorted(self._entries.values(), key=lambda info: info.name))

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, name: str) -> InfoT:
        """The registration for ``name``; an unknown name's error lists the known names."""
        if name in self._clashes:
            raise self._clashes[name]
        try:
            return self._entries[name]
        except KeyError:
            known = ", ".join(sorted(self._entries)) or "none"
            raise self._unknown(
                f"no {self.kind} named {name!r} is installed (known: {known})"
            ) from None

    def check_options(self, name: str, options: Collection[str]) -> None:
        """Raise ConnectorOptionError unless ``name``'s factory takes exactly these options."""
        self.get(name).options.check(name, options, kind=self.kind)


class ConnectorRegistry(NamedRegistry[ConnectorInfo]):
    """Collects connector registrations (``ledgerlink_register_connectors``)."""

    kind = "connector"
    _duplicate = DuplicateConnectorError
    _unknown = UnknownConnectorError

    def register(
        self,
        name: str,
        factory: ConnectorFactory,
        *,
        capabilities: Iterable[Capability] = (),
        description: str = "",
    ) -> None:
        """Register ``factory`` under ``name`` with its declared ``capabilities``."""
        self._check(name, factory)
        caps = frozenset(capabilities)
        bad = [c for c in caps if not isinstance(c, Capability)]
        if bad:
            raise PluginError(f"{self._origin}: unknown capabilities for {name!r}: {bad!r}")
        self._add(ConnectorInfo(name, factory, caps, description, self._origin))

    def create(self, name: str, **options: Any) -> Connector:
        """Build the connector ``name`` with ``options``, checked against its factory."""
        info = self.get(name)
        info.options.check(name, options)
        return info.factory(**options)


class ChannelRegistrar(NamedRegistry[ChannelInfo]):
    """Handed to ``ledgerlink_register_channels``: collects delivery channels.

    The same rules as connectors: a bad name or a factory that is not callable
    is a :class:`~ledgerlink.errors.PluginError`, a name registered twice a
    :class:`~ledgerlink.errors.DuplicateChannelError` naming both plugins, and
    the core's channels cannot be taken over.
    """

    kind = "channel"
    _duplicate = DuplicateChannelError
    _unknown = UnknownChannelError

    def add(self, name: str, factory: ChannelFactory, *, description: str = "") -> None:
        """Register ``factory`` (``factory(**options)`` returns a channel) as ``name``."""
        self._check(name, factory)
        self._add(ChannelInfo(name, factory, description, self._origin))

    def create(self, name: str, **options: Any) -> Channel:
        """Build the channel ``name`` with ``options``, checked against its factory."""
        info = self.get(name)
        info.options.check(name, options, kind=self.kind)
        return info.factory(**options)


class SourceRegistrar(NamedRegistry[SourceInfo]):
    """Handed to ``ledgerlink_register_sources``: collects work sources.

    The connectors' rules: a bad name or a factory that is not callable is a
    :class:`~ledgerlink.errors.PluginError`, a name two plugins register a
    :class:`~ledgerlink.errors.DuplicateSourceError` naming both, and the core's
    sources (``files``) cannot be taken over.
    """

    kind = "source"
    _duplicate = DuplicateSourceError
    _unknown = UnknownSourceError

    def add(self, name: str, factory: SourceFactory, *, description: str = "") -> None:
        """Register ``factory`` (``factory(**options)`` returns a source) as ``name``."""
        self._check(name, factory)
        self._add(SourceInfo(name, factory, description, self._origin))

    def create(self, name: str, **options: Any) -> Source:
        """Build the source ``name`` with ``options``, checked against its factory."""
        info = self.get(name)
        info.options.check(name, options, kind=self.kind)
        return info.factory(**options)
