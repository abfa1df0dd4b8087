"""Domain objects to e-conomic request bodies and back.

Where ledgerlink's ids live on e-conomic records (the "stored mapping"):

* an invoice's ``references.other`` (free text, ≤ 250 characters, filterable
  [E4]) holds the ledgerlink key; booking copies it to the booked invoice;
* a line's ``description`` ends with a last line ``ledgerlink:<source key>``
  (:mod:`ledgerlink.linetags`): e-conomic's lines have no other free text field
  [E4], and the key must survive a whole-draft PUT;
* a credit note's ``notes.textLine2`` names the booked invoice it credits
  (:data:`CREDIT_NOTE_TEXT`), since e-conomic has no link field (inferred).

The connector's provider id of an invoice is its ledgerlink key when it has
one: a draft's number disappears when it is booked (the booked invoice gets a
new number) and draft numbers are reused after a delete [E13], so neither number
names an invoice for its whole life. An invoice ledgerlink did not make is
``draft/<n>`` or ``booked/<n>``.

Bodies are plain JSON objects that leave out every unset field: e-conomic
refuses ``null`` and unset numeric ids must be omitted, not 0 [E13]. Unit prices
are excluding VAT with at most 2 decimals (E04740 [E1]).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ledgerlink.domain import Customer, InvoiceLine, RemoteInvoice
from ledgerlink.errors import ValidationError
from ledgerlink.linetags import line_key, line_tag
from ledgerlink_economic.statuses import balance_of
from ledgerlink_economic.wire import EcoInvoice, EcoLine

__all__ = [
    "BOOKED_PREFIX",
    "CREDIT_NOTE_TEXT",
    "DRAFT_PREFIX",
    "credited_number",
    "customer_body",
    "lines_body",
    "priced_line",
    "provider_id",
    "registration_number",
    "remote_invoice",
    "tagged",
    "untagged",
]

DRAFT_PREFIX = "draft/"
BOOKED_PREFIX = "booked/"
#: ``notes.textLine2`` of a credit note: the booked invoice number it credits.
CREDIT_NOTE_TEXT = "Kreditnota til faktura {number}"
_CREDITED = re.compile(r"^Kreditnota til faktura (\d+)$")
_CENT = Decimal("0.01")


def registration_number(customer: Customer) -> str | None:
    """The CVR e-conomic keeps as ``corporateIdentificationNumber``: a Danish number as its
    8 digits (ledgerlink keeps the ``DK`` VAT prefix), any other as it is."""
    number = customer.registration_number
    if number and customer.address.country == "DK" and number.upper().startswith("DK"):
        return number[2:]
    return number or None


def customer_body(customer: Customer, *, group: int, terms: int, zone: int,
                  base: dict[str, Any] | None = None) -> dict[str, Any]:
    """A customer's body: ``base`` (a whole customer, for a PUT, which replaces every
    field [E13]) with the customer's name, currency, address, e-mail and CVR."""
    body = dict(base or {})
    body.update({"name": customer.name, "currency": customer.currency,
                 "customerGroup": body.get("customerGroup") or {"customerGroupNumber": group},
                 "paymentTerms": body.get("paymentTerms") or {"paymentTermsNumber": terms},
                 "vatZone": body.get("vatZone") or {"vatZoneNumber": zone}})
    address = customer.address
    fields = {"address": address.street, "zip": address.postal_code, "city": address.city,
              "country": address.country, "email": customer.email,
              "corporateIdentificationNumber": registration_number(customer)}
    for name, value in fields.items():
        if value:
            body[name] = value
        else:
            body.pop(name, None)  # never null [E13]
    return {name: value for name, value in body.items() if value is not None}


def tagged(description: str, source_key: str | None) -> str:
    """A line's description carrying its source key on a last line of its own."""
    tag = line_tag(source_key)
    return f"{description}\n{tag}" if tag else description


