"""The Tally request object: every request the connector makes, every answer checked.

:class:`TallyApi` holds the book's :class:`~ledgerlink.http.ProviderClient`
(limits, retries, the API key, errors mapped by :func:`.faults.parse_fault`) and
the wire format :data:`.wire.WIRE`, and has one public method per request the
connector needs. Each reads its answer through the wire format with an operation
name, so an answer that is not what Tally documents is a
:class:`~ledgerlink.errors.ProviderError` naming the operation and what was
wrong, with the status and request id. The answer to a write is read with
``unclear=True``: if it is malformed the write may still have been done, so the
error is a :class:`~ledgerlink.errors.TransientProviderError` and ledgerlink looks
the invoice up by its key instead of guessing.

Beyond the types, each method checks that the answer is about what was asked
(the customer tagged with the external id sent, the invoice with the id asked
for): an answer about another object is refused, never linked.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, TypeVar

import httpx
from ledgerlink.errors import ConflictError, InvoiceStateError
from ledgerlink.http import ProviderClient
from ledgerlink.http.wire import WireFormat

from ledgerlink_tally.faults import STATE_CODES
from ledgerlink_tally.settings import KEYS_PER_REQUEST, PDF_MAGIC
from ledgerlink_tally.wire import (
    WIRE,
    TallyCustomer,
    TallyCustomerList,
    TallyInvoice,
    TallyInvoiceList,
    TallyLines,
    TallyNewInvoice,
    TallyProduct,
    TallyProductList,
    TallySendTo,
    TallySent,
)

__all__ = ["TallyApi"]

_JSON = {"Content-Type": "application/json"}
T = TypeVar("T")


class TallyApi:
    """Requests to one Tally book.

    Args:
        http: the book's client.
        wire: the wire format answers are read with.
    """

    def __init__(self, http: ProviderClient, wire: WireFormat = WIRE) -> None:
        self.http = http
        # Errors about an answer never quote the API key (a proxy page may repeat it).
        self.wire = wire.bound(http.secrets)

    def _send(self, method: str, path: str, *, body: object = None,
              idempotent: bool | None = None, **kwargs: Any) -> httpx.Response:
        """One request (``body`` as JSON). Tally's 409 for an invoice in the wrong state
        becomes InvoiceStateError: the status alone says only "conflict"."""
        if body is not None:
            kwargs.update(content=self.wire.dumps(body), headers=_JSON)
        try:
            return self.http.request(method, path, idempotent=idempotent, **kwargs)
        except ConflictError as err:
            if err.code not in STATE_CODES:
                raise
            raise InvoiceStateError(err.message, provider=err.provider, status=err.status,
                                    code=err.code, request_id=err.request_id) from None

    def _read(self, response: httpx.Response, cls: type[T], *, operation: str,
              unclear: bool = False) -> T:
        """The answer as ``cls``."""
        return self.wire.read(response, cls, operation=operation, unclear=unclear)

    def _same(self, answered: str | None, wanted: str | None, what: str, *, operation: str,
              response: httpx.Response, unclear: bool = False) -> None:
        """Refuse an answer about another object than the one asked about."""
        if answered != wanted:
            raise self.wire.malformed(f"{what} {answered!r} answered for {wanted!r}",
                                      operation=operation, response=response, unclear=unclear)

    # --- customers and products -------------------------------------------------------

    def _one(self, rows: Sequence[TallyCustomer | TallyProduct], external_id: str, *,
             operation: str, response: httpx.Response) -> str | None:
        """The id of the one row tagged ``external_id``; None for no row."""
        for row in rows:
            self._same(row.external_id, external_id, "external_id", operation=operation,
                       response=response)
        if len(rows) > 1:
            raise self.wire.malformed(f"{len(rows)} rows carry external_id {external_id!r}",
                                      operation=operation, response=response)
        if not rows:
            return None
        return self.wire.required(rows[0].id, "id", operation=operation, response=response)

    def _created(self, path: str, body: TallyCustomer | TallyProduct, *,
                 operation: str) -> str:
        """POST ``body``; the id of what was created, which must carry our external id."""
        response = self._send("POST", path, body=body)
        created = self._read(response, type(body), operation=operation, unclear=True)
        self._same(created.external_id, body.external_id, "external_id", operation=operation,
                   response=response, unclear=True)
        return self.wire.required(created.id, "id", operation=operation, response=response,
                                  unclear=True)

    def find_customer(self, external_id: str) -> str | None:
        """The id of the customer tagged ``external_id``, or None."""
        operation = f"find customer {external_id}"
        response = self._send("GET", "/customers", params={"external_id": external_id})
        found = self._read(response, TallyCustomerList, operation=operation).customers
        return self._one(found, external_id, operation=operation, response=response)

    def create_customer(self, customer: TallyCustomer) -> str:
        """Create ``customer``; its id."""
        return self._created("/customers", customer,
                             operation=f"create customer {customer.external_id}")

    def find_product(self, external_id: str) -> str | None:
        """The id of the product tagged ``external_id``, or None."""
        operation = f"find product {external_id}"
        response = self._send("GET", "/products", params={"external_id": external_id})
        found = self._read(response, TallyProductList, operation=operation).products
        return self._one(found, external_id, operation=operation, response=response)

    def create_product(self, product: TallyProduct) -> str:
        """Create ``product``; its id."""
        return self._created("/products", product,
                             operation=f"create product {product.external_id}")

    # --- invoices ---------------------------------------------------------------------

    def invoice(self, invoice_id: str) -> TallyInvoice:
        """The invoice (NotFoundError when Tally has none)."""
        operation = f"read invoice {invoice_id}"
        response = self._send("GET", f"/invoices/{invoice_id}")
        found = self._read(response, TallyInvoice, operation=operation)
        self._same(found.id, invoice_id, "id", operation=operation, response=response)
        return found

    def invoices_by_key(self, keys: Sequence[str]) -> dict[str, TallyInvoice]:
        """The invoices carrying each of ``keys``, a page of keys per request."""
        wanted = list(dict.fromkeys(keys))
        found: dict[str, TallyInvoice] = {}
        for start in range(0, len(wanted), KEYS_PER_REQUEST):
            page = wanted[start:start + KEYS_PER_REQUEST]
            operation = f"find invoices by {len(page)} keys"
            response = self._send("GET", "/invoices", params={"key": ",".join(page)})
            listed = self._read(response, TallyInvoiceList, operation=operation)
            for invoice in listed.invoices:
                if invoice.key not in page or invoice.key in found:
                    raise self.wire.malformed(f"key {invoice.key!r} not asked for or twice",
                                              operation=operation, response=response)
                found[invoice.key] = invoice
        return found

    def invoices_of(self, customer_id: str, start: date, end: date) -> list[TallyInvoice]:
        """The customer's invoices issued from ``start`` to ``end``."""
        operation = f"list invoices of customer {customer_id}"
        response = self._send("GET", "/invoices", params={
            "customer_id": customer_id, "from": start.isoformat(), "to": end.isoformat()})
        listed = self._read(response, TallyInvoiceList, operation=operation).invoices
        for invoice in listed:
            self._same(invoice.customer_id, customer_id, "customer_id", operation=operation,
                       response=response)
        return listed

    def create_invoice(self, body: TallyNewInvoice) -> TallyInvoice:
        """Create a draft (never retried: Tally would keep a second one)."""
        operation = f"create invoice {body.key}"
        response = self._send("POST", "/invoices", body=body)
        created = self._read(response, TallyInvoice, operation=operation, unclear=True)
        for field in ("key", "customer_id"):
            self._same(getattr(created, field), getattr(body, field), field,
                       operation=operation, response=response, unclear=True)
        return created

    def write(self, invoice_id: str, action: str, *, body: object = None,
              method: str = "POST") -> TallyInvoice:
        """``METHOD /invoices/ID/action``, which answers the invoice: ``lines`` (PUT),
        ``book`` and ``void``. Each is safe to repeat (its second time changes nothing),
        so it is retried."""
        operation = f"{action} invoice {invoice_id}"
        response = self._send(method, f"/invoices/{invoice_id}/{action}", body=body,
                              idempotent=True)
        written = self._read(response, TallyInvoice, operation=operation, unclear=True)
        self._same(written.id, invoice_id, "id", operation=operation, response=response,
                   unclear=True)
        return written

    def replace_lines(self, invoice_id: str, body: TallyLines) -> TallyInvoice:
        """Set a draft's lines and VAT."""
        return self.write(invoice_id, "lines", body=body, method="PUT")

    def send(self, invoice_id: str, email: str | None) -> None:
        """Email a booked invoice (never retried: it would email twice); Tally must say it
        emailed ``email`` when one is given."""
        operation = f"send invoice {invoice_id}"
        response = self._send("POST", f"/invoices/{invoice_id}/send", body=TallySendTo(email))
        sent = self._read(response, TallySent, operation=operation, unclear=True)
        if email is not None:
            self._same(sent.sent_to, email, "sent_to", operation=operation, response=response,
                       unclear=True)

    def pdf(self, invoice_id: str) -> bytes:
        """The booked invoice as a PDF document."""
        response = self._send("GET", f"/invoices/{invoice_id}/pdf",
                              headers={"Accept": "application/pdf"})
        if not response.content.startswith(PDF_MAGIC):
            raise self.wire.malformed("not a PDF document", operation=f"PDF of {invoice_id}",
                                      response=response)
        return response.content

    def delete(self, invoice_id: str) -> None:
        """Delete a draft; Tally answers 204 and forgets it."""
        response = self._send("DELETE", f"/invoices/{invoice_id}", idempotent=True)
        if response.status_code != httpx.codes.NO_CONTENT:
            raise self.wire.malformed(f"status {response.status_code}, not 204",
                                      operation=f"delete invoice {invoice_id}",
                                      response=response, unclear=True)
