"""Internal: the ``main`` group: the core commands from their modules, then the plugins' commands.

Every command is listed here by name, module and one-line help, and imported
only when it runs (:class:`~ledgerlink.plugins.lazy.LazyGroup`): ``ledgerlink
--help`` imports neither the store (SQLAlchemy) nor the HTTP stack nor any
provider's connector. A test holds each listed help to the command's own.
"""

from __future__ import annotations

import logging
from typing import Any

import click

from ledgerlink import plugins
from ledgerlink.plugins.lazy import LazyCommand, LazyGroup

__all__ = ["CORE_COMMANDS", "MainGroup", "add_plugin_commands", "main"]

#: The core commands: name, ``module:attribute`` and the help line ``--help`` lists.
CORE_COMMANDS = (
    LazyCommand("connectors", "ledgerlink.cli.connectors:connectors",
                help="List installed connectors with their distribution, version and "
                     "capabilities."),
    LazyCommand("channels", "ledgerlink.cli.channels:channels",
                help="List installed delivery channels with their distribution, options and "
                     "description."),
    LazyCommand("sources", "ledgerlink.cli.sources:sources",
                help="List installed work sources (files, CRMs) with their distribution, "
                     "options and description."),
    LazyCommand("plan", "ledgerlink.cli.invoicing:plan_command",
                help="Preview what a run would do; nothing is written anywhere."),
    LazyCommand("run", "ledgerlink.cli.invoicing:run_command",
                help="Invoice the work exactly once (recovers a crashed run first)."),
    LazyCommand("uninvoiced", "ledgerlink.cli.uninvoiced:uninvoiced_command",
                help="List the completed work not invoiced yet; with --invoice, invoice it."),
    LazyCommand("deliver", "ledgerlink.cli.delivering:deliver_command",
                help="Send the booked invoices that are still to go out, by each customer's "
                     "channel."),
    LazyCommand("log", "ledgerlink.cli.invoicing:log",
                help="Show the transfer log: what was created, what failed and the "
                     "provider's words."),
    LazyCommand("status", "ledgerlink.cli.status:status_command",
                help="List the invoices ledgerlink made with their status (open, paid, "
                     "overdue, void...)."),
    LazyCommand("invoice", "ledgerlink.cli.invoice_actions:invoice",
                help="Act on one invoice: void, delete, send, pdf, open."),
    LazyCommand("deals", "ledgerlink.cli.deals:deals",
                help="Won deals invoiced as work: invoice them, list and link their invoices."),
    LazyCommand("policy", "ledgerlink.cli.policy:policy", help="Billing-policy tools."),
    LazyCommand("sync", "ledgerlink.cli.sync:sync",
                help="Create or link customers or products in the accounting system, exactly "
                     "once."),
    LazyCommand("link", "ledgerlink.cli.links:link_command",
                help="Link a local product or customer id to the provider's id (REMOTE)."),
    LazyCommand("unlink", "ledgerlink.cli.links:unlink_command",
                help="Remove a product's or customer's link (nothing changes at the provider)."),
    LazyCommand("links", "ledgerlink.cli.links:links_command",
                help="List the customers and products linked to the provider, with the "
                     "provider's ids."),
    LazyCommand("demo", "ledgerlink.cli.demo:demo",
                help="Create a sample company and invoice it against the sandbox book."),
    LazyCommand("schedule", "ledgerlink.cli.schedule:schedule",
                help="Scheduled invoicing jobs: billable items of projects invoiced on a "
                     "calendar."),
    LazyCommand("emulate", "ledgerlink.cli.emulate:emulate",
                help="Serve the NAME provider's emulator (quickbooks, dinero, ...) until "
                     "Ctrl-C."),
    LazyCommand("einvoice", "ledgerlink.cli.einvoice:einvoice",
                help="PEPPOL e-invoicing: can a customer receive BIS Billing 3 invoices?"),
    LazyCommand("companies", "ledgerlink.cli.workers:companies",
                help="Companies registered for the worker pool: their connector, inputs and "
                     "policy."),
    LazyCommand("worker", "ledgerlink.cli.workers:worker_command",
                help="Run a worker of the pool on a PostgreSQL store until stopped (needs "
                     "the workers extra)."),
    LazyCommand("enqueue", "ledgerlink.cli.workers:enqueue_command",
                help="Queue the nightly run of the named companies (default: all) for the "
                     "workers now."),
)


class MainGroup(LazyGroup):
    """The ``ledgerlink`` group: with ``--json`` anywhere on the command line, click's
    own errors (a missing option, a bad value, a refused confirmation) are one JSON
    error object on stdout too, like every ledgerlink error (:mod:`.errors`)."""

    def make_context(self, info_name: str | None, args: list[str],
                     parent: click.Context | None = None, **extra: Any) -> click.Context:
        ctx = super().make_context(info_name, args, parent, **extra)
        ctx.meta["ledgerlink.json"] = "--json" in args
        return ctx

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.ClickException as err:
            if not ctx.meta.get("ledgerlink.json"):
                raise
            from ledgerlink.cli import output

            output.emit_json({"error": {"type": type(err).__name__,
                                        "message": err.format_message(),
                                        "exit_status": err.exit_code}})
            raise click.exceptions.Exit(err.exit_code) from None


@click.group(cls=MainGroup)
@click.version_option(package_name="ledgerlink")
def main() -> None:
    """Turn operational work into customers and invoices in accounting systems."""
    # Retries are routine (throttling, dropped connections) and what finally
    # happened is in the transfer log; without this, Python's last-resort handler
    # prints each scheduled retry over the progress bar. Only this application
    # entry point does it: library users keep their own logging configuration.
    logging.getLogger("stamina").setLevel(logging.ERROR)


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
    if failures:
        from ledgerlink.cli import output  # rich, only when there is something to say

        for failure in failures:
            output.stderr.print(f"warning: plugin {failure.plugin!r} from "
                                f"{failure.distribution} added no commands: {failure.error}",
                                markup=False, highlight=False)


for _command in CORE_COMMANDS:
    main.add_command(_command)
add_plugin_commands(main)
