"""Internal: ``ledgerlink status``: the invoices ledgerlink made, with their status at the provider.

With ``--refresh`` the connector is asked for changes first (a change feed
where the provider has one, otherwise one read per open invoice).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import date
from typing import Any

import click
from rich.console import Console

from ledgerlink import api
from ledgerlink.cli import output
from ledgerlink.cli.connecting import connector_options
from ledgerlink.cli.errors import EXIT_FAILURES, reported
from ledgerlink.cli.inputs import missing_file
from ledgerlink.cli.options import connector_option, json_option, option_option, store_option
from ledgerlink.cli.output import Col
from ledgerlink.connector import Connector
from ledgerlink.errors import InputFileError, ValidationError
from ledgerlink.refreshing import RefreshResult
from ledgerlink.store import Store

__all__ = ["status_command"]


def _today(value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError("not an ISO 8601 date", field="--today", value=value) from None


def _journal_book(journal: Store, connector: str, pairs: Sequence[str], store: str) -> Connector:
    """The connector for ``--refresh``: a book the journal holds invoices or runs of.

    A sandbox book is only opened, never created: opening a path that does not
    exist would leave an empty book behind and show no invoices, as if none had
    been made. The journal keeps the book's account id, not its file, so a
    book elsewhere is named with ``-o path=``.
    """

    options = connector_options(connector, pairs, store)
    where = "-o path" if connector == "sandbox" else "--connector"
    if connector == "sandbox" and missing_file(str(options["path"])):
        raise ValidationError(
            f"no sandbox book at {options['path']}; --refresh reads the book the journal's "
            f"invoices were made in and never creates one: name it with -o path=FILE"
            + _known(journal), field=where, value=options["path"])
    remote = api.connect(connector, **options)
    if remote.account not in journal.books() and not journal.runs(book=remote.account,
                                                                   limit=1):
        remote.close()
        named = f" ({options['path']})" if connector == "sandbox" else ""
        raise ValidationError(
            f"the journal {store} has no invoices or runs for book {remote.account}{named}"
            + _known(journal), field=where, value=options.get("path", connector))
    return remote


def _known(journal: Store) -> str:
    books = journal.books()
    return f" (the journal holds books: {', '.join(books)})" if books else (
        " (the journal holds no invoices yet)")


def _status_rows(journal: Store, books: Sequence[str], day: date) -> list[dict[str, Any]]:
    rows = []
    for book in books:
        for facts in journal.invoice_facts(book):
            status = facts.status(day)
            rows.append({
                "book": book, "key": facts.key, "customer": facts.customer_id,
                "provider_id": facts.remote_id, "number": facts.number,
                "currency": facts.currency,
                "total": None if facts.total is None else str(facts.total),
                "balance": None if facts.balance is None else str(facts.balance),
                "due_date": None if facts.due_date is None else facts.due_date.isoformat(),
                "status": None if status is None else status.labels,
                "refreshed_at": (None if facts.refreshed_at is None
                                 else facts.refreshed_at.isoformat()),
                "delivery": None if facts.delivery_state is None else {
                    "channel": facts.delivery_channel, "state": facts.delivery_state,
                    "message": facts.delivery_message},
            })
    return rows


def _refresh_json(result: RefreshResult | None) -> dict[str, Any] | None:
    if result is None:
        return None
    return {
        "book": result.book, "mode": result.mode, "calls": result.calls,
        "checked": result.checked, "note": result.note,
        "until": None if result.until is None else result.until.isoformat(),
        "changes": [{"key": c.key, "provider_id": c.provider_id,
                     "before": None if c.before is None else c.before.labels,
                     "after": None if c.after is None else c.after.labels}
                    for c in result.changes],
        "failures": [{"key": key, "message": message} for key, message in result.failures],
    }


def _delivery_cell(delivery: dict[str, Any] | None) -> str:
    """How the invoice went out: ``letter sent``, ``email unknown``..."""
    if delivery is None:
        return ""
    channel = str(delivery["channel"]).replace("provider_email", "provider e-mail")
    return f"{channel} {delivery['state']}"


def _show_statuses(console: Console, rows: list[dict[str, Any]], books: Sequence[str]) -> None:
    columns = [Col("book")] if len(books) > 1 else []
    # The status is what people look for: it keeps its words whole.
    # Dropped first when narrow: the balance, then the number, then how it went out.
    columns += [Col("key"), Col("customer"), Col("number", drop=3),
                Col("total", justify="right"), Col("balance", justify="right", drop=4),
                Col("due", drop=1), Col("status", fit="wrap"),
                Col("delivery", fit="wrap", drop=2)]
    cells = []
    for row in rows:
        status = (", ".join(row["status"]) if row["status"] is not None else "not refreshed")
        cells.append(([row["book"]] if len(books) > 1 else []) + [
            row["key"], row["customer"], row["number"] or "",
            f"{row['total'] or ''} {row['currency']}".strip(), row["balance"] or "",
            row["due_date"] or "", status, _delivery_cell(row["delivery"])])
    output.print_table(console, output.table(columns, cells, width=console.width,
                                             title="Invoices ledgerlink made"))


@click.command("status")
@store_option
@click.option("--refresh", "do_refresh", is_flag=True,
              help="Ask the provider (--connector) for changes first.")
@connector_option
@option_option
@click.option("--book", help="Only this book (connector account); default: every book, "
                             "or the connector's with --refresh.")
@click.option("--today", help="Judge overdue on this ISO 8601 date (default: today).")
@json_option
def status_command(store: str, do_refresh: bool, connector: str, pairs: tuple[str, ...],
                   book: str | None, today: str | None, as_json: bool) -> None:
    """List the invoices ledgerlink made with their status (open, paid, overdue, void...)."""

    refreshed: RefreshResult | None = None
    with reported(as_json):
        day = _today(today)
        if missing_file(store):
            raise InputFileError("no journal store here; `ledgerlink run` creates one",
                                 source=store)
        journal = api.open_store(store)
        if do_refresh:
            remote = _journal_book(journal, connector, pairs, store)
            try:
                with output.progress(not as_json, f"refreshing {remote.account}"):
                    refreshed = api.refresh(remote, store=journal, today=day)
            finally:
                remote.close()
            book = remote.account
        books = [book] if book else journal.books()
        rows = _status_rows(journal, books, day)
    if as_json:
        output.emit_json({"today": day.isoformat(), "refresh": _refresh_json(refreshed),
                          "invoices": rows})
    else:
        if refreshed is not None:
            how = ("one change-feed call" if refreshed.mode == "change_feed"
                   else f"{refreshed.calls} reads")
            output.console.print(f"Refreshed {refreshed.book} with {how}: {refreshed.checked} "
                                 f"invoices reported, {len(refreshed.changes)} changed status."
                                 + (f" ({refreshed.note})" if refreshed.note else ""),
                                 highlight=False)
        _show_statuses(output.console, rows, books)
    if refreshed is not None and not refreshed.ok:
        for key, message in refreshed.failures:
            output.stderr.print(f"could not refresh {key}: {message}", highlight=False)
        sys.exit(EXIT_FAILURES)
