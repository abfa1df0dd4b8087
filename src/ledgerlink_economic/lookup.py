"""Finding invoices by their ledgerlink key or provider id, one key or many at once.

The ledgerlink key is kept in ``references.other``, filterable on both the
draft and the booked collections [E4], and booking copies it to the booked
invoice. Finding one key costs a filtered request on ``/invoices/booked`` and,
when it is not booked, one on ``/invoices/drafts`` plus a read of the draft
(collections omit lines [E13], and a draft's line keys are part of the answer).
Many keys at once (recovery after a crash) are asked with ``$in:[...]``, up to
:data:`KEYS_PER_QUERY` keys per filtered request [E1]. The provider id is the key
(:mod:`.mapping`), or ``draft/<n>``/``booked/<n>`` for an invoice without one.

A credit note names the booked invoice it credits in its notes; the credited
invoice's provider id is read once (one request) and kept.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence

from ledgerlink.domain import RemoteInvoice
from ledgerlink.errors import NotFoundError
from ledgerlink_economic.api import EconomicApi, eq_filter
from ledgerlink_economic.mapping import (
    BOOKED_PREFIX,
    DRAFT_PREFIX,
    credited_number,
    provider_id,
    remote_invoice,
)
from ledgerlink_economic.wire import EcoInvoice

__all__ = ["BOOKED", "DRAFTS", "KEYS_PER_QUERY", "Lookup"]

BOOKED = "invoices/booked"
DRAFTS = "invoices/drafts"
#: ``$in:`` takes at most 200 values [E1]; fewer keep the query string short.
KEYS_PER_QUERY = 100
#: Characters that would end a filter value early (no escaping is documented).
_UNSAFE = ("$", ",", "[", "]")


def _plain(key: str) -> bool:
    return bool(key) and not any(mark in key for mark in _UNSAFE)


class Lookup:
    """Reads of invoices by key or id; knows which booked invoice a credit note credits."""

    def __init__(self, api: EconomicApi) -> None:
        self.api = api
        self._lock = threading.Lock()
        self._booked_ids: dict[int, str] = {}

    def draft(self, number: int) -> EcoInvoice:
        """Draft ``number``, lines included (NotFoundError when gone)."""
        return self.api.get(f"{DRAFTS}/{number}", EcoInvoice, operation=f"read draft {number}")

    def booked(self, number: int) -> EcoInvoice:
        """Booked invoice ``number``, lines included."""
        return self.api.get(f"{BOOKED}/{number}", EcoInvoice,
                            operation=f"read booked invoice {number}")

    def _listed(self, path: str, key_filter: str, operation: str) -> list[EcoInvoice]:
        return list(self.api.list(path, EcoInvoice, operation=operation,
                                  params={"filter": key_filter}))

    def by_key(self, key: str) -> EcoInvoice | None:
        """The invoice carrying ``key``: booked (as listed), else the draft (read whole)."""
        if not _plain(key):
            return None  # no invoice of ours carries such a key: create refuses it
        condition = eq_filter("references.other", key)
        for row in self._listed(BOOKED, condition, f"find invoice {key}"):
            if row.references is not None and row.references.other == key:
                return row
        for row in self._listed(DRAFTS, condition, f"find draft {key}"):
            if (row.references is not None and row.references.other == key
                    and row.draftInvoiceNumber is not None):
                return self.draft(row.draftInvoiceNumber)
        return None

    def by_id(self, invoice_id: str) -> EcoInvoice:
        """The invoice with provider id ``invoice_id``; NotFoundError when there is none."""
        for prefix, read in ((DRAFT_PREFIX, self.draft), (BOOKED_PREFIX, self.booked)):
            if invoice_id.startswith(prefix) and invoice_id[len(prefix):].isdigit():
                return read(int(invoice_id[len(prefix):]))
        found = self.by_key(invoice_id)
        if found is None:
            raise NotFoundError(f"no invoice {invoice_id!r}", provider=self.api.provider,
                                status=404)
        return found

    def credited_id(self, invoice: EcoInvoice) -> str | None:
        """The provider id of the booked invoice a credit note credits."""
        number = credited_number(invoice)
        if number is None:
            return None
        with self._lock:
            known = self._booked_ids.get(number)
        if known is None:
            known = provider_id(self.booked(number))
            with self._lock:
                self._booked_ids[number] = known
        return known

    def remote(self, invoice: EcoInvoice) -> RemoteInvoice:
        """The domain view, with the credited invoice of a credit note."""
        if invoice.bookedInvoiceNumber is not None:
            with self._lock:
                self._booked_ids[invoice.bookedInvoiceNumber] = provider_id(invoice)
        return remote_invoice(invoice, credit_for=self.credited_id(invoice))

    def find(self, key: str) -> RemoteInvoice | None:
        """The invoice or credit note carrying ledgerlink key ``key``, if any."""
        found = self.by_key(key)
        return None if found is None else self.remote(found)

    def find_many(self, keys: Sequence[str]) -> dict[str, RemoteInvoice]:
        """What :meth:`find` answers for each key, by key; ``$in`` queries of many keys."""
        wanted = list(dict.fromkeys(keys))
        plain = [key for key in wanted if _plain(key)]
        found: dict[str, RemoteInvoice] = {}
        for start in range(0, len(plain), KEYS_PER_QUERY):
            chunk = plain[start:start + KEYS_PER_QUERY]
            condition = f"references.other$in:[{','.join(chunk)}]"
            for invoice in self._chunk(chunk, condition):
                key = invoice.references.other if invoice.references else None
                if key in chunk and key not in found:
                    found[key] = self.remote(invoice)
        return {key: found[key] for key in wanted if key in found}

    def _chunk(self, chunk: Sequence[str], condition: str) -> Iterable[EcoInvoice]:
        operation = f"find {len(chunk)} invoices by key"
        yield from self._listed(BOOKED, condition, operation)
        for row in self._listed(DRAFTS, condition, operation):
            if row.draftInvoiceNumber is not None:
                yield self.draft(row.draftInvoiceNumber)
