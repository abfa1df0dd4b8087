"""Internal: ``ledgerlink deals invoice|invoices|link|unlink``: won deals invoiced as work.

Deals come from a source (``--source NAME --source-option KEY=VALUE``, as
``--connector`` and ``-o`` give a connector) or from a JSON file (``--deals``:
a list of deals, for tests and offline use); the mapping from the ``[deals]``
table of a TOML file (``--mapping``). See docs/how-to/deals.md.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ledgerlink.cli import output
from ledgerlink.cli.connecting import connect, parse_options
from ledgerlink.cli.errors import reported
from ledgerlink.cli.inputs import parse_now
from ledgerlink.cli.options import (
    connector_option,
    json_option,
    now_option,
    option_option,
    policy_option,
    store_option,
)
from ledgerlink.errors import InputFileError, ValidationError

if TYPE_CHECKING:
    from ledgerlink.connector import Connector
    from ledgerlink.deal_records import DealInvoices
    from ledgerlink.deals import Deal

__all__ = ["deals", "read_deals"]

mapping_option = click.option("--mapping", type=click.Path(path_type=Path), required=True,
                              help="The deal mapping: a TOML file with a [deals] table.")
source_option = click.option("--source", "source_name",
                             help="Read the won deals from this registered source.")
source_option_option = click.option("--source-option", "source_pairs", multiple=True,
                                    metavar="KEY=VALUE",
                                    help="A source option (repeatable), e.g. api_token=...")
deals_file_option = click.option("--deals", "deals_file", type=click.Path(path_type=Path),
                                 help="Read the deals from this JSON file instead.")


def _book_options(command: Callable[..., None]) -> Callable[..., None]:
    for option in reversed((connector_option, option_option, store_option, json_option)):
        command = option(command)
    return command


def _deal_sources(command: Callable[..., None]) -> Callable[..., None]:
    for option in reversed((mapping_option, source_option, source_option_option,
                            deals_file_option)):
        command = option(command)
    return command


# --- reading deals from JSON -------------------------------------------------------


def _party(data: Mapping[str, Any] | None) -> Any:
    from ledgerlink.deals import DealParty, PartyRole
    from ledgerlink.domain import Address

    if data is None:
        return None
    address = data.get("address")
    return DealParty(str(data["id"]), PartyRole(data["role"]), data["name"],
                     email=data.get("email"),
                     address=Address(**address) if address is not None else None,
                     fields=data.get("fields") or {})


def _deal(data: Mapping[str, Any]) -> Deal:
    from ledgerlink.deals import Deal, DealLine, DealStatus, TaxMethod

    lines = [DealLine(str(ln["product_id"]), ln["name"], str(ln["quantity"]),
                      str(ln["unit_price"]), discount=Decimal(str(ln.get("discount", 0))),
                      discount_is_percentage=bool(ln.get("discount_is_percentage", True)),
                      tax_rate=None if ln.get("tax_rate") is None else Decimal(
                          str(ln["tax_rate"])),
                      comments=ln.get("comments", ""))
             for ln in data.get("lines", ())]
    won = data.get("won_at")
    # Deal.lines converts with tuple(), which mypy's attrs plugin types as Iterable[_T_co].
    return Deal(str(data["id"]), data.get("title", ""), DealStatus(data.get("status", "won")),
                data.get("currency", ""), Decimal(str(data.get("value", 0))),
                tuple(lines),  # type: ignore[arg-type]
                tax_method=TaxMethod(data.get("tax_method", "exclusive")),
                person=_party(data.get("person")), organization=_party(data.get("organization")),
                won_at=datetime.fromisoformat(won) if won else None,
                fields=data.get("fields") or {})


def read_deals(path: Path) -> list[Deal]:
    """The deals of a JSON file: a list of objects shaped like :class:`~ledgerlink.deals.Deal`
    (parties with ``role``, ``address`` and ``fields``; amounts as strings; times ISO 8601)."""
    try:
        items = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise InputFileError(f"cannot read the deals: {err}", source=str(path)) from err
    if not isinstance(items, list):
        raise InputFileError("must be a JSON list of deals", source=str(path))
    found: list[Deal] = []
    for row, item in enumerate(items, start=1):
        try:
            found.append(_deal(item))
        except ValidationError as err:
            raise ValidationError(err.message, field=err.field, value=err.value,
                                  source=str(path), row=row) from None
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            raise ValidationError(f"not a deal: {err!r}", source=str(path), row=row) from None
    return found


@contextmanager
def _deals_from(source_name: str | None, source_pairs: tuple[str, ...],
                deals_file: Path | None) -> Iterator[list[Deal]]:
    """The won deals of the named source or of the JSON file (exactly one of them)."""
    if (source_name is None) == (deals_file is None):
        raise ValidationError("name the deals: --source NAME or --deals FILE (one of them)",
                              field="--source")
    if deals_file is not None:
        yield read_deals(deals_file)
        return
    from ledgerlink.sources import open_source

    assert source_name is not None
    source = open_source(source_name, **parse_options(source_pairs))
    try:
        won = list(source.deals())
    finally:
        source.close()
    yield won


@contextmanager
def _book(connector: str, pairs: tuple[str, ...], store: str) -> Iterator[Connector]:
    remote = connect(connector, pairs, store)
    try:
        yield remote
    finally:
        remote.close()


def _invoice_json(invoices: DealInvoices) -> list[dict[str, Any]]:
    return [{"provider_id": i.provider_id, "key": i.key, "number": i.number,
             "issue_date": None if i.issue_date is None else i.issue_date.isoformat(),
             "due_date": None if i.due_date is None else i.due_date.isoformat(),
             "currency": i.currency, "total": None if i.total is None else str(i.total),
             "balance": None if i.balance is None else str(i.balance), "status": i.flags,
             "deal": i.deal_id} for i in invoices]


def _print_invoices(invoices: DealInvoices, as_json: bool, empty: str) -> None:
    if as_json:
        output.emit_json({"today": invoices.today.isoformat(),
                          "invoices": _invoice_json(invoices)})
        return
    if not invoices.invoices:
        output.console.print(empty, highlight=False)
        return
    for i in invoices:
        amounts = "" if i.total is None else f" {i.total} {i.currency}, balance {i.balance}"
        output.console.print(f"{i.key or i.provider_id} ({i.provider_id}) issued "
                             f"{i.issue_date or '-'} due {i.due_date or '-'}{amounts}: "
                             f"{i.status}", highlight=False, soft_wrap=True)


@click.group("deals")
def deals() -> None:
    """Won deals invoiced as work: invoice them, list and link their invoices."""


@deals.command("invoice")
@_deal_sources
@policy_option
@now_option
@_book_options
def invoice_command(mapping: Path, source_name: str | None, source_pairs: tuple[str, ...],
                    deals_file: Path | None, policy: Path | None, now: str | None,
                    connector: str, pairs: tuple[str, ...], store: str, as_json: bool) -> None:
    """Invoice the won deals exactly once; blocked deals are named with the reason."""
    from ledgerlink.deal_invoicing import invoice_deals
    from ledgerlink.deal_mapping import load_deal_mapping
    from ledgerlink.domain import Company
    from ledgerlink.loading import load_policy

    with reported(as_json):
        moment = parse_now(now)
        deal_map = load_deal_mapping(mapping)
        company = load_policy(policy).company if policy is not None else Company("My company")
        with _deals_from(source_name, source_pairs, deals_file) as won, \
                _book(connector, pairs, store) as book:
            result = invoice_deals(won, deal_map, book, company, store=store, now=moment)
    if as_json:
        output.emit_json({"summary": result.summary, "deals": [
            {"deal": r.deal_id, "state": r.state.value, "reason": r.reason,
             "customer": r.customer_id, "key": r.invoice_key, "provider_id": r.provider_id,
             "unlinked": [{"line": u.line, "product": u.product_id, "name": u.name}
                          for u in r.unlinked]} for r in result.deals]})
    else:
        for r in result.deals:
            said = r.reason or f"{r.invoice_key} ({r.provider_id})"
            output.console.print(f"deal {r.deal_id}: {r.state.value.replace('_', ' ')}: "
                                 f"{said}", highlight=False, soft_wrap=True)
    if result.summary["blocked"] or result.summary["failed"]:
        raise click.exceptions.Exit(1)


@deals.command("invoices")
@click.argument("deal_id", metavar="DEAL")
@click.option("--contact", is_flag=True,
              help="List every invoice of the deal's contact in --from..--to instead.")
@click.option("--mapping", type=click.Path(path_type=Path),
              help="The deal mapping (with --contact).")
@source_option
@source_option_option
@deals_file_option
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]),
              help="First issue date (with --contact; default: a year before today).")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]),
              help="Last issue date (with --contact; default: today).")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]),
              help="Judge overdue on this date (default: today).")
@_book_options
def invoices_command(deal_id: str, contact: bool, mapping: Path | None,
                     source_name: str | None, source_pairs: tuple[str, ...],
                     deals_file: Path | None, start: datetime | None, end: datetime | None,
                     today: datetime | None, connector: str, pairs: tuple[str, ...],
                     store: str, as_json: bool) -> None:
    """List the deal's invoices (or its contact's) with their current status flags."""
    from ledgerlink.deal_mapping import load_deal_mapping
    from ledgerlink.deal_records import contact_invoices, deal_invoices

    day = today.date() if today is not None else date.today()
    with reported(as_json), _book(connector, pairs, store) as book:
        if not contact:
            listed = deal_invoices(book, deal_id, store=store, today=day)
        else:
            if mapping is None:
                raise ValidationError("--contact needs the deal mapping (--mapping FILE)",
                                      field="--mapping")
            deal_map = load_deal_mapping(mapping)
            with _deals_from(source_name, source_pairs, deals_file) as found:
                deal = next((d for d in found if d.id == deal_id), None)
            if deal is None:
                raise ValidationError(f"no deal {deal_id!r} among the deals read",
                                      field="DEAL", value=deal_id)
            last = end.date() if end is not None else day
            first = start.date() if start is not None else last.replace(year=last.year - 1)
            listed = contact_invoices(deal, deal_map, book, first, last, store=store,
                                      today=day)
    _print_invoices(listed, as_json, f"No invoices for deal {deal_id}.")


def _relink(linking: bool, deal_id: str, invoice: str, connector: str,
            pairs: tuple[str, ...], store: str, as_json: bool) -> None:
    """Link (or unlink) the invoice and the deal, and say what changed."""
    from ledgerlink.deal_records import link_deal_invoice, unlink_deal_invoice

    change = link_deal_invoice if linking else unlink_deal_invoice
    with reported(as_json), _book(connector, pairs, store) as book:
        changed = change(book, deal_id, invoice, store=store)
    if as_json:
        output.emit_json({"deal": deal_id, "invoice": invoice,
                          "linked" if linking else "unlinked": changed})
        return
    said = {(True, True): "linked to", (True, False): "was linked already to",
            (False, True): "unlinked from", (False, False): "was not linked to"}
    output.console.print(f"Invoice {invoice} {said[linking, changed]} deal {deal_id}.",
                         highlight=False)


@deals.command("link")
@click.argument("deal_id", metavar="DEAL")
@click.argument("invoice", metavar="INVOICE")
@_book_options
def link_command(deal_id: str, invoice: str, connector: str, pairs: tuple[str, ...],
                 store: str, as_json: bool) -> None:
    """Link INVOICE (ledgerlink key or provider id) to DEAL in the journal."""
    _relink(True, deal_id, invoice, connector, pairs, store, as_json)


@deals.command("unlink")
@click.argument("deal_id", metavar="DEAL")
@click.argument("invoice", metavar="INVOICE")
@_book_options
def unlink_command(deal_id: str, invoice: str, connector: str, pairs: tuple[str, ...],
                   store: str, as_json: bool) -> None:
    """Remove the link of INVOICE to DEAL (nothing changes in the accounting system)."""
    _relink(False, deal_id, invoice, connector, pairs, store, as_json)
