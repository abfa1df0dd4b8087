"""Internal: ``ledgerlink deliver``: send the invoices already made that are still to go out.

A run delivers each booked invoice once. What it could not deliver waits here:
``--retry-failed`` tries ledgerlink's failed deliveries again (nothing went
out: a refused address, a server that was down), ``--resend KEY`` sends one
invoice once more after a person decided the customer does not have it (an
e-mail whose outcome was unknown, a lost letter).
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import click

from ledgerlink import api
from ledgerlink.cli import output
from ledgerlink.cli.connecting import connect
from ledgerlink.cli.errors import reported
from ledgerlink.cli.inputs import (
    delivery_channels,
    load_inputs,
    load_with_customers,
    parse_now,
)
from ledgerlink.cli.invoicing_output import report_result
from ledgerlink.cli.options import (
    connector_option,
    customers_option,
    json_option,
    now_option,
    option_option,
    store_option,
)
from ledgerlink.domain import WorkOrder

__all__ = ["deliver_command"]


@click.command("deliver")
@customers_option
@click.option("--policy", type=click.Path(path_type=Path), required=True,
              help="The policy file: the company, and the [channels.*] tables.")
@click.option("--work-orders", "work", type=click.Path(path_type=Path),
              help="Work orders, CSV or JSON: the lines of e-invoices to build.")
@connector_option
@option_option
@store_option
@now_option
@click.option("--retry-failed", is_flag=True,
              help="Also try again the deliveries that failed (nothing went out).")
@click.option("--resend", "resend", multiple=True, metavar="INVOICE_KEY",
              help="Deliver this invoice once more, even if it went out or its outcome "
                   "is unknown (repeatable).")
@json_option
def deliver_command(customers: Path, policy: Path, work: Path | None, connector: str,
                    pairs: tuple[str, ...], store: str, now: str | None, retry_failed: bool,
                    resend: tuple[str, ...], as_json: bool) -> None:
    """Send the booked invoices that are still to go out, by each customer's channel.

    Without options: what a run booked but did not get to send. A delivery
    whose outcome is unknown is never repeated unless named with --resend.
    """
    with reported(as_json), ExitStack() as stack:
        moment = parse_now(now)
        orders: list[WorkOrder]
        if work is not None:
            orders, people, company = load_inputs(work, customers, policy)
        else:
            _, people, company = load_with_customers(lambda: None, customers, policy)
            orders = []
        delivery = delivery_channels(policy)
        if delivery is not None:
            stack.enter_context(delivery)
        book = connect(connector, pairs, store)
        with output.progress(not as_json, "delivering") as progress:
            result = api.deliver(people, company, book, delivery=delivery, work_orders=orders,
                                 retry_failed=retry_failed, resend=resend, now=moment,
                                 store=store, progress=progress)
    report_result(result, as_json)
