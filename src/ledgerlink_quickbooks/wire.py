"""QuickBooks Online JSON shapes, and :data:`WIRE`, the one wire format that reads and writes them.

The classes carry QuickBooks' own field names (``DocNumber``, ``CustomerRef``...)
so a payload reads like Intuit's documentation. :data:`WIRE` is the core's
:func:`ledgerlink.http.wire.wire_format` configured for QuickBooks:

* writes drop ``None`` fields, so a create sends only what is set, and keep
  ``Decimal`` as a JSON *number* with its exact digits (``12.50``, never a float);
* reads are strict: ``{"Active": "false"}`` is refused, not read as True; an
  amount must be a JSON number (QuickBooks writes them so), a date
  ``YYYY-MM-DD``, an object an object; fields the connector does not use are
  ignored. Anything malformed becomes a ProviderError naming the operation and
  the field (:mod:`ledgerlink.http.wire`).

:data:`converter`, :func:`dumps` and :func:`loads` are the format's converter,
its body writer and its JSON parser (non-integer numbers as ``Decimal``), for
code that builds or inspects payloads directly.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from ledgerlink.http import jsonbody
from ledgerlink.http.wire import WireFormat, wire_format
from ledgerlink_quickbooks import settings

__all__ = [
    "WIRE",
    "QboAccount",
    "QboCreditMemo",
    "QboCustomer",
    "QboEmail",
    "QboInvoice",
    "QboItem",
    "QboLine",
    "QboLinkedTxn",
    "QboPayment",
    "QboPaymentLine",
    "QboPhysicalAddress",
    "QboSalesItemLineDetail",
    "QboTaxCode",
    "QboTaxLine",
    "QboTaxLineDetail",
    "QboTaxRate",
    "QboTaxRateDetail",
    "QboTaxRateList",
    "QboTxnTaxDetail",
    "Ref",
    "converter",
    "dumps",
    "loads",
]


@attrs.frozen
class Ref:
    """A ``ReferenceType``: ``{"value": id-or-code, "name": ...}``."""

    value: str
    name: str | None = None


@attrs.frozen
class QboEmail:
    """``EmailAddress``."""

    Address: str


@attrs.frozen
class QboPhysicalAddress:
    """``PhysicalAddress`` (street lines, city, postal code, country)."""

    Line1: str | None = None
    Line2: str | None = None
    Line3: str | None = None
    City: str | None = None
    PostalCode: str | None = None
    Country: str | None = None


@attrs.frozen
class QboCustomer:
    """The Customer fields the connector writes and reads."""

    DisplayName: str
    Id: str | None = None
    SyncToken: str | None = None
    CompanyName: str | None = None
    GivenName: str | None = None
    FamilyName: str | None = None
    PrimaryEmailAddr: QboEmail | None = None
    BillAddr: QboPhysicalAddress | None = None
    CurrencyRef: Ref | None = None
    Notes: str | None = None
    Active: bool | None = None
    #: The tax id (VAT/registration number); QuickBooks masks it on read.
    PrimaryTaxIdentifier: str | None = None


@attrs.frozen
class QboItem:
    """The Item fields the connector writes and reads (``IncomeAccountRef`` is required
    for Service and NonInventory Items: Finance.xsd, NOTES.md §4.3)."""

    Name: str
    Id: str | None = None
    Type: str | None = None
    UnitPrice: Decimal | None = None
    Description: str | None = None
    IncomeAccountRef: Ref | None = None
    Active: bool | None = None


@attrs.frozen
class QboAccount:
    """The Account fields read to choose the income account of created Items."""

    Id: str
    Name: str | None = None
    AccountType: str | None = None
    AccountSubType: str | None = None
    Active: bool | None = None


@attrs.frozen
class QboTaxRate:
    """A TaxRate: the percentage (``RateValue``) one tax component applies."""

    Id: str
    Name: str | None = None
    RateValue: Decimal | None = None
    Active: bool | None = None


@attrs.frozen
class QboTaxRateDetail:
    """One ``TaxRateDetail`` of a TaxCode's sales or purchase rate list."""

    TaxRateRef: Ref | None = None


@attrs.frozen
class QboTaxRateList:
    """``SalesTaxRateList`` / ``PurchaseTaxRateList``."""

    TaxRateDetail: tuple[QboTaxRateDetail, ...] = ()


@attrs.frozen
class QboTaxCode:
    """A TaxCode: the tax rates a line with this code applies."""

    Id: str
    Name: str | None = None
    Active: bool | None = None
    Hidden: bool | None = None
    SalesTaxRateList: QboTaxRateList | None = None


