"""The Tally connector: ledgerlink's connector contract over Tally's JSON API.

What a real HTTP connector needs, and nothing else:

* requests go through :class:`ledgerlink.http.ProviderClient` (timeouts,
  rate limits, retries of what is safe to repeat, errors mapped from the
  status and :func:`.wire.parse_error`); the API key is kept out of errors;
* every answer is read by :class:`.wire.Answer`, which turns anything
  malformed into a ``ProviderError``;
* exactly once: ``create_invoice`` looks the draft's key up before it writes
  (Tally would take a second invoice with the same key), and stores the key
  and each line's source key on the invoice;
* money: each line's amount is rounded to the currency's minor unit before VAT,
  and VAT is rounded once per rate, by ledgerlink's own rule
  (:meth:`ledgerlink.domain.InvoiceLine.net`, :func:`ledgerlink.domain.vat_breakdown`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import ledgerlink as ll
from ledgerlink.connector import ProductRefs
from ledgerlink.domain import vat_breakdown
from ledgerlink.errors import ConflictError, InvoiceStateError
from ledgerlink.http import Limit, ProviderClient, make_client
from ledgerlink.http.jsonbody import encode
from ledgerlink.http.redact import KnownSecrets

from ledgerlink_tally.wire import PROVIDER, Answer, parse_error

__all__ = ["CAPABILITIES", "DEFAULT_URL", "TallyConnector"]

#: What the connector can do; every other operation raises CapabilityError.
CAPABILITIES = frozenset({
    ll.Capability.DRAFTS, ll.Capability.BOOKING, ll.Capability.EMAIL, ll.Capability.PDF,
    ll.Capability.VOID, ll.Capability.DELETE,
})
#: Where Tally lives (the emulator is given its own URL).
DEFAULT_URL = "https://api.tally.example"
#: Tally's documented limit: 8 requests at once per API key.
IN_FLIGHT = 8
LIMITS = {"default": Limit(in_flight=IN_FLIGHT)}
#: Keys per ``find_invoices`` request.
KEYS_PER_REQUEST = 50
#: Tally's codes for an invoice in the wrong state (409): InvoiceStateError.
STATE_CODES = frozenset({"invoice_not_draft", "invoice_empty", "invoice_draft",
                         "invoice_voided"})


class TallyConnector(ll.BaseConnector):
    """Invoices in a Tally book.

    Args:
        api_key: the book's API key.
        base_url: Tally's address.
        book: the book's name in ledgerlink's journal (one journal can keep several).
        transport: an httpx transport (an emulator's) instead of the network.
    """

    name = PROVIDER
    capabilities = CAPABILITIES
    max_in_flight = IN_FLIGHT

    def __init__(self, api_key: str, base_url: str = DEFAULT_URL, *, book: str = "tally",
                 transport: httpx.BaseTransport | None = None) -> None:
        self.account = book
        client = make_client(base_url, transport=transport,
                             headers={"Authorization": f"Bearer {api_key}"})
        self._http = ProviderClient(PROVIDER, book, client, limits=LIMITS, parse=parse_error,
                                    secrets=KnownSecrets(api_key))

    def close(self) -> None:
        """Close the HTTP client."""
        self._http.close()

    def _call(self, method: str, path: str, operation: str, *, idempotent: bool | None = None,
              body: object = None, **kwargs: Any) -> Answer:
        """Send one request (``body`` as JSON with exact amounts); Tally's state refusals
        become InvoiceStateError (the one place errors are mapped beyond what
        ProviderClient does from the status)."""
        if body is not None:
            kwargs.update(content=encode(body), headers={"Content-Type": "application/json"})
        try:
            response = self._http.request(method, path, idempotent=idempotent, **kwargs)
        except ConflictError as err:
            if err.code in STATE_CODES:
                raise InvoiceStateError(err.message, provider=PROVIDER, status=err.status,
                                        code=err.code, request_id=err.request_id) from None
            raise
        write = method != "GET" and not idempotent
        return Answer(response, operation, write=write)

    # --- customers and products ---------------------------------------------------

    def _find_one(self, table: str, external_id: str) -> str | None:
        answer = self._call("GET", f"/{table}", f"find {table}",
                            params={"external_id": external_id})
        rows = answer.rows(table)
        if len(rows) > 1:
            raise answer.fail(f"{len(rows)} {table} have external_id {external_id!r}")
        return answer.id(rows[0]) if rows else None

    def find_customer(self, customer: ll.Customer) -> str | None:
        """The customer created for ``customer.id``, found by its external id."""
        return self._find_one("customers", customer.id)

    def create_customer(self, customer: ll.Customer) -> str:
        """Create ``customer`` tagged with its id as the external id."""
        answer = self._call("POST", "/customers", "create customer", body={
            "name": customer.name, "email": customer.email, "currency": customer.currency,
            "external_id": customer.id})
        return answer.id(answer.object())

    def find_product(self, product: ll.Product) -> str | None:
        """The product created for ``product.id``."""
        return self._find_one("products", product.id)

    def create_product(self, product: ll.Product) -> str:
        """Create ``product`` tagged with its id."""
        answer = self._call("POST", "/products", "create product",
                            body={"name": product.name, "external_id": product.id})
        return answer.id(answer.object())

    # --- invoices -------------------------------------------------------------------

    def find_invoice(self, key: str) -> ll.RemoteInvoice | None:
        """The invoice carrying ``key``, if any."""
        return self.find_invoices([key]).get(key)

    def find_invoices(self, keys: Sequence[str]) -> dict[str, ll.RemoteInvoice]:
        """The invoices carrying each of ``keys``, a page of keys per request."""
        found: dict[str, ll.RemoteInvoice] = {}
        wanted = list(dict.fromkeys(keys))
        for start in range(0, len(wanted), KEYS_PER_REQUEST):
            page = wanted[start:start + KEYS_PER_REQUEST]
            answer = self._call("GET", "/invoices", "find invoices",
                                params={"key": ",".join(page)})
            for row in answer.rows("invoices"):
                invoice = answer.invoice(row)
                if invoice.key not in page:
                    raise answer.fail(f"asked for keys {page}, got key {invoice.key!r}")
                if invoice.key in found:
                    raise answer.fail(f"two invoices carry key {invoice.key!r}")
                found[invoice.key] = invoice
        return found

    def get_invoice(self, provider_id: str) -> ll.RemoteInvoice:
        """The invoice; NotFoundError when Tally has none (or it was deleted)."""
        return self._call("GET", f"/invoices/{provider_id}", "get invoice").invoice()

    def create_invoice(self, draft: ll.InvoiceDraft, customer_ref: str,
                       products: ProductRefs) -> ll.RemoteInvoice:
        """Create ``draft`` as a Tally draft, once per key: an invoice that already
        carries the key (an earlier try whose answer was lost) is returned instead."""
        existing = self.find_invoice(draft.key)
        if existing is not None:
            return existing
        body = {"key": draft.key, "customer_id": customer_ref, "currency": draft.currency,
                "issue_date": draft.issue_date.isoformat(),
                "due_date": draft.due_date.isoformat(),
                **self._lines(draft.lines, draft.currency, products)}
        return self._call("POST", "/invoices", "create invoice", body=body).invoice()

    def replace_lines(self, provider_id: str, source_key: str, lines: Sequence[ll.InvoiceLine],
                      products: ProductRefs) -> ll.RemoteInvoice:
        """On a draft, swap the lines tagged ``source_key`` for ``lines``."""
        current = self._call("GET", f"/invoices/{provider_id}", "replace lines")
        data = current.object()
        kept = [(line, raw) for line, raw in current.lines(data) if line.source_key != source_key]
        tagged = [ll.InvoiceLine(line.description, line.quantity, line.unit_price,
                                 line.vat_rate, line.product_id, source_key) for line in lines]
        currency = current.field(data, "currency", str)
        body = self._lines([line for line, _ in kept] + tagged, currency, products,
                           product_ids=[raw.get("product_id") for _, raw in kept])
        return self._call("PUT", f"/invoices/{provider_id}/lines", "replace lines",
                          idempotent=True, body=body).invoice()

    def book(self, provider_id: str) -> ll.RemoteInvoice:
        """Number a draft; a booked invoice comes back unchanged (so a retry is safe)."""
        return self._call("POST", f"/invoices/{provider_id}/book", "book",
                          idempotent=True).invoice()

    def send(self, provider_id: str, email: str | None = None) -> None:
        """Have Tally email a booked invoice (never retried: it would email twice)."""
        answer = self._call("POST", f"/invoices/{provider_id}/send", "send",
                            body={"email": email})
        sent_to = answer.field(answer.object(), "sent_to", str)
        if email is not None and sent_to != email:
            raise answer.fail(f"asked to email {email}, Tally emailed {sent_to}")

    def pdf(self, provider_id: str) -> bytes:
        """The booked invoice as a PDF document."""
        answer = self._call("GET", f"/invoices/{provider_id}/pdf", "pdf",
                            headers={"Accept": "application/pdf"})
        if not answer.response.content.startswith(b"%PDF"):
            raise answer.fail("the answer is not a PDF document")
        return answer.response.content

    def void(self, provider_id: str) -> ll.RemoteInvoice:
        """Void a booked invoice; a voided one comes back unchanged."""
        return self._call("POST", f"/invoices/{provider_id}/void", "void",
                          idempotent=True).invoice()

    def delete(self, provider_id: str) -> None:
        """Delete a draft; Tally forgets it (NotFoundError from then on)."""
        answer = self._call("DELETE", f"/invoices/{provider_id}", "delete", idempotent=True)
        if answer.response.status_code != httpx.codes.NO_CONTENT:
            raise answer.fail(f"expected 204, got {answer.response.status_code}")

    def list_invoices(self, customer_ref: str, start: date,
                      end: date) -> Iterator[ll.RemoteInvoice]:
        """A customer's invoices issued from ``start`` to ``end``, oldest first."""
        answer = self._call("GET", "/invoices", "list invoices", params={
            "customer_id": customer_ref, "from": start.isoformat(), "to": end.isoformat()})
        invoices = [answer.invoice(row) for row in answer.rows("invoices")]
        if any(invoice.customer_ref != customer_ref for invoice in invoices):
            raise answer.fail(f"listed another customer's invoice than {customer_ref}")
        return iter(sorted(invoices, key=lambda invoice: invoice.issue_date))

    # --- amounts --------------------------------------------------------------------

    def _lines(self, lines: Sequence[ll.InvoiceLine], currency: str, products: ProductRefs,
               product_ids: Sequence[str | None] = ()) -> dict[str, Any]:
        """The ``lines`` and ``vat`` of a body. ``product_ids`` are Tally's ids of the
        first lines (kept as read); the rest map their product through ``products``."""
        ids = list(product_ids) + [products.get(line.product_id) if line.product_id else None
                                   for line in lines[len(product_ids):]]
        return {
            "lines": [{"description": line.description, "quantity": line.quantity,
                       "unit_price": line.unit_price, "vat_rate": line.vat_rate,
                       "amount": self._line_amount(line, currency),
                       "source_key": line.source_key, "product_id": product_id}
                      for line, product_id in zip(lines, ids, strict=True)],
            "vat": self._vat(lines, currency),
        }

    def _line_amount(self, line: ll.InvoiceLine, currency: str) -> Decimal:
        """quantity x unit price, rounded once to the currency's minor unit."""
        return line.net(currency)

    def _vat(self, lines: Sequence[ll.InvoiceLine], currency: str) -> Decimal:
        """VAT rounded once per rate on the sum of the rounded lines."""
        return sum((rate.vat.amount for rate in vat_breakdown(lines, currency)), Decimal(0))
