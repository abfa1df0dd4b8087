"""``ledgerlink connectors``: the installed connectors and the plugins that failed to load."""

from __future__ import annotations

import attrs
import click

from ledgerlink import plugins
from ledgerlink.cli import output
from ledgerlink.cli.errors import reported
from ledgerlink.cli.options import json_option

__all__ = ["connectors"]


@click.command()
@json_option
def connectors(as_json: bool) -> None:
    """List installed connectors with their distribution, version and capabilities."""
    with reported(as_json):
        host = plugins.get_plugin_manager()
        registry = host.connectors()
    rows = [{"name": i.name, "distribution": i.origin.distribution, "version": i.origin.version,
             "capabilities": sorted(c.value for c in i.capabilities),
             "description": i.description} for i in registry]
    failures = [attrs.asdict(f) for f in host.failures]
    if as_json:
        output.emit_json({"connectors": rows, "failed_plugins": failures})
        return
    from rich.table import Table

    table = Table(title="Connectors")
    for column in ("name", "distribution", "version", "capabilities"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(str(row["name"]), str(row["distribution"]), str(row["version"]),
                      ", ".join(row["capabilities"]))
    output.console.print(table)
    for failure in host.failures:
        output.stderr.print(f"plugin {failure.plugin!r} from {failure.distribution} failed to "
                            f"load: {failure.error}", highlight=False)
