"""Credit notes: a booked invoice credited in full by a booked negative draft.

e-conomic has no credit note resource: a credit note is a booked invoice with
negative amounts [E2]. The connector copies the booked invoice's customer,
recipient, layout, terms and lines with the quantities negated into a new draft
keyed by the credit key (``references.other``), ties it to the invoice by its
notes (:data:`.mapping.CREDIT_NOTE_TEXT`, as e-conomic has no link field) and
books it. Crediting twice with one key finds the first note instead of making
another, and a note left as a draft (a run stopped in between) is booked then.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ledgerlink.domain import RemoteInvoice
from ledgerlink.errors import InvoiceStateError, TransientProviderError
from ledgerlink_economic.api import idempotency_key
from ledgerlink_economic.invoices import EconomicInvoices
from ledgerlink_economic.lookup import BOOKED, DRAFTS
from ledgerlink_economic.mapping import CREDIT_NOTE_TEXT
from ledgerlink_economic.wire import EcoInvoice

__all__ = ["credit_invoice", "note_body"]

#: References of the booked invoice the note copies, by the number each names.
_REFERENCES = {"customer": "customerNumber", "layout": "layoutNumber",
               "paymentTerms": "paymentTermsNumber"}
#: Recipient fields the note copies (``vatZone`` by its number).
_RECIPIENT = ("name", "address", "zip", "city", "country", "ean", "attention")


def _negated(line: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"description": line.get("description") or "",
                           "quantity": -line.get("quantity", 1),
                           "unitNetPrice": line.get("unitNetPrice", 0)}
    product = line.get("product")
    if isinstance(product, dict) and product.get("productNumber") is not None:
        out["product"] = {"productNumber": product["productNumber"]}
    if line.get("discountPercentage"):
        out["discountPercentage"] = line["discountPercentage"]
    return out


def note_body(booked: dict[str, Any], key: str, today: date) -> dict[str, Any]:
    """The draft of the credit note of ``booked`` (the whole booked invoice as read)."""
    body: dict[str, Any] = {"currency": booked["currency"]}
    for name, number in _REFERENCES.items():
        if isinstance(booked.get(name), dict) and number in booked[name]:
            body[name] = {number: booked[name][number]}
    recipient = booked.get("recipient") or {}
    body["recipient"] = {k: recipient[k] for k in _RECIPIENT if recipient.get(k) is not None}
    zone = (recipient.get("vatZone") or {}).get("vatZoneNumber")
    if zone is not None:
        body["recipient"]["vatZone"] = {"vatZoneNumber": zone}
    body.update({"date": today.isoformat(), "references": {"other": key},
                 "notes": {"heading": f"Kreditnota ({key})"[:250],
                           "textLine2": CREDIT_NOTE_TEXT.format(
                               number=booked["bookedInvoiceNumber"])},
                 "lines": [_negated(line) for line in booked.get("lines", [])]})
    return body


def credit_invoice(invoices: EconomicInvoices, invoice_id: str, key: str) -> RemoteInvoice:
    """Create (once per ``key``) and book a credit note for the whole booked invoice."""
    api, lookup = invoices.api, invoices.lookup
    existing = lookup.by_key(key)
    if existing is None:
        original = lookup.by_id(invoice_id)
        if original.bookedInvoiceNumber is None:
            raise InvoiceStateError(f"e-conomic invoice {invoice_id} is a draft; only booked "
                                    "invoices are credited", provider=api.provider)
        operation = f"create credit note {key}"
        whole = dict(api.raw(f"{BOOKED}/{original.bookedInvoiceNumber}", operation=operation))
        body = note_body(whole, key, date.today())
        digest = idempotency_key(operation, body)
        try:
            answer = api.write("POST", DRAFTS, body, operation=operation, key=digest)
        except TransientProviderError:
            existing = lookup.by_key(key)
            if existing is None:
                answer = api.write("POST", DRAFTS, body, operation=operation, key=digest)
        if existing is None:
            existing = api.wire.structure(answer, EcoInvoice, operation=operation, unclear=True)
    if existing.bookedInvoiceNumber is not None:
        return lookup.remote(existing)
    return invoices.book(key)
