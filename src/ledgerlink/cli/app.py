"""The ``main`` group: the core commands from their modules, then the plugins' commands."""

from __future__ import annotations

import logging

import attrs
import click

from ledgerlink import plugins
from ledgerlink.cli import output
from ledgerlink.cli.demo import demo
from ledgerlink.cli.emulate import emulate
from ledgerlink.cli.errors import reported
from ledgerlink.cli.invoicing import log, plan_command, run_command
from ledgerlink.cli.options import json_option
from ledgerlink.cli.policy import policy
from ledgerlink.cli.schedule import schedule
from ledgerlink.cli.status import status_command

__all__ = ["add_plugin_commands", "main"]


@click.group()
@click.version_option(package_name="ledgerlink")
def main() -> None:
    """Turn operational work into customers and invoices in accounting systems."""
    # Retries are routine (throttling, dropped connections) and what finally
    # happened is in the transfer log; without this, Python's last-resort handler
    # prints each scheduled retry over the progress bar. Only this application
    # entry point does it: library users keep their own logging configuration.
    logging.getLogger("stamina").setLevel(logging.ERROR)


@main.command()
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


# --- commands from plugins (hook ledgerlink_register_commands) ---------------------------
# Added last, when the CLI starts, so every core command exists first: a plugin can
# never shadow one (the registrar refuses the clash), and a plugin that fails costs
# only its own commands, reported as a warning on stderr.


def add_plugin_commands(group: click.Group) -> None:
    """Add the commands installed plugins register to ``group``; warn about failures."""
    try:
        failures = plugins.get_plugin_manager().register_commands(group)
    except Exception as err:  # the plugin host itself broke: the core commands still work
        failures = [plugins.PluginFailure("*", "plugin host", f"{type(err).__name__}: {err}")]
    for failure in failures:
        output.stderr.print(f"warning: plugin {failure.plugin!r} from {failure.distribution} "
                            f"added no commands: {failure.error}", markup=False,
                            highlight=False)


# The core commands from their modules (``connectors`` is above), then the plugins'.
main.add_command(plan_command)
main.add_command(run_command)
main.add_command(log)
main.add_command(status_command)
main.add_command(policy)
main.add_command(demo)
main.add_command(schedule)
main.add_command(emulate)
add_plugin_commands(main)
