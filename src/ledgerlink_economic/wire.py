"""e-conomic's JSON shapes as the connector reads them, and the one converter.

The classes carry e-conomic's own camelCase names [E4]. Every field is optional:
a collection omits ``lines`` [E13], and the connector reads only what it uses
(unknown fields are ignored). Writes are plain JSON objects built by
:mod:`.mapping`, which leaves out every unset field (e-conomic refuses ``null``
and wants unset numeric ids omitted, not 0 [E13]); the contract test holds them
to the official schemas. :data:`WIRE` reads answers strictly: amounts as
``Decimal`` from JSON numbers, dates ``YYYY-MM-DD``.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import attrs

from ledgerlink.http.wire import wire_format
from ledgerlink_economic.settings import PROVIDER

__all__ = [
    "WIRE",
    "EcoCustomer",
    "EcoCustomerGroup",
    "EcoInvoice",
    "EcoLayout",
    "EcoLine",
    "EcoNotes",
    "EcoNumbered",
    "EcoPagination",
    "EcoPaymentTerms",
    "EcoProduct",
    "EcoRecipient",
    "EcoReferences",
    "EcoVatZone",
]


@attrs.frozen
class EcoPagination:
    """``pagination`` of a collection: ``skipPages`` from 0, ``nextPage`` absent on the
    last page [E15]."""

    skipPages: int | None = None
    pageSize: int | None = None
    results: int | None = None
    resultsWithoutFilter: int | None = None
    nextPage: str | None = None
    lastPage: str | None = None


@attrs.frozen
class EcoNumbered:
    """A reference to another resource by its number (``{"customerNumber": 5}``)."""

    customerNumber: int | None = None
    productNumber: str | None = None
    vatZoneNumber: int | None = None
    layoutNumber: int | None = None
    paymentTermsNumber: int | None = None
    customerGroupNumber: int | None = None
    productGroupNumber: int | None = None


@attrs.frozen
class EcoCustomerGroup:
    """A customer group [E4]."""

    customerGroupNumber: int
    name: str | None = None


@attrs.frozen
class EcoPaymentTerms:
    """Payment terms: ``daysOfCredit`` of a ``paymentTermsType`` (``net``...) [E4]."""

    paymentTermsNumber: int
    name: str | None = None
    daysOfCredit: int | None = None
    paymentTermsType: str | None = None


@attrs.frozen
class EcoVatZone:
    """A VAT zone: Domestic, EU, Abroad, Domestic exempt VAT [E4][E15]."""

    vatZoneNumber: int
    name: str | None = None
    enabledForCustomer: bool | None = None


@attrs.frozen
class EcoLayout:
    """An invoice layout [E4]."""

    layoutNumber: int
    name: str | None = None


@attrs.frozen
class EcoCustomer:
    """A customer, as far as the connector reads it [E4]."""

    customerNumber: int
    name: str | None = None
    currency: str | None = None
    email: str | None = None
    corporateIdentificationNumber: str | None = None
    address: str | None = None
    zip: str | None = None
    city: str | None = None
    country: str | None = None
    ean: str | None = None
    barred: bool | None = None
    vatZone: EcoNumbered | None = None
    paymentTerms: EcoNumbered | None = None
    layout: EcoNumbered | None = None


@attrs.frozen
class EcoProduct:
    """A product; ``productNumber`` is a string [E4][E13]."""

    productNumber: str
    name: str | None = None
    barred: bool | None = None
    productGroup: EcoNumbered | None = None


@attrs.frozen
class EcoLine:
    """An invoice line as e-conomic priced it (``totalNetAmount``, ``vatAmount``) [E4]."""

    lineNumber: int | None = None
    sortKey: int | None = None
    description: str | None = None
    product: EcoNumbered | None = None
    quantity: Decimal | None = None
    unitNetPrice: Decimal | None = None
    discountPercentage: Decimal | None = None
    totalNetAmount: Decimal | None = None
    vatAmount: Decimal | None = None


@attrs.frozen
class EcoRecipient:
    """An invoice's recipient (name, address, its VAT zone, EAN) [E4]."""

    name: str | None = None
    address: str | None = None
    zip: str | None = None
    city: str | None = None
    country: str | None = None
    ean: str | None = None
    vatZone: EcoNumbered | None = None


@attrs.frozen
class EcoReferences:
    """An invoice's references; ``other`` (≤ 250 characters, filterable) holds the
    ledgerlink key [E4]."""

    other: str | None = None


@attrs.frozen
class EcoNotes:
    """An invoice's notes: a heading and two text lines [E4]."""

    heading: str | None = None
    textLine1: str | None = None
    textLine2: str | None = None


@attrs.frozen
class EcoInvoice:
    """A draft (``draftInvoiceNumber``) or booked invoice (``bookedInvoiceNumber``,
    ``remainder``) [E4]. Credit notes are booked invoices with negative amounts [E2]."""

    draftInvoiceNumber: int | None = None
    bookedInvoiceNumber: int | None = None
    date: datetime.date | None = None
    dueDate: datetime.date | None = None
    currency: str | None = None
    netAmount: Decimal | None = None
    vatAmount: Decimal | None = None
    grossAmount: Decimal | None = None
    remainder: Decimal | None = None
    customer: EcoNumbered | None = None
    recipient: EcoRecipient | None = None
    paymentTerms: EcoNumbered | None = None
    layout: EcoNumbered | None = None
    references: EcoReferences | None = None
    notes: EcoNotes | None = None
    sendBy: str | None = None
    lines: tuple[EcoLine, ...] | None = None


_CLASSES = (EcoPagination, EcoNumbered, EcoCustomerGroup, EcoPaymentTerms, EcoVatZone,
            EcoLayout, EcoCustomer, EcoProduct, EcoLine, EcoRecipient, EcoReferences,
            EcoNotes, EcoInvoice)

#: e-conomic's wire format: keys as e-conomic spells them, unknown fields ignored.
WIRE = wire_format(PROVIDER, _CLASSES)
