"""``QuickBooksApi``: every request the QuickBooks connector and its helpers make, and
every answer read back through :data:`.wire.WIRE` before anyone sees it.

The connector builds one per realm and hands it to its helper modules
(customers, products, lookup, drafts, batch, credits, change feed), which
never reach into the connector. What it guarantees:

* every answer is a JSON object of the documented shape, or a
  :class:`~ledgerlink.errors.ProviderError` naming the operation and what was
  wrong, with the status and QuickBooks' request id (``intuit_tid``); rows of a
  query and objects read by Id are checked against their wire class as they
  arrive (:data:`ROW_SHAPES`), and an object read by Id must carry that Id;
* the answer to a write is read with ``unclear=True``: when it is malformed
  the write may have been done, so the error is a
  :class:`~ledgerlink.errors.TransientProviderError` and the runner reconciles
  by key as after a timeout. An object a write answers must carry an Id;
* every write carries a requestid derived from what it writes and survives a
  replayed malformed refusal (:mod:`.replays`);
* a PDF answer is a PDF (``application/pdf``, starting ``%PDF-``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import httpx

from ledgerlink.domain import RemoteInvoice
from ledgerlink.errors import ConflictError, ProviderError
from ledgerlink.http.client import ProviderClient
from ledgerlink.http.limits import DEFAULT_LIMIT
from ledgerlink_quickbooks import queries, replays, settings
from ledgerlink_quickbooks.credits import remote_credit
from ledgerlink_quickbooks.faults import STALE_OBJECT
from ledgerlink_quickbooks.keys import digest, parse_note
from ledgerlink_quickbooks.mapping import remote_invoice
from ledgerlink_quickbooks.wire import (
    WIRE,
    QboAccount,
    QboCreditMemo,
    QboCustomer,
    QboInvoice,
    QboItem,
    QboTaxCode,
    QboTaxRate,
    dumps,
)

__all__ = ["PDF_MAGIC", "ROW_SHAPES", "QuickBooksApi", "Row"]

T = TypeVar("T")
#: A QuickBooks object as answered (checked against its wire class).
Row = Mapping[str, Any]
#: The wire class each entity's objects are checked against when they arrive.
ROW_SHAPES: dict[str, type] = {
    "Account": QboAccount,
    "CreditMemo": QboCreditMemo,
    "Customer": QboCustomer,
    "Invoice": QboInvoice,
    "Item": QboItem,
    "TaxCode": QboTaxCode,
    "TaxRate": QboTaxRate,
}
#: How every PDF document starts.
PDF_MAGIC = b"%PDF-"


class QuickBooksApi:
    """One realm's QuickBooks Online API: requests, and answers checked as they arrive.

    Args:
        http: the realm's authenticated client (limits, retries, fault mapping).
        realm_id: the company id (requestids are derived with it).
        environment: picks the web-app links of invoices and credit memos.
        page_size: rows per query page (QuickBooks allows at most 1000).
    """

    def __init__(self, http: ProviderClient, realm_id: str,
                 environment: settings.Environment = "sandbox", *,
                 page_size: int = queries.MAX_RESULTS) -> None:
        self.http = http
        self.realm_id = realm_id
        self.environment: settings.Environment = environment
        self.page_size = page_size
        self.wire = WIRE.bound(http.secrets)

    # --- checking answers ---------------------------------------------------------------

    def malformed(self, what: str, *, operation: str, response: httpx.Response | None = None,
                  unclear: bool = False) -> ProviderError:
        """The error for an answer that is not what QuickBooks documents (raise it)."""
        return self.wire.malformed(what, operation=operation, response=response,
                                   unclear=unclear)

    def checked(self, raw: object, entity: str, *, operation: str,
                response: httpx.Response | None = None, unclear: bool = False,
                where: str | None = None, entity_id: str | None = None,
                deleted: bool = False) -> Row:
        """``raw`` as an ``entity`` object: an object of its wire shape with an Id (and
        ``entity_id``'s, when given), or :meth:`malformed`. ``deleted``: the stub a
        delete answers (``{"status": "Deleted", "Id": ...}``) is expected instead."""
        label = where or entity
        if not isinstance(raw, Mapping):
            shown = "null" if raw is None else type(raw).__name__
            raise self.malformed(f"{label}: expected an object, got {shown}",
                                 operation=operation, response=response, unclear=unclear)
        row = raw
        shape = ROW_SHAPES.get(entity)
        if deleted:
            if str(row.get("status", "")).lower() != "deleted":
                raise self.malformed(f"{label}.status is {row.get('status')!r}, not 'Deleted'",
                                     operation=operation, response=response, unclear=unclear)
        elif shape is not None:
            self.wire.structure(row, shape, operation=operation, response=response,
                                unclear=unclear, where=label)
        found = self.wire.required(row.get("Id"), f"{label}.Id", operation=operation,
                                   response=response, unclear=unclear)
        if not isinstance(found, str | int) or isinstance(found, bool):
            raise self.malformed(f"{label}.Id: expected text, got {found!r}",
                                 operation=operation, response=response, unclear=unclear)
        if entity_id is not None and str(found) != entity_id:
            raise self.malformed(f"{label}.Id is {str(found)!r}, not the {entity_id!r} asked "
                                 "for", operation=operation, response=response, unclear=unclear)
        return row

    def fetch(self, path: str, *, operation: str,
              params: Mapping[str, str] | None = None) -> tuple[Row, httpx.Response]:
        """GET ``path``: its JSON object and the response (for errors found later)."""
        response = self.http.get(path, params=params)
        body = self.wire.mapping(self.wire.body(response, operation=operation),
                                 operation=operation, response=response)
        return body, response

    def get(self, path: str, *, operation: str, params: Mapping[str, str] | None = None) -> Row:
        """GET ``path``: its JSON object."""
        return self.fetch(path, operation=operation, params=params)[0]

    # --- reading objects ----------------------------------------------------------------

    def read(self, entity: str, entity_id: str) -> Row:
        """The ``entity`` with Id ``entity_id`` (NotFoundError on 610); an answer about
        another object is refused."""
        operation = f"read {entity} {entity_id}"
        body, response = self.fetch(f"/{entity.lower()}/{entity_id}", operation=operation)
        raw = self.wire.mapping(body, operation=operation, key=entity, response=response)
        return self.checked(raw, entity, operation=operation, response=response,
                            entity_id=entity_id)

    def read_invoice(self, provider_id: str) -> Row:
        """The raw Invoice ``provider_id``."""
        return self.read("Invoice", provider_id)

    def invoice(self, raw: Row) -> RemoteInvoice:
        """A (checked) Invoice object as a RemoteInvoice."""
        return remote_invoice(raw, self.web_url(str(raw["Id"])))

    def credit(self, raw: Row) -> RemoteInvoice:
        """A (checked) CreditMemo object as a credit note."""
        url = settings.WEB_APP_CREDIT_MEMO[self.environment].format(id=raw["Id"])
        return remote_credit(raw, lambda note: parse_note(note)[0], url)

    def get_invoice(self, provider_id: str) -> RemoteInvoice:
        """The invoice with Id ``provider_id``."""
        return self.invoice(self.read_invoice(provider_id))

    def web_url(self, provider_id: str) -> str:
        """Where the invoice opens in the QuickBooks web app (signed-in users)."""
        return settings.WEB_APP[self.environment].format(id=provider_id)

    # --- queries ------------------------------------------------------------------------

    def rows(self, body: Row, entity: str, *, operation: str,
             response: httpx.Response | None = None) -> list[Row]:
        """The ``entity`` rows of a query answer (``QueryResponse`` absent entity: none)."""
        answer = self.wire.mapping(body, operation=operation, key="QueryResponse",
                                   response=response)
        found = answer.get(entity, [])
        if not isinstance(found, list):
            raise self.malformed(f"QueryResponse.{entity}: expected a list, got "
                                 f"{type(found).__name__}", operation=operation,
                                 response=response)
        return [self.checked(row, entity, operation=operation, response=response,
                             where=f"QueryResponse.{entity}[{index}]")
                for index, row in enumerate(found)]

    def query(self, entity: str, where: Sequence[queries.Condition] = (), *, start: int = 1,
              max_results: int | None = None, order_by: str | None = None) -> list[Row]:
        """One page of ``SELECT * FROM entity WHERE ...`` (GET form)."""
        text = queries.select(entity, where, start=start,
                              max_results=max_results or self.page_size, order_by=order_by)
        operation = f"query {entity}"
        body, response = self.fetch("/query", operation=operation, params={"query": text})
        return self.rows(body, entity, operation=operation, response=response)

    def query_all(self, entity: str, where: Sequence[queries.Condition] = (), *,
                  order_by: str = "Id") -> list[Row]:
        """Every row of the query, read :attr:`page_size` at a time."""
        found: list[Row] = []
        while True:
            rows = self.query(entity, where, start=len(found) + 1, order_by=order_by)
            found += rows
            if len(rows) < self.page_size:
                return found

    def query_posted(self, entity: str, statement: str) -> list[Row]:
        """The rows of ``statement`` sent in the body of ``POST /query`` (for statements
        too long for a URL)."""
        operation = f"query {entity}"
        response = self.http.post("/query", content=statement.encode("utf-8"),
                                  headers={"Content-Type": "application/text"},
                                  idempotent=True)
        body = self.wire.mapping(self.wire.body(response, operation=operation),
                                 operation=operation, response=response)
        return self.rows(body, entity, operation=operation, response=response)

    # --- writes -------------------------------------------------------------------------

    def write(self, path: str, body: bytes, operation: str, key: str, *,
              params: Mapping[str, str] | None = None,
              content_type: str = "application/json") -> tuple[Row, httpx.Response]:
        """POST a write under its requestid (:func:`.replays.post`); its JSON object
        (anything else: TransientProviderError, the write's fate unknown)."""
        response = replays.post(self.http, self.realm_id, path, body, operation, key,
                                params=params, content_type=content_type)
        answer = self.wire.mapping(self.wire.body(response, operation=operation, unclear=True),
                                   operation=operation, response=response, unclear=True)
        return answer, response

    def save(self, entity: str, body: bytes, operation: str, key: str, *,
             params: Mapping[str, str] | None = None, entity_id: str | None = None,
             deleted: bool = False) -> Row:
        """Create or update an ``entity``; the object answered (with an Id, ``entity_id``'s
        for an update)."""
        answer, response = self.write(f"/{entity.lower()}", body, operation, key,
                                      params=params)
        raw = self.wire.mapping(answer, operation=operation, key=entity, response=response,
                                unclear=True)
        return self.checked(raw, entity, operation=operation, response=response,
                            unclear=True, entity_id=entity_id, deleted=deleted)

    def update(self, entity: str, entity_id: str, operation: str,
               change: Callable[[Row], Mapping[str, Any] | None]) -> tuple[Row, bool]:
        """Sparse-update the object with ``change(current)`` under its current SyncToken
        (None: nothing to write); a stale token (5010) re-reads it and tries once more.
        The object answered (or as read) and whether it was written.

        The requestid derives from the object, its SyncToken and the body, so a
        retried write is answered from QuickBooks' replay store, never applied twice.
        """
        for attempt in range(2):
            current = self.read(entity, entity_id)
            fields = change(current)
            if fields is None:
                return current, False
            token = str(current.get("SyncToken", ""))
            body = dumps({"Id": entity_id, "SyncToken": token, "sparse": True, **fields})
            try:
                return self.save(entity, body, operation, f"{entity_id}|{token}|{digest(body)}",
                                 entity_id=entity_id), True
            except ConflictError as err:
                if err.code != STALE_OBJECT or attempt == 1:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def act(self, provider_id: str, action: str,
            done: Callable[[Row], bool] | None = None) -> Row:
        """``operation=<action>`` (void, delete) on the invoice under its current
        SyncToken, re-read and tried once more on a stale one. An invoice ``done`` says
        is already in the wanted state is answered as read."""
        for attempt in range(2):
            current = self.read_invoice(provider_id)
            if done is not None and done(current):
                return current
            token = str(current.get("SyncToken", ""))
            body = dumps({"Id": provider_id, "SyncToken": token})
            try:
                return self.save("Invoice", body, f"{action}-invoice", f"{provider_id}|{token}",
                                 params={"operation": action}, entity_id=provider_id,
                                 deleted=action == "delete")
            except ConflictError as err:
                if err.code != STALE_OBJECT or attempt == 1:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def post_batch(self, payload: bytes, rid: str) -> tuple[Row, httpx.Response]:
        """POST one ``/batch`` request under requestid ``rid`` (counting against the batch
        limit too); its JSON object, read as the answer to a write."""
        operation = "batch create invoices"
        response = self.http.post("/batch", params={"requestid": rid}, content=payload,
                                  headers={"Content-Type": "application/json"},
                                  idempotent=True, limits=(DEFAULT_LIMIT, "batch"))
        answer = self.wire.mapping(self.wire.body(response, operation=operation, unclear=True),
                                   operation=operation, response=response, unclear=True)
        return answer, response

    def pdf(self, provider_id: str) -> bytes:
        """The invoice as QuickBooks renders it; an answer that is not a PDF is refused."""
        operation = f"read the PDF of invoice {provider_id}"
        response = self.http.get(f"/invoice/{provider_id}/pdf",
                                 headers={"Accept": "application/pdf"})
        kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind != "application/pdf":
            raise self.malformed(f"content type {kind or 'missing'!r}, not application/pdf",
                                 operation=operation, response=response)
        if not response.content.startswith(PDF_MAGIC):
            raise self.malformed(f"the body does not start with {PDF_MAGIC!r}",
                                 operation=operation, response=response)
        return response.content

