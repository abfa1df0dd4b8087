"""Finding invoices and credit notes by their ledgerlink key, one key or many at once.

Billy has no idempotency header [B1]. The ledgerlink key is stored on the
invoice in ``externalId``, and found again with the list filter
``GET /v2/invoices?externalId=<key>`` [B1], one request. Why ``externalId``
and not ``invoiceNo`` (the other filterable field a create may set):

* ``invoiceNo`` is the invoice's legal number. Danish bookkeeping wants
  invoice numbers in one unbroken sequence, and Billy assigns the next one on
  approval when it is empty [B1]; a key put there would break the company's
  numbering, is shown to the customer and can never change (``immutable``).
* ``externalId`` is filterable (a documented list filter), appears on real
  invoices [B9] and is not printed. The resource table does not list it, so that
  a create may set it is inferred (the emulator accepts it as Billy's answers show it).

Before a create is sent again after an ambiguous failure (sent, no answer),
:func:`invoice_by_key` looks for the key (:mod:`.invoices`). Credit notes are
invoices of type ``creditNote`` at Billy and carry their key the same way.

Many keys at once (:func:`find_invoices`, recovery after a crash) cost one
filtered request per key while there are fewer keys than pages of invoices,
else one read of the whole invoice list, ⌈invoices / 1000⌉ requests, matched
here. Lines are embedded (``include=invoice.lines:embed``): Billy omits them
otherwise [B1][B5], and their source keys are part of the answer.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ledgerlink.domain import RemoteInvoice
from ledgerlink_billy.api import BillyApi
from ledgerlink_billy.mapping import remote_invoice
from ledgerlink_billy.wire import BillyInvoice

__all__ = ["EMBED_LINES", "find_invoice", "find_invoices", "get_invoice", "invoice_by_key"]

#: Billy returns an invoice's lines only when asked to embed them [B1].
EMBED_LINES = {"include": "invoice.lines:embed"}


def get_invoice(api: BillyApi, invoice_id: str) -> RemoteInvoice:
    """The invoice (or credit note) with that id; NotFoundError if there is none."""
    return remote_invoice(read_invoice(api, invoice_id))


def read_invoice(api: BillyApi, invoice_id: str) -> BillyInvoice:
    """The invoice as Billy answers it, lines embedded; an answer about another is refused."""
    operation = f"read invoice {invoice_id}"
    found = api.get(f"invoices/{invoice_id}", "invoice", BillyInvoice, operation=operation,
                    params=EMBED_LINES)
    if found.id != invoice_id:
        raise api.wire.malformed(f"invoice.id {found.id!r} answered for {invoice_id!r}",
                                 operation=operation)
    return found


def invoice_by_key(api: BillyApi, key: str) -> BillyInvoice | None:
    """The first invoice whose ``externalId`` is exactly ``key`` (one filtered request)."""
    for invoice in api.list("invoices", "invoices", BillyInvoice,
                            operation=f"find invoice {key}",
                            params={"externalId": key, **EMBED_LINES}):
        if invoice.externalId == key and invoice.id:
            return invoice
    return None


def find_invoice(api: BillyApi, key: str) -> RemoteInvoice | None:
    """The invoice or credit note carrying ledgerlink key ``key``, if any."""
    found = invoice_by_key(api, key)
    return None if found is None else remote_invoice(found)


def find_invoices(api: BillyApi, keys: Sequence[str], *,
                  invoice_count: int | None = None) -> dict[str, RemoteInvoice]:
    """What :func:`find_invoice` answers for each key, by key (absent: none).

    ``invoice_count`` (the company's number of invoices, when known) decides the
    cheaper way; unknown, the first page of the full list tells it.
    """
    wanted = list(dict.fromkeys(keys))
    if len(wanted) <= 1:
        return {key: one for key in wanted if (one := find_invoice(api, key)) is not None}
    operation = f"find {len(wanted)} invoices by key"
    found: dict[str, RemoteInvoice] = {}
    pages = api.pages("invoices", "invoices", operation=operation, params=EMBED_LINES)
    for number, listed in enumerate(pages):
        if number == 0:
            paging = listed.meta.paging
            total = paging.total if paging is not None else invoice_count
            if total is not None and len(wanted) < math.ceil(total / api.page_size) - 1:
                # Cheaper to ask for each key than to read every remaining page.
                return {key: one for key in wanted
                        if (one := find_invoice(api, key)) is not None}
        for index, row in enumerate(listed.rows):
            invoice = api.structure(row, BillyInvoice, operation=operation,
                                    response=listed.response, where=f"invoices[{index}]")
            if invoice.externalId in wanted and invoice.externalId not in found and invoice.id:
                found[invoice.externalId] = remote_invoice(invoice)
    return {key: found[key] for key in wanted if key in found}
