"""Finding invoices and credit notes by their ledgerlink key, one key or many at once.

One key (:func:`invoice_guid`) is one filtered list call,
``queryFilter=ExternalReference eq '<key>'``. Many keys (:func:`find_invoices`,
what recovery reconciles a crashed run with) read the organisation's invoice
list instead, 1000 rows a page with only ``Guid`` and ``ExternalReference``,
and match the references here: ``queryFilter`` joins clauses with AND only, so
no single filter asks for several references [D11][D17].

The answer for each key equals :meth:`DineroConnector.find_invoice`'s, so each
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
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ledgerlink.domain import RemoteInvoice
from ledgerlink_dinero import credits
from ledgerlink_dinero.api import PAGE_SIZE
from ledgerlink_dinero.queries import list_params
from ledgerlink_dinero.settings import FIRST_PAGE

if TYPE_CHECKING:
    from ledgerlink_dinero.connector import DineroConnector

__all__ = ["LOOKUP_FIELDS", "find_invoices", "invoice_guid", "invoice_guids"]

#: What a look-up lists of each invoice: its GUID and the key it carries.
LOOKUP_FIELDS = ("Guid", "ExternalReference")


def invoice_guid(connector: DineroConnector, key: str) -> str | None:
    """The GUID of the first listed invoice whose ExternalReference is ``key``.

    The filter compares without regard to case (inferred), so the key is
    compared again here, exactly.
    """
    rows = connector._list("invoices", "invoices", fields=LOOKUP_FIELDS,
                           where=[("ExternalReference", "eq", key)])
    for row in rows:
        if row.get("ExternalReference") == key:
            return str(row["Guid"])
    return None


def _pages_left(body: Mapping[str, Any], next_page: int) -> int | None:
    """Pages after ``next_page - 1``, from the list's ``Pagination.Result`` (None: untold)."""
    pagination = body.get("Pagination")
    total = pagination.get("Result") if isinstance(pagination, Mapping) else None
    if not isinstance(total, int) or isinstance(total, bool):
        return None
    return max(0, math.ceil((total - next_page * PAGE_SIZE) / PAGE_SIZE))


def invoice_guids(connector: DineroConnector, keys: Sequence[str]) -> dict[str, str]:
    """Key → GUID of the first listed invoice carrying it, for every key some invoice carries.

    Lists in Dinero's own order, which a filtered list keeps too, so a key two
    invoices carry (a person copied one) finds the invoice :func:`invoice_guid` finds.
    """
    wanted = list(dict.fromkeys(keys))
    if len(wanted) <= 1:
        found = {key: invoice_guid(connector, key) for key in wanted}
        return {key: guid for key, guid in found.items() if guid is not None}
    remaining = set(wanted)
    guids: dict[str, str] = {}
    page = FIRST_PAGE
    while remaining:
        params = list_params("invoices", fields=LOOKUP_FIELDS, page=page, page_size=PAGE_SIZE)
        body = connector._get("invoices", params=params)
        rows = list(body.get("Collection") or [])
        for row in rows:
            reference = row.get("ExternalReference")
            if reference in remaining:
                guids[reference] = str(row["Guid"])
                remaining.discard(reference)
        if len(rows) < PAGE_SIZE:
            break
        page += 1
        pages_left = _pages_left(body, page)
        if remaining and pages_left is not None and len(remaining) < pages_left:
            # Cheaper now to ask for each key still missing than to read every page.
            for key in [k for k in wanted if k in remaining]:
                guid = invoice_guid(connector, key)
                if guid is not None:
                    guids[key] = guid
            break
    return guids


def find_invoices(connector: DineroConnector, keys: Sequence[str]) -> dict[str, RemoteInvoice]:
    """What :meth:`DineroConnector.find_invoice` answers for each key, by key (absent: none).

    A ``credit:`` key asks for its credit note first, then for an invoice; any
    other key for an invoice first, then for a credit note (as ``find_invoice``).
    """
    wanted = list(dict.fromkeys(keys))
    found: dict[str, RemoteInvoice] = {}
    for key in wanted:
        if key.startswith(credits.CREDIT_PREFIX):
            note = credits.find_credit_note(connector, key)
            if note is not None:
                found[key] = note
    unfound = [key for key in wanted if key not in found]
    for key, guid in invoice_guids(connector, unfound).items():
        found[key] = connector.get_invoice(guid)
    for key in unfound:
        if key not in found and not key.startswith(credits.CREDIT_PREFIX):
            note = credits.find_credit_note(connector, key)
            if note is not None:
                found[key] = note
    return {key: found[key] for key in wanted if key in found}
