"""Internal: ``ledgerlink channels``: installed delivery channels, failed plugins named."""

from __future__ import annotations

import click

from ledgerlink import plugins
from ledgerlink.cli.errors import reported
from ledgerlink.cli.options import json_option
from ledgerlink.cli.registered import list_factories

__all__ = ["channels"]


@click.command()
@json_option
def channels(as_json: bool) -> None:
    """List installed delivery channels with their distribution, options and description.

    Options marked * are required; open_channel(NAME, **options) takes them.
    """
    with reported(as_json):
        host = plugins.get_plugin_manager()
        registry = host.channels()
    list_factories(list(registry), host.failures, key="channels", title="Delivery channels",
                   as_json=as_json)
