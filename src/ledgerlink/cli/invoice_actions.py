"""Internal: ``ledgerlink invoice void|delete|send|pdf|open KEY``: acting on one invoice.

KEY is the invoice's ledgerlink key (``ledgerlink status`` lists them) or the
provider's id. Void and delete cannot be undone: they ask first, or take
``--yes``. Each write is journaled exactly once (:mod:`ledgerlink.invoice_actions`),
so asking twice does it once, and the second answer says it was already done.
"""

from __future__ import annotations

import webbrowser
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from ledgerlink import api
from ledgerlink.cli import output
from ledgerlink.cli.asking import confirm, yes_option
from ledgerlink.cli.connecting import connector_options
from ledgerlink.cli.errors import reported
from ledgerlink.cli.inputs import missing_file
from ledgerlink.cli.options import connector_option, json_option, option_option, store_option
from ledgerlink.connector import Connector
from ledgerlink.errors import InputFileError, ValidationError
from ledgerlink.invoice_actions import ActionResult, WriteName, require

__all__ = ["book_options", "existing_book", "invoice"]

#: What ``--yes`` skips asking, per action: the question's detail.
WARNINGS = {
    "void": "Voiding cannot be undone: the invoice stays, numbered, with nothing owed.",
    "delete": "Deleting cannot be undone.",
}

key_argument = click.argument("key", metavar="KEY")


def book_options(command: Callable[..., None]) -> Callable[..., None]:
    """The options every ``invoice`` command takes (and ``link``, ``unlink``, ``links``):
    the book, the journal, ``--json``."""
    for option in reversed((connector_option, option_option, store_option, json_option)):
        command = option(command)
    return command


@contextmanager
def existing_book(connector: str, pairs: tuple[str, ...], store: str) -> Iterator[Connector]:
    """The connector named on the command line; a sandbox book is opened, never created."""
    options = connector_options(connector, pairs, store)
    if connector == "sandbox" and missing_file(str(options["path"])):
        raise ValidationError(f"no sandbox book at {options['path']}; name it with -o path=FILE",
                              field="-o path", value=options["path"])
    remote = api.connect(connector, **options)
    try:
        yield remote
    finally:
        remote.close()


def _journal(store: str) -> str:
    """``store``, refused when it names a SQLite file that does not exist."""
    if missing_file(store):
        raise InputFileError("no journal store here; `ledgerlink run` creates one", source=store)
    return store


def _result_json(result: ActionResult) -> dict[str, Any]:
    invoice = result.invoice
    return {"action": result.action, "key": result.key, "provider_id": result.provider_id,
            "status": result.status, "message": result.message, "run_id": result.run_id,
            "invoice": None if invoice is None else {
                "number": invoice.number, "booked": invoice.booked, "voided": invoice.voided,
                "deleted": invoice.deleted, "sent": invoice.sent,
                "total": str(invoice.total), "balance": str(invoice.balance),
                "currency": invoice.currency}}


def _write(action: WriteName, key: str, connector: str, pairs: tuple[str, ...], store: str,
           as_json: bool, yes: bool = True, email: str | None = None) -> None:
    """Do one journaled action and print what it did."""
    with reported(as_json):
        journal = _journal(store)
        with existing_book(connector, pairs, store) as book:
            require(book, action)
            if action in WARNINGS:
                confirm(f"{action} invoice {key}", yes=yes, as_json=as_json,
                        detail=WARNINGS[action])
            do = {"void": api.void, "delete": api.delete}.get(action)
            result = (do(book, key, store=journal) if do is not None
                      else api.send(book, key, email=email, store=journal))
    if as_json:
        output.emit_json(_result_json(result))
        return
    name = result.key or result.provider_id
    said = (f"Invoice {name}: nothing done, {result.message}." if result.already_done
            else f"Invoice {name} ({result.provider_id}): {result.message}.")
    output.console.print(said, highlight=False, soft_wrap=True)


@click.group("invoice")
def invoice() -> None:
    """Act on one invoice: void, delete, send, pdf, open."""


@invoice.command("void")
@key_argument
@yes_option
@book_options
def void_command(key: str, yes: bool, connector: str, pairs: tuple[str, ...], store: str,
                 as_json: bool) -> None:
    """Void the booked invoice KEY (ledgerlink key or provider id); cannot be undone."""
    _write("void", key, connector, pairs, store, as_json, yes)


@invoice.command("delete")
@key_argument
@yes_option
@book_options
def delete_command(key: str, yes: bool, connector: str, pairs: tuple[str, ...], store: str,
                   as_json: bool) -> None:
    """Delete the invoice KEY (a draft, where the provider deletes nothing else)."""
    _write("delete", key, connector, pairs, store, as_json, yes)


@invoice.command("send")
@key_argument
@click.option("--email", help="Send to this address instead of the customer's.")
@book_options
def send_command(key: str, email: str | None, connector: str, pairs: tuple[str, ...],
                 store: str, as_json: bool) -> None:
    """Have the provider e-mail the booked invoice KEY to its customer, once."""
    _write("send", key, connector, pairs, store, as_json, email=email)


@invoice.command("pdf")
@key_argument
@click.option("--output", "target", type=click.Path(path_type=Path), required=True,
              help="Write the PDF to this file.")
@book_options
def pdf_command(key: str, target: Path, connector: str, pairs: tuple[str, ...], store: str,
                as_json: bool) -> None:
    """Save the provider's PDF of the invoice KEY to a file."""
    with reported(as_json):
        journal = _journal(store)
        with existing_book(connector, pairs, store) as book:
            document = api.pdf(book, key, path=target, store=journal)
    if as_json:
        output.emit_json({"key": key, "path": str(target), "bytes": len(document)})
    else:
        output.console.print(f"Saved invoice {key} to {target} ({len(document)} bytes).",
                             highlight=False, soft_wrap=True)


@invoice.command("open")
@key_argument
@click.option("--browser", is_flag=True, help="Also open the page in a web browser.")
@book_options
def open_command(key: str, browser: bool, connector: str, pairs: tuple[str, ...], store: str,
                 as_json: bool) -> None:
    """Print where the invoice KEY opens in the provider's web app."""
    with reported(as_json):
        journal = _journal(store)
        with existing_book(connector, pairs, store) as book:
            url = api.web_url(book, key, store=journal)
    if browser:
        webbrowser.open(url)
    if as_json:
        output.emit_json({"key": key, "url": url})
    else:
        output.console.print(url, highlight=False, soft_wrap=True)
