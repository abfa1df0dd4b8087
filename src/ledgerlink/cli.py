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

import json
import logging
import sys
import typing
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ledgerlink import api
from ledgerlink.cli_demo import demo
from ledgerlink.cli_emulate import emulate
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
from ledgerlink.errors import (
    BookBusyError,
    ConnectorOptionError,
    LedgerlinkError,
    ProviderError,
    ValidationError,
)
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
#: Exit status when another run holds the book (one run at a time per book).
EXIT_BOOK_BUSY = 3
#: The sandbox book the commands use when ``-o path=`` does not name one.
SANDBOX_BOOK = "ledgerlink-sandbox.db"

console = Console()
errors = Console(stderr=True)


@contextmanager
def _reported(as_json: bool = False) -> Iterator[None]:
    """Turn ledgerlink errors into a clear message and an exit status.

    With ``as_json`` the error is one JSON object on stdout (see :func:`error_json`),
    so a script reading ``--json`` output always gets JSON, success or not.
    """
    try:
        yield
    except LedgerlinkError as err:
        status = (EXIT_BAD_INPUT if isinstance(err, ValidationError)
                  else EXIT_BOOK_BUSY if isinstance(err, BookBusyError) else EXIT_FAILURES)
        if as_json:
            _emit_json(error_json(err, status))
        else:
            errors.print(f"[bold red]error:[/] {escape(str(err))}", markup=True,
                         highlight=False)
        sys.exit(status)


def error_json(err: LedgerlinkError, status: int) -> dict[str, Any]:
    """``{"error": {...}}``: what ``--json`` prints for an error instead of a result.

    Always ``type``, ``message`` (as printed without ``--json``) and
    ``exit_status``; the fields of the error's kind where it has them (the
    file, row and field of bad input, the provider's own words and ids).
    """
    body: dict[str, Any] = {"type": type(err).__name__, "message": str(err),
                            "exit_status": status}
    if isinstance(err, ValidationError):
        body.update(field=err.field, value=err.value, source=err.source, row=err.row,
                    problems=[str(p) for p in err.problems])
    if isinstance(err, ConnectorOptionError):
        body.update(connector=err.connector, unknown=list(err.unknown),
                    missing=list(err.missing), accepted=list(err.accepted))
    if isinstance(err, BookBusyError):
        body.update(book=err.book, holder=err.holder, run_id=err.run_id, until=err.until)
    if isinstance(err, ProviderError):
        body.update(provider=err.provider, provider_message=err.message, status=err.status,
                    code=err.code, request_id=err.request_id)
    return {"error": body}


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


def _connector_options(name: str, pairs: Sequence[str], store: str) -> dict[str, Any]:
    """The ``-o`` options with the command line's defaults, checked against the factory.

    ConnectorOptionError (bad input) names an unknown or missing option and
    lists the accepted ones.
    """
    options: dict[str, Any] = dict(_options(pairs))
    if name == "sandbox":
        options.setdefault("path", SANDBOX_BOOK)
    info = get_plugin_manager().connectors().get(name)
    if "store" in info.options.accepted:
        # Connectors that keep OAuth tokens keep them in the journal the run uses.
        options.setdefault("store", store)
    info.options.check(name, options)
    return _typed(info.factory, options, given=set(_options(pairs)))


#: Option types a command-line string is converted to, by the factory's annotation.
_SCALARS: dict[Any, Callable[[str], Any]] = {int: int, float: float}
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


def _typed(factory: Callable[..., Any], options: dict[str, Any], *,
           given: set[str]) -> dict[str, Any]:
    """Convert the ``-o`` strings whose parameter is annotated int, float or bool (alone
    or with None); a value that does not convert is bad input naming the option."""
    target = factory.__init__ if isinstance(factory, type) else factory  # type: ignore[misc]
    try:
        hints = typing.get_type_hints(target)
    except Exception:  # annotations this process cannot resolve: pass the strings on
        return options
    for key in given & set(options):
        kinds = [k for k in typing.get_args(hints.get(key)) or (hints.get(key),)
                 if k is not type(None)]
        if len(kinds) != 1 or not isinstance(options[key], str):
            continue  # not annotated, or str among the choices: the factory parses it
        text, kind = options[key].strip(), kinds[0]
        try:
            if kind is bool:
                if text.lower() not in _TRUE | _FALSE:
                    raise ValueError(text)
                options[key] = text.lower() in _TRUE
            elif kind in _SCALARS:
                options[key] = _SCALARS[kind](text)
        except ValueError:
            raise ValidationError(f"must be {'true or false' if kind is bool else 'a number'}",
                                  field=f"-o {key}", value=options[key]) from None
    return options


def _connect(name: str, pairs: Sequence[str], store: str) -> Connector:
    return api.connect(name, **_connector_options(name, pairs, store))


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
    with _reported(as_json):
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
main.add_command(emulate)
add_plugin_commands(main)
