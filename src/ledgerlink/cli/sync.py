"""Internal: ``ledgerlink sync customers|products``: create or link what the sync filter takes.

The filter is the policy file's ``[sync.customers]`` / ``[sync.products]``
table, with each criterion given on the command line taking its place. The
sync itself is :mod:`ledgerlink.syncing`: a run of the runner, exactly once,
under the book's lease. Exit status 1 when the provider refused an item.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import click

from ledgerlink.cli import output
from ledgerlink.cli.connecting import connect, connector_options
from ledgerlink.cli.errors import EXIT_FAILURES, reported
from ledgerlink.cli.inputs import load_with_customers, missing_file
from ledgerlink.cli.options import (
    connector_option,
    json_option,
    option_option,
    policy_option,
    store_option,
)
from ledgerlink.cli.output import Col
from ledgerlink.connector import Connector
from ledgerlink.domain import PartyKind, ProductKind
from ledgerlink.sync_filters import CustomerFilter, ProductFilter, SyncFilter

__all__ = ["show_report", "sync"]

#: Row styles by status: failures in red, skipped items dimmed.
_STYLES = {"failed": "red", "skipped": "dim"}


def _common(command: Callable[..., None]) -> Callable[..., None]:
    """The options both syncs take: policy, book, journal, dry run, concurrency, --json."""
    options = (
        policy_option, connector_option, option_option, store_option,
        click.option("--only", help="Only these ids (comma-separated)."),
        click.option("--dry-run", is_flag=True,
                     help="Show what would be created or linked; write nothing."),
        click.option("--workers", default=4, show_default=True, type=click.IntRange(min=1),
                     help="Remote calls in flight."),
        click.option("--wait", "wait_seconds", default=0.0, show_default=True,
                     type=click.FloatRange(min=0),
                     help="Seconds to wait for a run holding the book; then exit 3."),
        json_option,
    )
    for option in reversed(options):
        command = option(command)
    return command


def _only(text: str | None) -> list[str] | None:
    if text is None:
        return None
    return [part.strip() for part in text.split(",") if part.strip()]


def _file_filter(policy: Path | None) -> SyncFilter:
    """The policy file's ``[sync.*]`` tables (none: take everything)."""
    if policy is None:
        return SyncFilter()
    from ledgerlink import loading

    return loading.load_policy(policy).sync


@contextmanager
def _book(connector: str, pairs: tuple[str, ...], store: str,
          dry_run: bool) -> Iterator[Connector]:
    """The book to sync with. A dry run on a sandbox book not made yet looks at an empty
    one in a temporary directory: nothing is created where ``-o path`` points."""
    book: Connector
    if dry_run and connector == "sandbox":
        path = connector_options(connector, pairs, store)["path"]
        if missing_file(str(path)):
            from ledgerlink import api

            with tempfile.TemporaryDirectory() as empty:
                book = api.connect("sandbox", path=Path(empty) / "book.db")
                try:
                    yield book
                finally:
                    book.close()
            return
    book = connect(connector, pairs, store)
    try:
        yield book
    finally:
        book.close()


def show_report(report: Any, as_json: bool) -> None:
    """Print a sync report (a table and its counts, or JSON); exit 1 when items failed."""
    if as_json:
        output.emit_json(report.to_json())
    else:
        title = f"Sync of {report.what}" + (" (dry run: nothing written)" if report.dry_run
                                            else "")
        counts = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in report.counts.items() if n)
        if report.recovered:
            counts += f"; {report.recovered} left by a crashed run settled first"
        output.print_table(output.console, output.table(
            [Col("id"), Col("name", fit="cut", drop=2), Col("status"),
             Col("remote id", drop=1), Col("reason", fit="cut")],
            [(i.id, i.name, i.status.value, i.remote_id, i.reason) for i in report.items],
            width=output.console.width, title=title, caption=counts or "nothing to sync",
            styles=[_STYLES.get(i.status.value) for i in report.items]))
    if report.failed:
        sys.exit(EXIT_FAILURES)


@click.group()
def sync() -> None:
    """Create or link customers or products in the accounting system, exactly once."""


@sync.command("customers")
@click.option("--customers", type=click.Path(path_type=Path), required=True,
              help="Customers, CSV or JSON.")
@_common
@click.option("--kind", "kinds", multiple=True, type=click.Choice([k.value for k in PartyKind]),
              help="Only customers of this kind (repeatable).")
@click.option("--has-email/--no-email", "has_email", default=None,
              help="Only customers with (or without) an e-mail.")
@click.option("--country", "countries", multiple=True, metavar="CC",
              help="Only customers in this country, ISO alpha-2 (repeatable).")
def sync_customers_command(customers: Path, policy: Path | None, connector: str,
                           pairs: tuple[str, ...], store: str, only: str | None, dry_run: bool,
                           workers: int, wait_seconds: float, as_json: bool,
                           kinds: tuple[str, ...], has_email: bool | None,
                           countries: tuple[str, ...]) -> None:
    """Create or link every customer the sync filter takes (find first, create if absent).

    The filter is the policy file's [sync.customers] table; --kind, --has-email,
    --country and --only replace its criteria of the same name.
    """
    from ledgerlink.syncing import sync_customers

    with reported(as_json):
        _, people, _ = load_with_customers(lambda: None, customers, policy)
        given = CustomerFilter(kinds=kinds or None, has_email=has_email,
                               countries=countries or None, ids=_only(only))
        chosen = _file_filter(policy).customers.overridden(given)
        with _book(connector, pairs, store, dry_run) as book:
            report = sync_customers(people, book, store=store, filter=chosen,
                                    dry_run=dry_run, workers=workers,
                                    wait=timedelta(seconds=wait_seconds))
    show_report(report, as_json)


@sync.command("products")
@click.option("--products", type=click.Path(path_type=Path), required=True,
              help="Products, CSV or JSON.")
@_common
@click.option("--kind", "kinds", multiple=True,
              type=click.Choice([k.value for k in ProductKind]),
              help="Only products of this kind (repeatable).")
def sync_products_command(products: Path, policy: Path | None, connector: str,
                          pairs: tuple[str, ...], store: str, only: str | None, dry_run: bool,
                          workers: int, wait_seconds: float, as_json: bool,
                          kinds: tuple[str, ...]) -> None:
    """Create or link every product the sync filter takes (find first, create if absent).

    The filter is the policy file's [sync.products] table; --kind and --only
    replace its criteria of the same name. Invoice lines of a linked product
    use the provider's product from then on.
    """
    from ledgerlink import loading
    from ledgerlink.syncing import sync_products

    with reported(as_json):
        items = loading.load_products(products)
        given = ProductFilter(kinds=kinds or None, ids=_only(only))
        chosen = _file_filter(policy).products.overridden(given)
        with _book(connector, pairs, store, dry_run) as book:
            report = sync_products(items, book, store=store, filter=chosen, dry_run=dry_run,
                                   workers=workers, wait=timedelta(seconds=wait_seconds))
    show_report(report, as_json)
