"""Internal: ``ledgerlink plan``, ``run`` and ``log``: preview, invoice and read the transfer log.

Errors follow :mod:`ledgerlink.cli.errors`; the consoles are looked up on
:mod:`ledgerlink.cli.output` at call time, so tests can replace them there.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import ExitStack
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import click

from ledgerlink import api, plugins
from ledgerlink.cli import output
from ledgerlink.cli.connecting import connect, connector_options
from ledgerlink.cli.errors import reported
from ledgerlink.cli.inputs import delivery_channels, load_inputs, missing_file, parse_now
from ledgerlink.cli.invoicing_output import (
    PLAN_LIMIT,
    plan_json,
    report_result,
    result_json,
    show_log,
    show_plan,
    show_result,
)
from ledgerlink.cli.options import input_options, json_option, store_option
from ledgerlink.domain import Company, Customer, WorkOrder
from ledgerlink.errors import InputFileError
from ledgerlink.planning import plan as plan_work
from ledgerlink.plans import Plan
from ledgerlink.runner import RunResult

__all__ = ["invoice_work", "log", "plan_command", "result_json", "run_command",
           "show_result"]


def _preview(orders: list[WorkOrder], people: list[Customer], company: Company,
             now: datetime, connector: str, pairs: Sequence[str], store: str) -> Plan:
    """Plan without writing anything: no journal or sandbox file is created."""

    info = plugins.get_plugin_manager().connectors().get(connector)
    # Checked even when nothing is opened: a misspelt option is an error now,
    # not at the first run.
    options = connector_options(connector, pairs, store)
    sandbox_missing = connector == "sandbox" and missing_file(str(options["path"]))
    if missing_file(store) or sandbox_missing:
        # Nothing was ever invoiced there: plan from an empty journal for the
        # connector's declared capabilities, without opening (creating) anything.
        return plan_work(orders, people, company, now=now, capabilities=info.capabilities)
    book = api.connect(connector, **options)
    return api.plan(orders, people, company, now=now, connector=book, store=store)


def _say_nothing_in(work: Path) -> None:
    """Say that a work-orders file holds no work orders.

    Nothing to do is not a failure (exit status 0), but it is said: a nightly
    export that came out empty must not pass unnoticed. Nothing is opened or
    recorded, so no run appears in the journal either.
    """

    output.stderr.print(f"no work orders in {work}", markup=False, highlight=False)


@click.command("plan")
@input_options
@click.option("--limit", default=PLAN_LIMIT, show_default=True, type=click.IntRange(min=0),
              help="Notices and actions to show (notices first); --json shows all.")
@click.option("--all", "show_all", is_flag=True, help="Show every notice and action.")
def plan_command(work: Path, customers: Path, policy: Path | None, connector: str,
                 pairs: tuple[str, ...], store: str, now: str | None, limit: int,
                 show_all: bool, as_json: bool) -> None:
    """Preview what a run would do; nothing is written anywhere.

    Prints the counts first, then the notices (work left alone, and why), then
    the actions, up to --limit rows in all.
    """

    with reported(as_json):
        moment = parse_now(now)
        orders, people, company = load_inputs(work, customers, policy)
        if not orders:
            _say_nothing_in(work)
            return
        preview = _preview(orders, people, company, moment, connector, pairs, store)
    if as_json:
        output.emit_json(plan_json(preview))
    else:
        show_plan(output.console, preview, None if show_all else limit)


@click.command("run")
@input_options
@click.option("--workers", default=4, show_default=True, help="Remote calls in flight.")
@click.option("--allow-credits", is_flag=True, help="Credit booked invoices whose work changed.")
@click.option("--wait", "wait_seconds", default=0.0, show_default=True,
              type=click.FloatRange(min=0),
              help="Seconds to wait for another run holding the book; then exit 3 (book busy).")
def run_command(work: Path, customers: Path, policy: Path | None, connector: str,
                pairs: tuple[str, ...], store: str, now: str | None, workers: int,
                allow_credits: bool, wait_seconds: float, as_json: bool) -> None:
    """Invoice the work exactly once (recovers a crashed run first).

    One run at a time per book: while another run holds it, this one waits up
    to --wait seconds, then exits with status 3 (book busy) having written nothing.
    Booked invoices go out by the customers' channels: the accounting system's
    e-mail, or the e-mail, letter and e-invoice channels the policy file's
    [channels.*] tables set up.
    """

    with reported(as_json), ExitStack() as stack:
        moment = parse_now(now)
        orders, people, company = load_inputs(work, customers, policy)
        if not orders:
            _say_nothing_in(work)
            return
        if allow_credits:
            company = attrs.evolve(company, allow_credits=True)
        result = invoice_work(stack, orders, people, company, policy=policy,
                              connector=connector, pairs=pairs, store=store, now=moment,
                              workers=workers, wait_seconds=wait_seconds, as_json=as_json)
    report_result(result, as_json)


def invoice_work(stack: ExitStack, orders: list[WorkOrder], people: list[Customer],
                 company: Company, *, policy: Path | None, connector: str,
                 pairs: Sequence[str], store: str, now: datetime, workers: int,
                 wait_seconds: float, as_json: bool, **choice: Any) -> RunResult:
    """``api.invoice`` as the commands run it: the policy file's delivery channels open
    (closed with ``stack``), the book connected, progress on stderr. ``choice`` is
    ``invoice``'s ``select``, ``posting`` and ``send``."""
    delivery = delivery_channels(policy)
    if delivery is not None:
        stack.enter_context(delivery)
    book = connect(connector, pairs, store)
    with output.progress(not as_json, "invoicing") as progress:
        return api.invoice(orders, people, company, book, now=now, store=store,
                           workers=workers, progress=progress,
                           wait=timedelta(seconds=wait_seconds), delivery=delivery, **choice)


@click.command()
@store_option
@click.option("--run", "run_id", help="Only this run.")
@click.option("--limit", default=50, show_default=True, help="Newest entries to show.")
@click.option("--failed", is_flag=True, help="Only failures.")
@json_option
def log(store: str, run_id: str | None, limit: int, failed: bool, as_json: bool) -> None:
    """Show the transfer log: what was created, what failed and the provider's words."""

    with reported(as_json):
        if missing_file(store):
            # Reading must not create an empty journal where a user mistyped a path.
            raise InputFileError("no journal store here; `ledgerlink run` creates one",
                                 source=store)
        entries = api.open_store(store).log(run_id=run_id, limit=limit,
                                            outcome="failed" if failed else None)
    if as_json:
        output.emit_json([attrs.asdict(e) for e in entries])
    else:
        show_log(output.console, entries,
                 empty="no failed entries" if failed else "nothing was written")
