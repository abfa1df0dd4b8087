"""Internal: what ``ledgerlink connectors``, ``channels`` and ``sources`` share: one listing
entry per registered factory (name, distribution, version, description, options) and the
report of plugins that failed to load."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import attrs

from ledgerlink.cli import output
from ledgerlink.cli.output import Col
from ledgerlink.plugins import (
    ChannelInfo,
    ConnectorInfo,
    FactoryOptions,
    PluginFailure,
    SourceInfo,
)

__all__ = ["entry", "list_factories", "options_text", "report_failures"]


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


def list_factories(infos: Sequence[ChannelInfo | SourceInfo], failures: Sequence[PluginFailure],
                   *, key: str, title: str, as_json: bool) -> None:
    """Print registered channels or sources: a table of name, distribution, options and
    description, then the failed plugins on stderr; with ``as_json`` one object holding
    them under ``key`` and ``failed_plugins``."""
    if as_json:
        output.emit_json({key: [entry(i) for i in infos],
                          "failed_plugins": [attrs.asdict(f) for f in failures]})
        return
    output.print_table(output.console, output.table(
        [Col("name"), Col("distribution", drop=2), Col("options", fit="wrap", max_width=28),
         Col("description", fit="wrap")],
        [(i.name, i.origin.distribution, options_text(i.options), i.description)
         for i in infos], width=output.console.width, title=title,
        caption="options marked * are required" if any(
            i.options.required for i in infos) else None))
    report_failures(failures)
