"""Dinero JSON shapes for the connector, and the one converter between them.

The classes carry Dinero's own PascalCase field names (``ContactGuid``,
``ProductLines``...) so a payload reads like the swagger and the captured
responses [D13][D18]. :data:`WIRE` is this connector's wire format, configured
once from the core's (:func:`ledgerlink.http.wire.wire_format`): strict types
(a bool only ``true``/``false``, a whole number only a JSON number, amounts as
``Decimal`` from JSON numbers, floats refused, dates ``YYYY-MM-DD``), PascalCase
and camelCase keys alike, ``TimeStamp`` read into ``Timestamp``, fields the
connector does not use ignored; writes leave out ``None`` fields and write a
``Decimal`` with its exact digits. Answers are read through it with an operation
name, so a malformed one is a ``ProviderError`` naming what was wrong.

Lists return only the requested ``fields`` [D13], so every field a list may
leave out is optional here; the required fields of each write are checked
against the endpoint matrix by :mod:`ledgerlink_dinero.contract`.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import attrs

from ledgerlink.errors import ValidationError
from ledgerlink.http import jsonbody
from ledgerlink.http.wire import wire_format
from ledgerlink_dinero.settings import MAX_EXTERNAL_REFERENCE, PDF_LINK_PLACEHOLDER, PROVIDER

__all__ = [
    "DRAFT_NUMBER_PLACEHOLDER",
    "WIRE",
    "DineroBook",
    "DineroContact",
    "DineroContactList",
    "DineroCreditNote",
    "DineroInvoice",
    "DineroInvoiceList",
    "DineroInvoicePayments",
    "DineroMailout",
    "DineroOrganization",
    "DineroPagination",
    "DineroPayment",
    "DineroProduct",
    "DineroProductLine",
    "DineroProductList",
    "DineroReceipt",
    "DineroTimestampBody",
    "DineroTotalLine",
    "converter",
    "dumps",
    "loads",
]

#: The ``Number`` a draft shows in list responses (Int64.MaxValue): not a real number [D18].
DRAFT_NUMBER_PLACEHOLDER = 9223372036854775807


def _external_reference(_: object, attribute: attrs.Attribute[str | None],
                        value: str | None) -> None:
    if value is not None and len(value) > MAX_EXTERNAL_REFERENCE:
        raise ValidationError(f"ExternalReference holds at most {MAX_EXTERNAL_REFERENCE} "
                              "characters", field=attribute.name, value=value)


@attrs.frozen
class DineroOrganization:
    """One organisation the token reaches (``GET /v1/organizations``) [D13]."""

    Id: str
    Name: str | None = None
    IsPro: bool | None = None


@attrs.frozen
class DineroPagination:
    """The ``Pagination`` block of a list response [D18]."""

    Page: int
    PageSize: int
    Result: int | None = None
    ResultWithoutFilter: int | None = None
    MaxPageSizeAllowed: int | None = None


@attrs.frozen
class DineroContact:
    """ContactCreateModel fields (required: Name, CountryKey, IsPerson, IsMember, UseCvr)
    plus what reads add [D13]."""

    Name: str | None = None
    CountryKey: str | None = None
    IsPerson: bool | None = None
    IsMember: bool | None = None
    UseCvr: bool | None = None
    ContactGuid: str | None = None
    ExternalReference: str | None = attrs.field(default=None, validator=_external_reference)
    Street: str | None = None
    ZipCode: str | None = None
    City: str | None = None
    Phone: str | None = None
    Email: str | None = None
    AttPerson: str | None = None
    VatNumber: str | None = None
    EanNumber: str | None = None
    PaymentConditionType: str | None = None
    PaymentConditionNumberOfDays: int | None = None
    PreferredInvoiceCurrencyKey: str | None = None
    PreferredInvoiceLanguageKey: str | None = None
    CreatedAt: datetime | None = None
    UpdatedAt: datetime | None = None
    DeletedAt: datetime | None = None


@attrs.frozen
class DineroProduct:
    """ProductCreateModel fields (required: AccountNumber, BaseAmountValue, Quantity,
    Unit) plus what reads add [D13][D18]."""

    ProductGuid: str | None = None
    Name: str | None = None
    ProductNumber: str | None = None
    BaseAmountValue: Decimal | None = None
    Quantity: Decimal | None = None
    AccountNumber: int | None = None
    Unit: str | None = None
    ExternalReference: str | None = attrs.field(default=None, validator=_external_reference)
    Comment: str | None = None
    BaseAmountValueInclVat: Decimal | None = None
    TotalAmount: Decimal | None = None
    TotalAmountInclVat: Decimal | None = None
    CreatedAt: datetime | None = None
    UpdatedAt: datetime | None = None
    DeletedAt: datetime | None = None


@attrs.frozen
class DineroProductLine:
    """One ``ProductLines`` entry: price excl. VAT (unless ``ShowLinesInclVat``), VAT
    following the line's ``AccountNumber``; ``Description`` null when ``ProductGuid``
    is set [D16]. The ``AccountName`` and ``Total*`` fields are read-only. A text line
    (``LineType`` Text, added in Dinero's app) has no account, so it reads as None."""

    Quantity: Decimal
    AccountNumber: int | None = None
    BaseAmountValue: Decimal | None = None
    ProductGuid: str | None = None
    Description: str | None = None
    Comments: str | None = None
    Unit: str | None = None
    Discount: Decimal | None = None
    LineType: str | None = None
    AccountName: str | None = None
    BaseAmountValueInclVat: Decimal | None = None
    TotalAmount: Decimal | None = None
    TotalAmountInclVat: Decimal | None = None


@attrs.frozen
class DineroTotalLine:
    """One ``TotalLines`` entry (SubTotal, VAT, Total...) of a read invoice [D8][D18]."""

    Type: str
    TotalAmount: Decimal
    Position: int | None = None
    Label: str | None = None


@attrs.frozen
class DineroInvoice:
    """InvoiceCreateModel/InvoiceUpdateModel fields plus what reads add [D13][D8][D18].

    ``Timestamp`` is read from ``TimeStamp`` and sent back on update. ``Status`` is
    Draft/Booked on a single read but carries payment-style values (``Overdue``)
    in lists; ``PaymentStatus`` is Draft, Booked, Paid, OverPaid or Overdue [D8].
    """

    ProductLines: tuple[DineroProductLine, ...] = ()
    Guid: str | None = None
    Timestamp: str | None = None
    ContactGuid: str | None = None
    ContactName: str | None = None
    ExternalReference: str | None = attrs.field(default=None, validator=_external_reference)
    Currency: str | None = None
    Language: str | None = None
    Date: date | None = None
    PaymentDate: date | None = None
    Description: str | None = None
    Comment: str | None = None
    Address: str | None = None
    PaymentConditionType: str | None = None
    PaymentConditionNumberOfDays: int | None = None
    ShowLinesInclVat: bool | None = None
    Number: int | None = None
    Status: str | None = None
    PaymentStatus: str | None = None
    MailOutStatus: str | None = None
    LatestMailOutType: str | None = None
    TotalExclVat: Decimal | None = None
    TotalVat: Decimal | None = None
    TotalInclVat: Decimal | None = None
    TotalExclVatInDkk: Decimal | None = None
    TotalInclVatInDkk: Decimal | None = None
    TotalVatableAmount: Decimal | None = None
    TotalNonVatableAmount: Decimal | None = None
    TotalLines: tuple[DineroTotalLine, ...] | None = None
    CreatedAt: datetime | None = None
    UpdatedAt: datetime | None = None
    DeletedAt: datetime | None = None


@attrs.frozen
class DineroCreditNote:
    """A credit note for ``CreditNoteFor`` (an invoice guid) [D12][D17 (3p model)]."""

    ProductLines: tuple[DineroProductLine, ...] = ()
    CreditNoteFor: str | None = None
    Guid: str | None = None
    Timestamp: str | None = None
    ContactGuid: str | None = None
    ExternalReference: str | None = attrs.field(default=None, validator=_external_reference)
    Currency: str | None = None
    Date: date | None = None
    Description: str | None = None
    Number: int | None = None
    Status: str | None = None
    TotalInclVat: Decimal | None = None
    DeletedAt: datetime | None = None


@attrs.frozen
class DineroTimestampBody:
    """TimestampObject: the body of a DELETE [D13][D15]."""

    Timestamp: str


@attrs.frozen
class DineroBook:
    """BookModel: book with the latest Timestamp; ``Number`` fails if taken [D9][D13]."""

    Timestamp: str
    Number: int | None = None


def _message_links_pdf(_: object, attribute: attrs.Attribute[str | None],
                       value: str | None) -> None:
    if value is not None and PDF_LINK_PLACEHOLDER not in value:
        raise ValidationError(f"Dinero requires an email message to contain "
                              f"{PDF_LINK_PLACEHOLDER}", field=attribute.name, value=value)


@attrs.frozen
class DineroMailout:
    """ApiMailoutModel: sending a booked invoice by email [D10][D13]."""

    ShouldAddTrustPilotEmailAsBcc: bool = False
    Timestamp: str | None = None
    Sender: str | None = None
    CcToSender: bool | None = None
    Receiver: str | None = None
    Subject: str | None = None
    Message: str | None = attrs.field(default=None, validator=_message_links_pdf)
    AddVoucherAsPdfAttachment: bool | None = None


@attrs.frozen
class DineroPayment:
    """A payment registered on an invoice (PaymentCreateModel [D17 (3p model)]), also one
    entry of the invoice's payments read (which adds ``Guid``).

    ``Amount`` is in DKK whatever the invoice's currency; ``AmountInForeignCurrency``
    is the amount in the currency of a non-DKK invoice, the one that settles it.
    """

    Amount: Decimal
    PaymentDate: date
    DepositAccountNumber: int | None = None
    Timestamp: str | None = None
    Description: str | None = None
    ExternalReference: str | None = None
    AmountInForeignCurrency: Decimal | None = None
    RemainderIsFee: bool | None = None
    Guid: str | None = None


@attrs.frozen
class DineroInvoicePayments:
    """``GET invoices/{guid}/payments``: the invoice's payments [D3 ("Get payments for
    invoice")]. The shape beyond ``Payments`` is inferred; only ``Payments`` is used."""

    Payments: tuple[DineroPayment, ...] = ()
    PaidAmount: Decimal | None = None
    RemainingAmount: Decimal | None = None
    Timestamp: str | None = None


@attrs.frozen
class DineroContactList:
    """A contacts list page."""

    Collection: tuple[DineroContact, ...] = ()
    Pagination: DineroPagination | None = None


@attrs.frozen
class DineroProductList:
    """A products list page."""

    Collection: tuple[DineroProduct, ...] = ()
    Pagination: DineroPagination | None = None


@attrs.frozen
class DineroInvoiceList:
    """An invoices list page."""

    Collection: tuple[DineroInvoice, ...] = ()
    Pagination: DineroPagination | None = None


@attrs.frozen
class DineroReceipt:
    """What a write answers: the created object's id (``ContactGuid``, ``ProductGuid`` or
    ``Guid``), the new ``TimeStamp`` and, after booking, the ``Number`` [D13][D9]. Which
    of them a write must carry is checked by the request that sent it."""

    Guid: str | None = None
    ContactGuid: str | None = None
    ProductGuid: str | None = None
    Timestamp: str | None = None
    Number: int | None = None


_CLASSES = (DineroOrganization, DineroPagination, DineroContact, DineroProduct,
            DineroProductLine, DineroTotalLine, DineroInvoice, DineroCreditNote,
            DineroTimestampBody, DineroBook, DineroMailout, DineroPayment,
            DineroInvoicePayments, DineroContactList, DineroProductList, DineroInvoiceList,
            DineroReceipt)

#: Dinero's wire format. PascalCase and camelCase keys alike (the swagger examples and
#: some clients are camelCase, the captured answers PascalCase; ASP.NET binds both);
#: the read-side ``TimeStamp`` is the ``Timestamp`` write bodies send back. Every
#: number in the material is a JSON number (amounts, ``Number``, ``AccountNumber``,
#: ``Pagination``), so text is refused where a number belongs. ``CreatedAt`` and its
#: kin carry no zone ("2017-05-19T14:20:47.407") and are kept as given, naive.
WIRE = wire_format(PROVIDER, _CLASSES, key_style="pascal",
                   renames={"TimeStamp": "Timestamp"}, naive_datetimes=True)
#: The format's converter (cattrs' global one is never touched).
converter = WIRE.converter
#: ``payload`` as a JSON request body (``None`` fields left out, amounts exact).
dumps = WIRE.dumps


def loads(text: str | bytes) -> Any:
    """Parse a Dinero JSON document with every non-integer number as ``Decimal``."""
    return jsonbody.decode(text)