@attrs.frozen
class QboSalesItemLineDetail:
    """``SalesItemLineDetail``: item, quantity, unit price and tax code of a line."""

    ItemRef: Ref
    Qty: Decimal | None = None
    UnitPrice: Decimal | None = None
    TaxCodeRef: Ref | None = None


@attrs.frozen
class QboLine:
    """One invoice line (only ``SalesItemLineDetail`` lines are written)."""

    DetailType: str
    Amount: Decimal | None = None
    Description: str | None = None
    SalesItemLineDetail: QboSalesItemLineDetail | None = None


@attrs.frozen
class QboTaxLineDetail:
    """``TaxLineDetail``: one tax rate's share of a transaction's tax."""

    TaxRateRef: Ref
    PercentBased: bool | None = None
    TaxPercent: Decimal | None = None
    NetAmountTaxable: Decimal | None = None


@attrs.frozen
class QboTaxLine:
    """A ``TxnTaxDetail.TaxLine``: the tax of one rate (``Amount``) and its detail."""

    Amount: Decimal
    DetailType: str = "TaxLineDetail"
    TaxLineDetail: QboTaxLineDetail | None = None


@attrs.frozen
class QboTxnTaxDetail:
    """``TxnTaxDetail``: the tax QuickBooks computed for a transaction, per rate."""

    TotalTax: Decimal | None = None
    TxnTaxCodeRef: Ref | None = None
    TaxLine: tuple[QboTaxLine, ...] = ()


@attrs.frozen
class QboInvoice:
    """The Invoice fields the connector writes and reads."""

    CustomerRef: Ref
    Line: tuple[QboLine, ...] = ()
    Id: str | None = None
    SyncToken: str | None = None
    DocNumber: str | None = None
    PrivateNote: str | None = None
    TxnDate: date | None = None
    DueDate: date | None = None
    CurrencyRef: Ref | None = None
    TotalAmt: Decimal | None = None
    Balance: Decimal | None = None
    EmailStatus: str | None = None
    GlobalTaxCalculation: str | None = None
    TxnTaxDetail: QboTxnTaxDetail | None = None


@attrs.frozen
class QboCreditMemo:
    """The CreditMemo fields the connector writes and reads (totals are positive)."""

    CustomerRef: Ref
    Line: tuple[QboLine, ...] = ()
    Id: str | None = None
    SyncToken: str | None = None
    DocNumber: str | None = None
    PrivateNote: str | None = None
    TxnDate: date | None = None
    CurrencyRef: Ref | None = None
    GlobalTaxCalculation: str | None = None
    TotalAmt: Decimal | None = None
    RemainingCredit: Decimal | None = None
    Balance: Decimal | None = None
    EmailStatus: str | None = None
    TxnTaxDetail: QboTxnTaxDetail | None = None


@attrs.frozen
class QboLinkedTxn:
    """``LinkedTxn``: a payment line's link to the invoice it pays."""

    TxnId: str
    TxnType: str


@attrs.frozen
class QboPaymentLine:
    """A Payment line applying ``Amount`` to linked transactions."""

    Amount: Decimal
    LinkedTxn: tuple[QboLinkedTxn, ...]


@attrs.frozen
class QboPayment:
    """The Payment fields the connector writes."""

    CustomerRef: Ref
    TotalAmt: Decimal
    Line: tuple[QboPaymentLine, ...]
    TxnDate: date | None = None
    CurrencyRef: Ref | None = None
    Id: str | None = None


#: Every shape above, for the wire format.
CLASSES = (Ref, QboEmail, QboPhysicalAddress, QboCustomer, QboItem, QboAccount, QboTaxRate,
           QboTaxRateDetail, QboTaxRateList, QboTaxCode, QboSalesItemLineDetail, QboLine,
           QboTaxLineDetail, QboTaxLine, QboTxnTaxDetail, QboInvoice, QboCreditMemo,
           QboLinkedTxn, QboPaymentLine, QboPayment)
#: QuickBooks' wire format: strict reads, ``None`` left out of writes, Ids read as text
#: (QuickBooks writes them as strings; a number is the same id).
WIRE: WireFormat = wire_format(settings.PROVIDER, CLASSES)
#: The format's converter (a fresh one; cattrs' global converter is never touched).
converter = WIRE.converter


def dumps(payload: object) -> bytes:
    """``payload`` (an attrs shape or plain data) as a JSON request body."""
    return WIRE.dumps(payload)


def loads(text: str | bytes) -> Any:
    """Parse a QuickBooks JSON body with every non-integer number as ``Decimal``."""
    return jsonbody.decode(text)
