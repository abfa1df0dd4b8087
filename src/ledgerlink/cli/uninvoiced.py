"""Internal: ``ledgerlink uninvoiced``: the work not invoiced yet, and invoicing all, one or some.

Listing reads the inputs and the journal and writes nothing: no journal or
sandbox book is created where there is none (then nothing counts as
invoiced). ``--invoice`` invoices the selection exactly once, as ``ledgerlink
run`` does, leaving everything already invoiced as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import ExitStack
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import click
from rich.console import Console

from ledgerlink import api, plugins
from ledgerlink.cli import output
from ledgerlink.cli.connecting import connector_options
from ledgerlink.cli.errors import reported
from ledgerlink.cli.inputs import load_inputs, missing_file, parse_now
from ledgerlink.cli.invoicing import invoice_work
from ledgerlink.cli.invoicing_output import report_result
from ledgerlink.cli.options import input_options
from ledgerlink.cli.output import Col, print_table, table
from ledgerlink.domain import Company, Customer, WorkOrder
from ledgerlink.policy import Posting
from ledgerlink.uninvoiced_work import Uninvoiced, WorkSelection, list_uninvoiced

__all__ = ["uninvoiced_command", "uninvoiced_json"]


def _listing(orders: list[WorkOrder], people: list[Customer], company: Company, now: datetime,
             connector: str, pairs: Sequence[str], store: str, select: WorkSelection,
             upcoming: bool) -> Uninvoiced:
    """The list, from the journal where there is one; nothing is created."""
    options = connector_options(connector, pairs, store)
    if missing_file(store) or (connector == "sandbox" and missing_file(str(options["path"]))):
        # Nothing was ever invoiced there: every work order counts as not invoiced.
        capabilities = plugins.get_plugin_manager().connectors().get(connector).capabilities
        return list_uninvoiced(orders, people, company, now=now, capabilities=capabilities,
                               select=select, upcoming=upcoming)
    book = api.connect(connector, **options)
    return api.uninvoiced(orders, people, company, connector=book, store=store, now=now,
                          select=select, upcoming=upcoming)


def _plain(value: object) -> object:
    """A field as JSON holds it: instants and dates in ISO 8601, amounts as exact strings."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def uninvoiced_json(listed: Uninvoiced) -> dict[str, Any]:
    """The list as ``uninvoiced --json`` prints it: every row with every field."""
    return {
        "now": listed.now.isoformat(),
        "book": listed.book,
        "counts": listed.counts(),
        "totals": {currency: str(amount) for currency, amount in listed.totals().items()},
        "work": [{name: _plain(value) for name, value in attrs.asdict(row).items()}
                 for row in listed],
    }


def show_uninvoiced(console: Console, listed: Uninvoiced, zone: ZoneInfo) -> None:
    """One row per work order: what state it is in and why; instants in company time."""
    columns = [Col("work order"), Col("customer"), Col("state"),
               Col("amount", justify="right", drop=2), Col("billable from", drop=3),
               Col("invoice", drop=4), Col("why", fit="wrap")]
    rows = [(row.work_order_id, row.customer_id, row.state,
             f"{row.amount} {row.currency}" if row.amount is not None else "",
             f"{row.billable_from.astimezone(zone):%Y-%m-%d %H:%M}" if row.billable_from
             else "", row.invoice_key or "", row.reason) for row in listed]
    styles = ["red" if row.state == "blocked" else "dim" if row.state == "upcoming" else None
              for row in listed]
    print_table(console, table(
        columns, rows, width=console.width, styles=styles,
        title=f"Uninvoiced work on {listed.now.astimezone(zone):%Y-%m-%d %H:%M %Z}: "
              f"{listed.summary()}",
        caption=None if listed.rows else "nothing uninvoiced"))


def _ids(values: Sequence[str]) -> list[str] | None:
    """Repeated and comma-separated ids as one list (None: the option was not given)."""
    if not values:
        return None
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


@click.command("uninvoiced")
@input_options
@click.option("--only", "only", multiple=True, metavar="WO-1,WO-4",
              help="Only these work orders (comma-separated, repeatable).")
@click.option("--customer", "customer_ids", multiple=True, metavar="C1[,C2]",
              help="Only these customers' work (comma-separated, repeatable).")
@click.option("--before", type=click.DateTime(formats=["%Y-%m-%d"]), metavar="DATE",
              help="Only work completed before this day (company time), e.g. 2026-11-21.")
@click.option("--upcoming", is_flag=True,
              help="Also list work not due yet, with when it will be.")
@click.option("--invoice", "invoice_now", is_flag=True,
              help="Invoice the selected work exactly once (recovers a crashed run first).")
@click.option("--posting", type=click.Choice(["draft", "book"]),
              help="With --invoice: make drafts, or book, for this run only (the policy "
                   "is left as it is).")
@click.option("--send/--no-send", "send", default=None,
              help="With --invoice: have booked invoices sent, or not, for this run only.")
@click.option("--workers", default=4, show_default=True, help="Remote calls in flight.")
@click.option("--wait", "wait_seconds", default=0.0, show_default=True,
              type=click.FloatRange(min=0),
              help="Seconds to wait for another run holding the book; then exit 3 (book busy).")
def uninvoiced_command(work: Path, customers: Path, policy: Path | None, connector: str,
                       pairs: tuple[str, ...], store: str, now: str | None, as_json: bool,
                       only: tuple[str, ...], customer_ids: tuple[str, ...],
                       before: datetime | None, upcoming: bool, invoice_now: bool,
                       posting: str | None, send: bool | None, workers: int,
                       wait_seconds: float) -> None:
    """List the completed work not invoiced yet; with --invoice, invoice it.

    Reads the inputs and the journal only (the accounting system is not asked).
    --only, --customer and --before choose the work; --invoice invoices the
    chosen work not invoiced yet, exactly once, and leaves what is already
    invoiced as it is. Ids the inputs lack are refused (exit 2), nothing written.
    """

    if not invoice_now and (posting is not None or send is not None):
        raise click.UsageError("--posting and --send/--no-send go with --invoice")
    with reported(as_json), ExitStack() as stack:
        moment = parse_now(now)
        orders, people, company = load_inputs(work, customers, policy)
        if not orders:
            # As `ledgerlink run` says it: an export that came out empty must not pass unnoticed.
            output.stderr.print(f"no work orders in {work}", markup=False, highlight=False)
            return
        select = WorkSelection(only=_ids(only), customers=_ids(customer_ids),
                               before=before.date() if before else None)
        select.check(orders, people)
        if not invoice_now:
            listed = _listing(orders, people, company, moment, connector, pairs, store,
                              select, upcoming)
            if as_json:
                output.emit_json(uninvoiced_json(listed))
            else:
                show_uninvoiced(output.console, listed, company.zone)
            return
        result = invoice_work(stack, orders, people, company, policy=policy,
                              connector=connector, pairs=pairs, store=store, now=moment,
                              workers=workers, wait_seconds=wait_seconds, as_json=as_json,
                              select=select, posting=Posting(posting) if posting else None,
                              send=send)
    report_result(result, as_json)
