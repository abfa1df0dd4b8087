"""Internal: ``ledgerlink sources``: installed work sources, failed plugins named."""

from __future__ import annotations

import attrs
import click

from ledgerlink import plugins
from ledgerlink.cli import output
from ledgerlink.cli.errors import reported
from ledgerlink.cli.options import json_option
from ledgerlink.cli.output import Col
from ledgerlink.cli.registered import entry, options_text, report_failures

__all__ = ["sources"]


@click.command()
@json_option
def sources(as_json: bool) -> None:
    """List installed work sources (files, CRMs) with their distribution, options and
    description.

    Options marked * are required; open_source(NAME, **options) takes them.
    """
    with reported(as_json):
        host = plugins.get_plugin_manager()
        registry = host.sources()
    infos = list(registry)
    failures = [attrs.asdict(f) for f in host.failures]
    if as_json:
        output.emit_json({"sources": [entry(i) for i in infos], "failed_plugins": failures})
        return
    output.print_table(output.console, output.table(
        [Col("name"), Col("distribution", drop=2), Col("options", fit="wrap", max_width=30),
         Col("description", fit="wrap")],
        [(i.name, i.origin.distribution, options_text(i.options), i.description)
         for i in infos], width=output.console.width, title="Work sources",
        caption="options marked * are required" if any(
            i.options.required for i in infos) else None))
    report_failures(host.failures)
