"""QuickBooks Online JSON shapes for the connector, and the one converter between them.

The classes carry QuickBooks' own field names (``DocNumber``, ``CustomerRef``...)
so a payload reads like Intuit's documentation. :data:`converter` is this
connector's private cattrs converter (never cattrs' global one):

* unstructuring drops ``None`` fields, so a create sends only what is set;
* ``Decimal`` stays a ``Decimal`` until :func:`dumps` writes it as a JSON
  *number* with its exact digits (``12.50``, never a float);
* structuring ignores the many response fields the connector does not use,
  takes amounts as ``Decimal`` (from ``parse_float=Decimal`` JSON, ints or
  strings; floats are refused) and dates as ``YYYY-MM-DD``.

:func:`loads` parses a response body with ``parse_float=Decimal`` (httpx's
``.json()`` would give floats).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn

from ledgerlink.http import jsonbody

__all__ = [
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
    "QboTaxLine",
    "QboTaxLineDetail",
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


@attrs.frozen
class QboItem:
    """The Item fields the connector writes and reads."""

    Name: str
    Id: str | None = None
    Type: str | None = None
    UnitPrice: Decimal | None = None
    Description: str | None = None
    Active: bool | None = None


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


def _make_converter() -> cattrs.Converter:
    # Without detailed validation a bad value raises ledgerlink's ValidationError itself.
    conv = cattrs.Converter(detailed_validation=False)
    conv.register_structure_hook(Decimal, jsonbody.structure_decimal)
    conv.register_unstructure_hook(Decimal, lambda d: d)
    conv.register_structure_hook(date, lambda v, _: date.fromisoformat(v))
    conv.register_unstructure_hook(date, lambda d: d.isoformat())
    conv.register_structure_hook(str, jsonbody.structure_str)
    for cls in (Ref, QboEmail, QboPhysicalAddress, QboCustomer, QboItem,
                QboSalesItemLineDetail, QboLine, QboTaxLineDetail, QboTaxLine, QboTxnTaxDetail,
                QboInvoice, QboCreditMemo, QboLinkedTxn, QboPaymentLine, QboPayment):
        conv.register_unstructure_hook(cls, jsonbody.omit_none(make_dict_unstructure_fn(cls, conv)))
        conv.register_structure_hook(cls, make_dict_structure_fn(cls, conv))
    return conv


#: The connector's converter (a fresh instance; cattrs' global one is never touched).
converter = _make_converter()


def dumps(payload: object) -> bytes:
    """Unstructure ``payload`` (an attrs shape or plain data) and encode it as JSON."""
    return jsonbody.encode(converter.unstructure(payload))


def loads(text: str) -> Any:
    """Parse a QuickBooks JSON body with every non-integer number as ``Decimal``."""
    return jsonbody.decode(text)
