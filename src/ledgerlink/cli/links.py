"""Internal: ``ledgerlink link|unlink product|customer`` and ``ledgerlink links``.

An explicit link ties a local id to the provider's, in the journal's refs every
invoice takes its products and customers from (:mod:`ledgerlink.linking`).
REMOTE is read at the provider first; a connector that cannot read it is
refused, naming it, unless ``--unchecked``.
"""

from __future__ import annotations

from datetime import timedelta

import click

from ledgerlink.cli import output
from ledgerlink.cli.errors import reported
from ledgerlink.cli.inputs import missing_file
from ledgerlink.cli.invoice_actions import book_options, existing_book
from ledgerlink.cli.output import Col
from ledgerlink.errors import InputFileError, ValidationError
from ledgerlink.linking import Kind, Link, link, links, unlink

__all__ = ["link_command", "links_command", "unlink_command"]

_KINDS: dict[str, Kind] = {"product": "products", "customer": "customers"}


def _said(done: Link | None, verb: str, kind: str, local: str) -> dict[str, object]:
    return {"kind": kind, "local_id": local, "action": verb,
            "remote_id": None if done is None else done.remote_id,
            "name": None if done is None else done.name,
            "replaced": None if done is None else done.replaced}


def _unlink(kind: str, local: str, connector: str, pairs: tuple[str, ...], store: str,
            as_json: bool, wait: float) -> None:
    with reported(as_json), existing_book(connector, pairs, store) as book:
        if missing_file(store):
            raise InputFileError("no journal store here; nothing is linked", source=store)
        done = unlink(book, _KINDS[kind], local, store=store, wait=timedelta(seconds=wait))
    if as_json:
        output.emit_json(_said(done, "unlinked" if done else "not_linked", kind, local))
    elif done is None:
        output.console.print(f"{kind} {local} was not linked", markup=False, highlight=False)
    else:
        output.console.print(f"unlinked {kind} {local} (was {done.remote_id})", markup=False,
                             highlight=False)


wait_option = click.option("--wait", "wait_seconds", default=0.0, show_default=True,
                           type=click.FloatRange(min=0),
                           help="Seconds to wait for a run holding the book; then exit 3.")


@click.command("link")
@click.argument("kind", type=click.Choice(sorted(_KINDS)))
@click.argument("local")
@click.argument("remote", required=False)
@book_options
@click.option("--unchecked", is_flag=True,
              help="Link without reading REMOTE at the provider (you vouch for it).")
@click.option("--unlink", "remove", is_flag=True, help="Remove LOCAL's link instead.")
@wait_option
def link_command(kind: str, local: str, remote: str | None, connector: str,
                 pairs: tuple[str, ...], store: str, as_json: bool, unchecked: bool,
                 remove: bool, wait_seconds: float) -> None:
    """Link a local product or customer id to the provider's id (REMOTE).

    Invoices use the link from then on. REMOTE is read at the provider first
    and refused when it has none; a connector that cannot read one is refused,
    naming it, unless --unchecked.
    """
    if remove:
        _unlink(kind, local, connector, pairs, store, as_json, wait_seconds)
        return
    with reported(as_json), existing_book(connector, pairs, store) as book:
        if remote is None:
            raise ValidationError("REMOTE is needed to link (or --unlink)", field="REMOTE")
        done = link(book, _KINDS[kind], local, remote, store=store, check=not unchecked,
                    wait=timedelta(seconds=wait_seconds))
    if as_json:
        output.emit_json(_said(done, "linked", kind, local))
        return
    named = f" ({done.name})" if done.name else ""
    was = f", was {done.replaced}" if done.replaced else ""
    output.console.print(f"linked {kind} {local} to {remote}{named}{was}", markup=False,
                         highlight=False)


@click.command("unlink")
@click.argument("kind", type=click.Choice(sorted(_KINDS)))
@click.argument("local")
@book_options
@wait_option
def unlink_command(kind: str, local: str, connector: str, pairs: tuple[str, ...], store: str,
                   as_json: bool, wait_seconds: float) -> None:
    """Remove a product's or customer's link (nothing changes at the provider)."""
    _unlink(kind, local, connector, pairs, store, as_json, wait_seconds)


@click.command("links")
@book_options
def links_command(connector: str, pairs: tuple[str, ...], store: str, as_json: bool) -> None:
    """List the customers and products linked to the provider, with the provider's ids."""
    with reported(as_json), existing_book(connector, pairs, store) as book:
        if missing_file(store):
            raise InputFileError("no journal store here; nothing is linked", source=store)
        found = links(book, store=store)
    if as_json:
        output.emit_json([{"kind": k.kind[:-1], "local_id": k.local_id,
                           "remote_id": k.remote_id} for k in found])
        return
    output.print_table(output.console, output.table(
        [Col("kind"), Col("local id"), Col("remote id")],
        [(k.kind[:-1], k.local_id, k.remote_id) for k in found],
        width=output.console.width, title=f"Links in {found.book}",
        caption=None if len(found) else "nothing is linked"))
