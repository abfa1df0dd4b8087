"""Finding invoices and credit notes by their ledgerlink key, one key or many at once.

One key (:func:`invoice_guid`) is one filtered list call,
``queryFilter=ExternalReference eq '<key>'``. Many keys (:func:`find_invoices`,
what recovery reconciles a crashed run with) read the organisation's invoice
list instead, 1000 rows a page with only ``Guid`` and ``ExternalReference``,
and match the references here: ``queryFilter`` joins clauses with AND only, so
no single filter asks for several references [D11][D17].

The answer for each key equals :func:`find_invoice`'s, so each
invoice found is then read as ``get_invoice`` reads it. The list model cannot
spare that read: it has no ``ProductLines`` (the line keys) and no paid amount
(the balance of a booked, open invoice needs its payments) [D13][D18]; it does
carry booked state, number, total and ``MailOutStatus`` (sent), but an answer
made from it alone would differ from ``find_invoice``'s. Credit notes are found
by their GUID, derived from the key (:mod:`.credits`), one read each: the
documented material has no credit-note list.

So N keys cost: the list pages (⌈invoices / 1000⌉, fewer when every key is found
early), one read per invoice found (and its payments where its ``PaymentStatus``
leaves the balance open, as for ``get_invoice``), one credit-note read per
``credit:`` key and per other key no invoice carries. One key at a time costs a
list call per key on top of the same reads. When fewer keys remain unfound than
pages remain to read, the remaining keys are looked up one filtered call each.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ledgerlink.domain import RemoteInvoice
from ledgerlink.errors import NotFoundError
from ledgerlink_dinero import credits
from ledgerlink_dinero.api import DineroApi, or_none
from ledgerlink_dinero.settings import FIRST_PAGE
from ledgerlink_dinero.wire import DineroInvoice, DineroPagination

__all__ = ["LOOKUP_FIELDS", "find_invoice", "find_invoices", "get_invoice", "invoice_by_key",
           "invoice_guid",
           "invoice_guids"]

#: What a look-up lists of each invoice: its GUID and the key it carries.
LOOKUP_FIELDS = ("Guid", "ExternalReference")


def get_invoice(api: DineroApi, guid: str) -> RemoteInvoice:
    """The invoice (or credit note) with that GUID; NotFoundError if there is none."""
    try:
        return api.remote(api.read_invoice(guid))
    except NotFoundError as err:
        note = or_none(lambda: credits.read_credit_note(api, guid))
        if note is None:
            raise err from None
        return note


def _listed_guid(api: DineroApi, row: object, *, operation: str) -> tuple[str | None, str]:
    """A look-up row's ExternalReference and Guid (which it must carry)."""
    invoice = api.structure(row, DineroInvoice, operation=operation, where="Collection")
    return invoice.ExternalReference, api.wire.required(invoice.Guid, "Collection[].Guid",
                                                        operation=operation)


def invoice_guid(api: DineroApi, key: str) -> str | None:
    """The GUID of the first listed invoice whose ExternalReference is ``key``.

    The filter compares without regard to case (inferred), so the key is
    compared again here, exactly.
    """
    operation = f"find invoice {key}"
    for listed in api.pages("invoices", "invoices", operation=operation, fields=LOOKUP_FIELDS,
                            where=[("ExternalReference", "eq", key)]):
        for row in listed.rows:
            reference, guid = _listed_guid(api, row, operation=operation)
            if reference == key:
                return guid
    return None


def find_invoice(api: DineroApi, key: str) -> RemoteInvoice | None:
    """The invoice whose ExternalReference is ``key``, else the credit note with the GUID
    derived from ``key`` (a ``credit:`` key asks for the credit note first)."""
    if key.startswith(credits.CREDIT_PREFIX):
        return credits.find_credit_note(api, key) or invoice_by_key(api, key)
    return invoice_by_key(api, key) or credits.find_credit_note(api, key)


def invoice_by_key(api: DineroApi, key: str) -> RemoteInvoice | None:
    """The invoice (never a credit note) whose ExternalReference is ``key``."""
    guid = invoice_guid(api, key)
    return None if guid is None else get_invoice(api, guid)


def _pages_left(pagination: DineroPagination | None, next_page: int,
                size: int) -> int | None:
    """Pages after ``next_page - 1``, from the list's ``Pagination.Result`` (None: untold)."""
    total = pagination.Result if pagination is not None else None
    if total is None:
        return None
    return max(0, math.ceil((total - next_page * size) / size))


def invoice_guids(api: DineroApi, keys: Sequence[str]) -> dict[str, str]:
    """Key → GUID of the first listed invoice carrying it, for every key some invoice carries.

    Lists in Dinero's own order, which a filtered list keeps too, so a key two
    invoices carry (a person copied one) finds the invoice :func:`invoice_guid` finds.
    """
    wanted = list(dict.fromkeys(keys))
    if len(wanted) <= 1:
        found = {key: invoice_guid(api, key) for key in wanted}
        return {key: guid for key, guid in found.items() if guid is not None}
    operation = f"find {len(wanted)} invoices by key"
    remaining = set(wanted)
    guids: dict[str, str] = {}
    page = FIRST_PAGE
    while remaining:
        listed = api.page("invoices", "invoices", operation=operation, page=page,
                          fields=LOOKUP_FIELDS)
        for row in listed.rows:
            reference, guid = _listed_guid(api, row, operation=operation)
            if reference is not None and reference in remaining:
                guids[reference] = guid
                remaining.discard(reference)
        if len(listed.rows) < api.page_size:
            break
        page += 1
        pages_left = _pages_left(listed.pagination, page, api.page_size)
        if remaining and pages_left is not None and len(remaining) < pages_left:
            # Cheaper now to ask for each key still missing than to read every page.
            for key in [k for k in wanted if k in remaining]:
                one = invoice_guid(api, key)
                if one is not None:
                    guids[key] = one
            break
    return guids


def find_invoices(api: DineroApi, keys: Sequence[str]) -> dict[str, RemoteInvoice]:
    """What :func:`find_invoice` answers for each key, by key (absent: none).

    A ``credit:`` key asks for its credit note first, then for an invoice; any
    other key for an invoice first, then for a credit note (as ``find_invoice``).
    """
    wanted = list(dict.fromkeys(keys))
    found: dict[str, RemoteInvoice] = {}
    for key in wanted:
        if key.startswith(credits.CREDIT_PREFIX):
            note = credits.find_credit_note(api, key)
            if note is not None:
                found[key] = note
    unfound = [key for key in wanted if key not in found]
    for key, guid in invoice_guids(api, unfound).items():
        found[key] = get_invoice(api, guid)
    for key in unfound:
        if key not in found and not key.startswith(credits.CREDIT_PREFIX):
            note = credits.find_credit_note(api, key)
            if note is not None:
                found[key] = note
    return {key: found[key] for key in wanted if key in found}