def untagged(description: str | None) -> tuple[str, str | None]:
    """(the description as written, the source key its last line carries)."""
    text = description or ""
    head, _, last = text.rpartition("\n")
    key = line_key(last)
    return (head, key) if key is not None else (text, None)


def _two_places(value: Decimal) -> bool:
    return value == value.quantize(_CENT, rounding=ROUND_HALF_UP)


def _short(value: Decimal) -> Decimal:
    """``value`` written with at most 2 decimals (``23.770`` as ``23.77``; e-conomic counts
    the decimals written)."""
    exponent = value.as_tuple().exponent
    return value.quantize(_CENT) if isinstance(exponent, int) and exponent < -2 else value


def priced_line(line: InvoiceLine, product: str, currency: str) -> dict[str, Any]:
    """One e-conomic line. Quantity and unit net price take at most 2 decimals (E04740 [E1],
    ``maxDecimal`` [E4]); a line with more is sent as 1 × its net amount (ledgerlink's,
    rounded to the currency's minor unit), its quantity and price kept in the description."""
    description = line.description
    quantity, price = line.quantity, line.unit_price
    if not (_two_places(quantity) and _two_places(price)):
        description = f"{description} ({quantity} × {price})"
        quantity, price = Decimal(1), line.net(currency)
    quantity, price = _short(quantity), _short(price)
    return {"description": tagged(description, line.source_key),
            "product": {"productNumber": product}, "quantity": quantity,
            "unitNetPrice": price}


def lines_body(lines: Iterable[InvoiceLine], products: Sequence[str],
               currency: str) -> list[dict[str, Any]]:
    """e-conomic lines for ``lines``, each linked to the product number at its position
    (line numbers and sort keys left to e-conomic)."""
    return [priced_line(line, product, currency)
            for line, product in zip(lines, products, strict=True)]


def provider_id(invoice: EcoInvoice) -> str:
    """The connector's id of an invoice: its ledgerlink key, else ``draft/<n>``/``booked/<n>``."""
    key = invoice.references.other if invoice.references is not None else None
    if key:
        return key
    if invoice.bookedInvoiceNumber is not None:
        return f"{BOOKED_PREFIX}{invoice.bookedInvoiceNumber}"
    if invoice.draftInvoiceNumber is not None:
        return f"{DRAFT_PREFIX}{invoice.draftInvoiceNumber}"
    raise ValidationError("an e-conomic invoice without its number", field="draftInvoiceNumber")


def credited_number(invoice: EcoInvoice) -> int | None:
    """The booked invoice number a credit note made by the connector credits."""
    text = invoice.notes.textLine2 if invoice.notes is not None else None
    found = _CREDITED.match(text or "")
    return int(found.group(1)) if found else None


def _line_keys(lines: Iterable[EcoLine]) -> tuple[str, ...]:
    keys = (untagged(line.description)[1] for line in lines)
    return tuple(dict.fromkeys(k for k in keys if k))


def remote_invoice(invoice: EcoInvoice, *, credit_for: str | None = None) -> RemoteInvoice:
    """The domain view of an e-conomic draft or booked invoice (or credit note)."""
    booked = invoice.bookedInvoiceNumber is not None
    if invoice.grossAmount is None:
        raise ValidationError("an e-conomic invoice without its grossAmount", field="grossAmount")
    issued = invoice.date or date.today()
    key = invoice.references.other if invoice.references is not None else None
    customer = invoice.customer.customerNumber if invoice.customer is not None else None
    return RemoteInvoice(
        provider_id(invoice), key or None, "" if customer is None else str(customer),
        invoice.currency or "DKK", invoice.grossAmount, balance_of(invoice), issued,
        invoice.dueDate or issued,
        number=str(invoice.bookedInvoiceNumber) if booked else None, booked=booked,
        sent=True if (invoice.sendBy or "").lower() in ("ean", "mobilepay") else None,
        line_keys=_line_keys(invoice.lines or ()), credit_for=credit_for)
