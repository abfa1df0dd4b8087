"""Internal: ``ledgerlink sources``: installed work sources, failed plugins named."""

from __future__ import annotations

import click

from ledgerlink import plugins
from ledgerlink.cli.errors import reported
from ledgerlink.cli.options import json_option
from ledgerlink.cli.registered import list_factories

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
    list_factories(list(registry), host.failures, key="sources", title="Work sources",
                   as_json=as_json)
