"""The writes on invoices: drafts, their lines, booking, PDFs and deleting drafts.

* Create: ``POST /invoices/drafts`` with the customer, the layout, the payment
  terms whose days of credit give the due date, the recipient (the customer's
  name, address and VAT zone), ``references.other`` = the ledgerlink key and the
  lines (unit net prices, each linked to a product) [E2][E4]. e-conomic prices
  the lines and computes the totals; the answer's line VAT is checked against
  each line's rate and a draft billing another rate is deleted again and refused.
* Lines onto an open draft: ``POST /invoices/drafts/{n}/lines`` when nothing is
  removed, else one ``PUT`` of the whole draft (it replaces every line [E13]).
* Book: ``POST /invoices/booked {"draftInvoice": {"draftInvoiceNumber": n}}``; the
  draft disappears and the booked invoice gets its number; irreversible [E2][E13].
  With the ``send_by`` option (``EAN``) e-conomic's own e-invoicing sends it.
* PDF: ``GET /invoices/{drafts|booked}/{n}/pdf`` [E4][E15]. Delete: a draft only,
  always by its number (``DELETE /invoices/drafts`` alone deletes every draft [E2]).

Every write carries an ``Idempotency-Key`` derived from the ledgerlink key and
the body (:func:`.api.idempotency_key`): a retry, or another process doing the
same write, within the hour e-conomic keeps answers gets the first answer [E10].
After an ambiguous failure the key is looked up (``references.other``) before the
write is sent again, with the same ``Idempotency-Key``.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ledgerlink.connector import ProductRefs
from ledgerlink.domain import InvoiceDraft, InvoiceLine, RemoteInvoice
from ledgerlink.errors import (
    ConflictError,
    InvoiceStateError,
    NotFoundError,
    TransientProviderError,
    ValidationError,
)
from ledgerlink_economic.agreement import AgreementSettings
from ledgerlink_economic.api import EconomicApi, idempotency_key
from ledgerlink_economic.customers import EconomicCustomers
from ledgerlink_economic.lookup import BOOKED, DRAFTS, Lookup
from ledgerlink_economic.mapping import lines_body, untagged
from ledgerlink_economic.products import EconomicProducts
from ledgerlink_economic.wire import EcoInvoice

__all__ = ["MAX_KEY", "EconomicInvoices"]

#: ``references.other`` holds at most 250 characters [E4].
MAX_KEY = 250
_LINE_VAT = Decimal("0.0001")
#: Line fields a whole-draft PUT sends back as they were.
_KEPT_LINE_FIELDS = ("description", "product", "quantity", "unitNetPrice",
                     "discountPercentage", "unit")


def _kept_line(line: dict[str, Any]) -> dict[str, Any]:
    kept = {name: line[name] for name in _KEPT_LINE_FIELDS if line.get(name) is not None}
    if isinstance(kept.get("product"), dict):
        kept["product"] = {"productNumber": kept["product"].get("productNumber")}
    if isinstance(kept.get("unit"), dict):
        kept["unit"] = {"unitNumber": kept["unit"].get("unitNumber")}
    return kept


class EconomicInvoices:
    """The writes on invoices (see the module docs).

    Args:
        api: the agreement's requests.
        lookup: reads of invoices by key or id.
        customers: the customers (their currency, VAT zone, address).
        products: the product links of lines.
        agreement: the agreement's layout and payment terms.
        send_by: ``sendBy`` on booking (``EAN``: e-conomic's e-invoicing), None: not sent.
    """

    def __init__(self, api: EconomicApi, lookup: Lookup, customers: EconomicCustomers,
                 products: EconomicProducts, agreement: AgreementSettings, *,
                 send_by: str | None) -> None:
        self.api = api
        self.lookup = lookup
        self.customers = customers
        self.products = products
        self.agreement = agreement
        self.send_by = send_by
        self._lock = threading.Lock()
        # Key → draft number of the drafts this connector made: a repeat returns the draft,
        # and booking reads it by number instead of looking the key up.
        self._made: dict[str, int] = {}

    def draft_body(self, draft: InvoiceDraft, customer_ref: str,
                   products: ProductRefs) -> dict[str, Any]:
        """The ``POST /invoices/drafts`` body of ``draft``."""
        if not draft.key or len(draft.key) > MAX_KEY or any(m in draft.key for m in "$,[]"):
            raise ValidationError(f"an e-conomic reference holds at most {MAX_KEY} characters "
                                  "and none of $ , [ ]", field="key", value=draft.key)
        customer = self.customers.customer(customer_ref)
        if customer.currency and customer.currency != draft.currency:
            raise ConflictError(f"the customer is invoiced in {customer.currency}, not "
                                f"{draft.currency}", provider=self.api.provider)
        numbers = self.products.links(draft.lines, products)
        terms = self.agreement.draft_terms((draft.due_date - draft.issue_date).days)
        zone = (customer.vatZone.vatZoneNumber if customer.vatZone is not None else None) or \
            self.agreement.vat_zone(customer.country)
        recipient: dict[str, Any] = {"name": customer.name or customer_ref,
                                     "vatZone": {"vatZoneNumber": zone}}
        # The customer's EAN (kept in e-conomic) lets e-conomic's e-invoicing send it.
        for name in ("address", "zip", "city", "country", "ean"):
            if getattr(customer, name):
                recipient[name] = getattr(customer, name)
        body: dict[str, Any] = {
            "date": draft.issue_date.isoformat(), "currency": draft.currency,
            "customer": {"customerNumber": customer.customerNumber},
            "layout": {"layoutNumber": self.agreement.layout()},
            "paymentTerms": {"paymentTermsNumber": terms.number},
            "recipient": recipient, "references": {"other": draft.key},
            "lines": lines_body(draft.lines, numbers, draft.currency)}
        if terms.send_due_date:
            body["dueDate"] = draft.due_date.isoformat()
        if draft.reference:
            body["notes"] = {"heading": draft.reference[:250]}
        return body

    def create(self, draft: InvoiceDraft, customer_ref: str,
               products: ProductRefs) -> RemoteInvoice:
        """Create a draft keyed by ``references.other`` (see the module docs)."""
        with self._lock:
            made = self._made.get(draft.key)
        if made is not None:
            return self.lookup.remote(self.current(draft.key))  # a repeat
        body = self.draft_body(draft, customer_ref, products)
        operation = f"create invoice {draft.key}"
        key = idempotency_key(operation, body)
        try:
            answer = self.api.write("POST", DRAFTS, body, operation=operation, key=key)
        except TransientProviderError:
            found = self.lookup.by_key(draft.key)
            if found is not None:
                return self.lookup.remote(found)
            answer = self.api.write("POST", DRAFTS, body, operation=operation, key=key)
        created = self.api.wire.structure(answer, EcoInvoice, operation=operation, unclear=True)
        number = self.api.wire.required(created.draftInvoiceNumber, "draftInvoiceNumber",
                                        operation=operation, unclear=True)
        self._check_vat(created, draft.lines, number)
        with self._lock:
            self._made[draft.key] = number
        return self.lookup.remote(created)

    def _check_vat(self, created: EcoInvoice, lines: Sequence[InvoiceLine], number: int) -> None:
        """Delete the new draft and refuse it when e-conomic bills a line at another rate."""
        problems = []
        for index, (line, priced) in enumerate(zip(lines, created.lines or (), strict=False)):
            if priced.totalNetAmount is None or priced.vatAmount is None:
                continue
            expected = (priced.totalNetAmount * line.vat_rate / 100).quantize(
                _LINE_VAT, rounding=ROUND_HALF_UP)
            if abs(expected - priced.vatAmount) > _LINE_VAT:
                problems.append(f"line {index + 1} ({line.description!r}) has VAT "
                                f"{line.vat_rate} % but e-conomic charges {priced.vatAmount} "
                                f"on {priced.totalNetAmount}")
        if problems:
            self.api.write("DELETE", f"{DRAFTS}/{number}", None,
                           operation=f"delete draft {number}")
            raise ValidationError("e-conomic bills another VAT rate (the product's group or "
                                  "the customer's VAT zone decide it): " + "; ".join(problems),
                                  field="lines")

    def current(self, invoice_id: str) -> EcoInvoice:
        """The invoice as e-conomic holds it now. A draft this connector made is read by its
        number (one request), and taken only if it still carries its key: draft numbers are
        reused after a delete [E13]; otherwise it is looked up by key."""
        with self._lock:
            number = self._made.get(invoice_id)
        if number is not None:
            try:
                draft = self.lookup.draft(number)
            except NotFoundError:
                draft = None
            if draft is not None and draft.references is not None and \
                    draft.references.other == invoice_id:
                return draft
            with self._lock:
                self._made.pop(invoice_id, None)  # booked, or gone
        return self.lookup.by_id(invoice_id)

    def open_draft(self, invoice_id: str, why: str) -> EcoInvoice:
        """The invoice, which must be a draft (InvoiceStateError saying ``why`` otherwise)."""
        found = self.current(invoice_id)
        if found.draftInvoiceNumber is None:
            raise InvoiceStateError(f"e-conomic invoice {invoice_id} is booked; {why}",
                                    provider=self.api.provider)
        return found

    def replace_lines(self, invoice_id: str, source_key: str, lines: Sequence[InvoiceLine],
                      products: ProductRefs) -> RemoteInvoice:
        """On a draft, replace the lines tagged ``source_key`` (see the module docs)."""
        current = self.open_draft(invoice_id, "its lines cannot change")
        number = current.draftInvoiceNumber
        numbers = self.products.links(lines, products) if lines else []
        added = lines_body(lines, numbers, current.currency or "DKK")
        operation = f"replace lines {source_key} of draft {number}"
        held = current.lines or ()
        if not any(untagged(line.description)[1] == source_key for line in held):
            if not added:
                return self.lookup.remote(current)
            answer = self.api.write("POST", f"{DRAFTS}/{number}/lines", {"lines": added},
                                    operation=operation)
        else:
            whole = dict(self.api.raw(f"{DRAFTS}/{number}", operation=operation))
            kept = [_kept_line(line) for line in whole.get("lines", [])
                    if untagged(line.get("description"))[1] != source_key]
            whole["lines"] = kept + added
            for read_only in ("draftInvoiceNumber", "pdf", "self", "layout", "lastUpdated"):
                whole.pop(read_only, None)
            zone = (whole.get("recipient") or {}).get("vatZone") or {}
            if "vatZoneNumber" in zone:
                whole["recipient"] = {**whole["recipient"],
                                      "vatZone": {"vatZoneNumber": zone["vatZoneNumber"]}}
            answer = self.api.write("PUT", f"{DRAFTS}/{number}", whole, operation=operation)
        changed = self.api.wire.structure(answer, EcoInvoice, operation=operation, unclear=True)
        return self.lookup.remote(changed)

    def book(self, invoice_id: str) -> RemoteInvoice:
        """Book the draft (e-conomic numbers it); a booked invoice is returned as it is."""
        found = self.current(invoice_id)
        if found.draftInvoiceNumber is None:
            return self.lookup.remote(found)
        if not found.lines:
            raise InvoiceStateError(f"e-conomic draft {found.draftInvoiceNumber} has no lines "
                                    "to book", provider=self.api.provider)
        body: dict[str, Any] = {"draftInvoice": {"draftInvoiceNumber": found.draftInvoiceNumber}}
        if self.send_by:
            body["sendBy"] = self.send_by
        operation = f"book invoice {invoice_id}"
        # Keyed by the invoice too: draft numbers are reused after a delete [E13].
        key = idempotency_key(operation, body)
        try:
            answer = self.api.write("POST", BOOKED, body, operation=operation, key=key)
        except TransientProviderError:
            again = self.lookup.by_id(invoice_id)
            if again.bookedInvoiceNumber is not None:
                return self.lookup.remote(again)
            answer = self.api.write("POST", BOOKED, body, operation=operation, key=key)
        booked = self.api.wire.structure(answer, EcoInvoice, operation=operation, unclear=True)
        self.api.wire.required(booked.bookedInvoiceNumber, "bookedInvoiceNumber",
                               operation=operation, unclear=True)
        with self._lock:
            self._made.pop(invoice_id, None)
        return self.lookup.remote(booked)

    def pdf(self, invoice_id: str) -> bytes:
        """The draft or booked invoice as PDF."""
        found = self.current(invoice_id)
        path = (f"{DRAFTS}/{found.draftInvoiceNumber}" if found.draftInvoiceNumber is not None
                else f"{BOOKED}/{found.bookedInvoiceNumber}")
        return self.api.pdf(f"{path}/pdf", operation=f"PDF of invoice {invoice_id}")

    def delete(self, invoice_id: str) -> None:
        """Delete a draft, by its number; one already gone is fine; a booked one is refused."""
        try:
            found = self.lookup.by_id(invoice_id)
        except NotFoundError:
            return  # gone already
        number = found.draftInvoiceNumber
        if number is None:
            raise InvoiceStateError(f"e-conomic invoice {invoice_id} is booked; credit it "
                                    "instead of deleting it", provider=self.api.provider)
        self.api.write("DELETE", f"{DRAFTS}/{number}", None,
                       operation=f"delete draft {number}",
                       key=idempotency_key(f"delete {invoice_id}", number))
        with self._lock:
            self._made.pop(invoice_id, None)
