"""Internal: hook specifications: the functions a ledgerlink plugin may implement.

Every hook carries the ``ledgerlink_`` prefix and a verb, and receives a typed
registrar rather than returning loosely-typed values. Plugins mark their
implementations with :data:`hookimpl`::

    from ledgerlink.plugins import hookimpl

    @hookimpl
    def ledgerlink_register_connectors(registry):
        registry.register("fiken", FikenConnector, capabilities={...})

    @hookimpl
    def ledgerlink_register_emulators(registry):
        registry.register(EmulatorSpec("fiken", ...))   # `ledgerlink emulate fiken`

    @hookimpl
    def ledgerlink_register_channels(registrar):
        registrar.add("fax", FaxChannel, description="Invoices by fax")   # open_channel("fax")

    @hookimpl
    def ledgerlink_register_sources(registrar):
        registrar.add("hubspot", HubspotSource, description="Won HubSpot deals")  # open_source

    @hookimpl
    def ledgerlink_register_commands(cli):
        cli.add(fiken_group)            # a click command or group: `ledgerlink fiken ...`

    @hookimpl
    def ledgerlink_authorize_invoicing(actor, job, company):
        return None if actor in INVOICERS else f"{actor} may not invoice"
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from ledgerlink.domain import Company
    from ledgerlink.emulation import EmulatorRegistry
    from ledgerlink.plugins.manager import CommandRegistrar
    from ledgerlink.plugins.registry import ChannelRegistrar, ConnectorRegistry, SourceRegistrar
    from ledgerlink.scheduling.model import Recipient, ScheduledJob
    from ledgerlink.scheduling.run_report import RunReport

__all__ = ["PROJECT", "hookimpl", "hookspec"]

#: The pluggy project name; also the entry-point group plugins register under.
PROJECT = "ledgerlink"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def ledgerlink_register_connectors(registry: ConnectorRegistry) -> None:
    """Register connector factories with ``registry.register(name, factory, ...)``.

    Called once per plugin manager. ``factory(**options)`` must return an
    object implementing :class:`ledgerlink.connector.Connector`.
    """


@hookspec
def ledgerlink_register_emulators(registry: EmulatorRegistry) -> None:
    """Register provider emulators with ``registry.register(EmulatorSpec(...))``.

    ``ledgerlink emulate NAME`` serves the one registered as ``NAME`` on
    127.0.0.1 (see :class:`ledgerlink.emulation.EmulatorSpec`). A plugin whose
    hook raises, or that registers a name already taken, loses only its own
    emulators (reported like a connector registration's failure).
    """


@hookspec
def ledgerlink_register_channels(registrar: ChannelRegistrar) -> None:
    """Register delivery channels with ``registrar.add(name, factory, description=...)``.

    ``factory(**options)`` must return an object implementing
    :class:`ledgerlink.delivery.Channel`; ``ledgerlink.delivery.open_channel(name,
    **options)`` builds one. The connectors' rules apply: a plugin whose hook
    raises loses only its own channels, a name two plugins register is used by
    neither, and the core's channels cannot be taken over (all reported in
    :attr:`PluginHost.failures`).
    """


@hookspec
def ledgerlink_register_sources(registrar: SourceRegistrar) -> None:
    """Register work sources with ``registrar.add(name, factory, description=...)``.

    ``factory(**options)`` must return an object implementing
    :class:`ledgerlink.sources.Source` (customers, work orders, deals);
    ``ledgerlink.sources.open_source(name, **options)`` builds one. The
    connectors' rules apply: a plugin whose hook raises loses only its own
    sources, a name two plugins register is used by neither, and the core's
    sources (``files``) cannot be taken over (all reported in
    :attr:`PluginHost.failures`).
    """


@hookspec
def ledgerlink_register_commands(cli: CommandRegistrar) -> None:
    """Add command-line commands with ``cli.add(command)`` (a click command or group).

    Called once when the ``ledgerlink`` command starts, after the core commands
    exist. A name already taken (by the core or another plugin) is refused with
    :class:`~ledgerlink.errors.PluginError` naming this plugin; a plugin whose
    hook raises adds none of its commands, and the others are unaffected.
    """


@hookspec
def ledgerlink_authorize_invoicing(actor: str, job: ScheduledJob, company: Company) -> str | None:
    """Say whether ``actor`` may create invoices for ``company`` through scheduled ``job``.

    Return a reason (a sentence for people) to refuse, or None to allow or have
    no opinion. Every implementation is asked before a run writes anything; any
    refusal wins, and the run fails with the reasons in its transfer log.
    """


@hookspec(firstresult=True)
def ledgerlink_notify(recipients: Sequence[Recipient], report: RunReport) -> bool | None:
    """Deliver a scheduled run's report to ``recipients`` your own way.

    Return True when delivered: no other plugin, and not the app's notifier
    (SMTP), is asked. Return None to pass (not False: the first non-None answer
    ends the call). Raising marks the notification failed in the run's log; the
    run itself is unaffected.
    """
