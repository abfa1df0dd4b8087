"""Internal: ``ledgerlink connectors``: installed connectors and plugins that failed to load."""

from __future__ import annotations

import attrs
import click

from ledgerlink import plugins
from ledgerlink.cli import output
from ledgerlink.cli.errors import reported
from ledgerlink.cli.options import json_option
from ledgerlink.cli.output import Col
from ledgerlink.cli.registered import entry, report_failures

__all__ = ["connectors"]


@click.command()
@json_option
def connectors(as_json: bool) -> None:
    """List installed connectors with their distribution, version and capabilities."""
    with reported(as_json):
        host = plugins.get_plugin_manager()
        registry = host.connectors()
    rows = [{**entry(i), "capabilities": sorted(c.value for c in i.capabilities)}
            for i in registry]
    failures = [attrs.asdict(f) for f in host.failures]
    if as_json:
        output.emit_json({"connectors": rows, "failed_plugins": failures})
        return
    output.print_table(output.console, output.table(
        [Col("name"), Col("distribution", drop=2), Col("version", drop=1),
         Col("capabilities", fit="wrap")],
        [(row["name"], row["distribution"], row["version"], ", ".join(row["capabilities"]))
         for row in rows], width=output.console.width, title="Connectors"))
    report_failures(host.failures)
