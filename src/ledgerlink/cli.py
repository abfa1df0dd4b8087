"""The ``ledgerlink`` command line (click for parsing, rich for tables and progress).

Every command that reads files validates all of them before anything is
written; bad input exits with status 2 and an error naming the file, row and
field. ``--json`` prints one JSON document for scripts instead of tables.

This module holds the ``main`` group, the exit statuses and the helpers every
command shares (error reporting, input loading, connecting, the consoles); the
commands live in ``cli_*`` modules and are added to ``main`` at the end. Those
modules, like ``ledgerlink.scheduling.cli``, import this one inside their
functions and look the consoles and the plugin host up here at call time.
"""

from __future__ import annotations

import inspect
import json
import logging
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ledgerlink import api
from ledgerlink.cli_demo import demo
from ledgerlink.cli_invoicing import log, plan_command, run_command
from ledgerlink.cli_options import connector_option as connector_option
from ledgerlink.cli_options import customers_option as customers_option
from ledgerlink.cli_options import input_options as input_options
from ledgerlink.cli_options import json_option as json_option
from ledgerlink.cli_options import now_option as now_option
from ledgerlink.cli_options import option_option as option_option
from ledgerlink.cli_options import policy_option as policy_option
from ledgerlink.cli_options import store_option as store_option
from ledgerlink.cli_options import work_option as work_option
from ledgerlink.cli_policy import policy
from ledgerlink.cli_status import status_command
from ledgerlink.connector import Connector
from ledgerlink.domain import Company, Customer, WorkOrder
from ledgerlink.errors import LedgerlinkError, ValidationError
from ledgerlink.plugins import get_plugin_manager as get_plugin_manager
from ledgerlink.scheduling.cli import schedule

__all__ = ["main"]
# Names imported ``as`` themselves are re-exported: the shared options keep their
# old home, and the command modules look the plugin host up here, where tests
# replace it.

#: Exit status for bad input (click uses 2 for usage errors too).
EXIT_BAD_INPUT = 2
#: Exit status when a run finished but some actions failed.
EXIT_FAILURES = 1

console = Console()
errors = Console(stderr=True)


@contextmanager
def _reported() -> Iterator[None]:
    """Turn ledgerlink errors into a clear message and an exit status."""
    try:
        yield
    except ValidationError as err:
        errors.print(f"[bold red]error:[/] {err}", markup=True, highlight=False)
        sys.exit(EXIT_BAD_INPUT)
    except LedgerlinkError as err:
        errors.print(f"[bold red]error:[/] {err}", markup=True, highlight=False)
        sys.exit(EXIT_FAILURES)


def _emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=True, default=str))


def _options(pairs: Sequence[str]) -> dict[str, str]:
    options = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValidationError("connector options are KEY=VALUE", field="--option", value=pair)
        options[key.replace("-", "_")] = value
    return options


def _connect(name: str, pairs: Sequence[str], store: str) -> Connector:
    options = _options(pairs)
    if name == "sandbox":
        options.setdefault("path", "ledgerlink-sandbox.db")
    factory = get_plugin_manager().connectors().get(name).factory
    if "store" in inspect.signature(factory).parameters:
        # Connectors that keep OAuth tokens keep them in the journal the run uses.
        options.setdefault("store", store)
    return api.connect(name, **options)


def _now(value: str | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    try:
        now = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError("not an ISO 8601 instant", field="--now", value=value) from None
    if now.tzinfo is None:
        raise ValidationError("needs a UTC offset, e.g. 2026-11-22T23:00+01:00",
                              field="--now", value=value)
    return now


def _load_with_customers(load: Callable[[], Any], customers: Path, policy: Path | None
                         ) -> tuple[Any, list[Customer], Company]:
    """Run ``load`` and read the customers and policy files, reporting every file's
    problems at once; the customers come with the policy file's overrides applied."""
    from ledgerlink import loading

    problems: list[ValidationError] = []
    loaded: dict[str, Any] = {}
    steps: list[tuple[str, Callable[[], Any]]] = [
        ("main", load),
        ("customers", lambda: loading.load_customers(customers)),
    ]
    if policy is not None:
        steps.append(("policy", lambda: loading.load_policy(policy)))
    for name, step in steps:
        try:
            loaded[name] = step()
        except ValidationError as err:
            problems.append(err)
    if problems:
        raise problems[0] if len(problems) == 1 else ValidationError(
            "the input files have problems", problems=problems)
    company = Company("My company")
    people: list[Customer] = loaded["customers"]
    if "policy" in loaded:
        company = loaded["policy"].company
        people = loading.apply_overrides(people, loaded["policy"].overrides, source=str(policy))
    return loaded["main"], people, company


def _inputs(work: Path, customers: Path, policy: Path | None) -> tuple[
        list[WorkOrder], list[Customer], Company]:
    """Load and cross-check every input file before anything is written."""
    from ledgerlink import loading

    orders, people, company = _load_with_customers(
        lambda: loading.load_work_orders(work), customers, policy)
    known = {c.id for c in people}
    if any(o.customer_id not in known for o in orders):
        # Only the loader knows rows: read again with the customers known, so
        # each unknown customer is named by file, row and column.
        orders = loading.load_work_orders(work, customer_ids=known)
    return orders, people, company


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[int, int], None] | None]:
    if not enabled:
        yield None
        return
    columns = (TextColumn("invoicing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task("run", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def _missing_file(target: str) -> bool:
    """True for a SQLite path (not a URL) whose file does not exist yet."""
    return "://" not in target and not Path(target).exists()


# --- the group and the commands kept here -----------------------------------------------

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
    with _reported():
        host = get_plugin_manager()
        registry = host.connectors()
    rows = [{"name": i.name, "distribution": i.origin.distribution, "version": i.origin.version,
             "capabilities": sorted(c.value for c in i.capabilities),
             "description": i.description} for i in registry]
    failures = [attrs.asdict(f) for f in host.failures]
    if as_json:
        _emit_json({"connectors": rows, "failed_plugins": failures})
        return
    from rich.table import Table

    table = Table(title="Connectors")
    for column in ("name", "distribution", "version", "capabilities"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(str(row["name"]), str(row["distribution"]), str(row["version"]),
                      ", ".join(row["capabilities"]))
    console.print(table)
    for failure in host.failures:
        errors.print(f"plugin {failure.plugin!r} from {failure.distribution} failed to load: "
                     f"{failure.error}", highlight=False)


# --- commands from plugins (hook ledgerlink_register_commands) ---------------------------
# Added last, when the CLI starts, so every core command exists first: a plugin can
# never shadow one (the registrar refuses the clash), and a plugin that fails costs
# only its own commands, reported as a warning on stderr.


def add_plugin_commands(group: click.Group) -> None:
    """Add the commands installed plugins register to ``group``; warn about failures."""
    from ledgerlink.plugins import PluginFailure

    try:
        failures = get_plugin_manager().register_commands(group)
    except Exception as err:  # the plugin host itself broke: the core commands still work
        failures = [PluginFailure("*", "plugin host", f"{type(err).__name__}: {err}")]
    for failure in failures:
        errors.print(f"warning: plugin {failure.plugin!r} from {failure.distribution} added "
                     f"no commands: {failure.error}", markup=False, highlight=False)


# The core commands from their modules (``connectors`` is above), then the plugins'.
main.add_command(plan_command)
main.add_command(run_command)
main.add_command(log)
main.add_command(status_command)
main.add_command(policy)
main.add_command(demo)
main.add_command(schedule)
add_plugin_commands(main)
