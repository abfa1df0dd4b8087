"""Internal: what ``ledgerlink connectors``, ``channels`` and ``sources`` share: one listing
entry per registered factory (name, distribution, version, description, options) and the
report of plugins that failed to load."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ledgerlink.cli import output
from ledgerlink.plugins import (
    ChannelInfo,
    ConnectorInfo,
    FactoryOptions,
    PluginFailure,
    SourceInfo,
)

__all__ = ["entry", "options_text", "report_failures"]


def options_text(options: FactoryOptions) -> str:
    """The options for a table: required ones marked ``*``; a factory taking ``**kwargs``
    says so."""
    names = [f"{name}*" if name in options.required else name for name in options.accepted]
    if options.open:
        names.append("(any other keyword)" if names else "(any keyword)")
    return ", ".join(names)


def entry(info: ConnectorInfo | ChannelInfo | SourceInfo) -> dict[str, Any]:
    """What every listing says of one registration, as ``--json`` prints it."""
    options = info.options
    return {"name": info.name, "distribution": info.origin.distribution,
            "version": info.origin.version, "description": info.description,
            "options": {"accepted": list(options.accepted), "required": list(options.required),
                        "any_other": options.open}}


def report_failures(failures: Iterable[PluginFailure]) -> None:
    """One line on stderr per plugin that failed to load (``--json`` lists them instead)."""
    for failure in failures:
        output.stderr.print(f"plugin {failure.plugin!r} from {failure.distribution} failed to "
                            f"load: {failure.error}", highlight=False, markup=False)
