"""Dinero JSON shapes for the connector, and the one converter between them.

The classes carry Dinero's own PascalCase field names (``ContactGuid``,
``ProductLines``...) so a payload reads like the swagger and the captured
responses [D13][D18]. :data:`converter` is this connector's private cattrs
converter (never cattrs' global one):

* structuring accepts PascalCase and camelCase keys alike (the swagger examples
  and some clients are camelCase, 2017 captures PascalCase; ASP.NET binds both),
  reads the read-side ``TimeStamp`` into ``Timestamp`` (the name write bodies
  use), ignores fields the connector does not use, takes amounts as ``Decimal``
  (ints, strings or ``parse_float=Decimal`` JSON; floats are refused) and dates
  as ``YYYY-MM-DD``;
* unstructuring drops ``None`` fields, so a write sends only what is set;
* :func:`dumps` writes a ``Decimal`` as a JSON number with its exact digits.

Lists return only the requested ``fields`` [D13], so every field a list may
leave out is optional here; the required fields of each write are checked
against the endpoint matrix by :mod:`ledgerlink_dinero.contract`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn

from ledgerlink.errors import ValidationError
from ledgerlink.http import jsonbody
from ledgerlink_dinero.settings import MAX_EXTERNAL_REFERENCE, PDF_LINK_PLACEHOLDER

__all__ = [
    "DRAFT_NUMBER_PLACEHOLDER",
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


_CLASSES = (DineroOrganization, DineroPagination, DineroContact, DineroProduct,
            DineroProductLine, DineroTotalLine, DineroInvoice, DineroCreditNote,
            DineroTimestampBody, DineroBook, DineroMailout, DineroPayment,
            DineroInvoicePayments, DineroContactList, DineroProductList, DineroInvoiceList)
#: Read-side names that differ from the write-side names the classes use.
_RENAMES = {"TimeStamp": "Timestamp"}


def _pascal(key: str) -> str:
    key = key[:1].upper() + key[1:]
    return _RENAMES.get(key, key)


def _structure_int(value: object, _: type) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    raise ValidationError("not a whole number", value=value)


def _structure_bool(value: object, _: type) -> bool:
    if isinstance(value, bool):
        return value
    raise ValidationError("not true or false", value=value)


def _keys_normalised(fn: Any) -> Any:
    def structure(value: object, cls: type) -> Any:
        if not isinstance(value, Mapping):
            raise ValidationError(f"a JSON object is needed for {cls.__name__}", value=value)
        return fn({_pascal(str(k)): v for k, v in value.items()}, cls)

    return structure


def _make_converter() -> cattrs.Converter:
    # Without detailed validation a bad value raises ledgerlink's ValidationError itself.
    conv = cattrs.Converter(detailed_validation=False)
    conv.register_structure_hook(Decimal, jsonbody.structure_decimal)
    conv.register_unstructure_hook(Decimal, lambda d: d)
    conv.register_structure_hook(date, lambda v, _: date.fromisoformat(v))
    conv.register_unstructure_hook(date, lambda d: d.isoformat())
    # Dinero's CreatedAt/UpdatedAt/DeletedAt carry no zone ("2017-05-19T14:20:47.407");
    # they are kept as given, naive, rather than guessing one.
    conv.register_structure_hook(datetime, lambda v, _: datetime.fromisoformat(v))
    conv.register_unstructure_hook(datetime, lambda d: d.isoformat())
    conv.register_structure_hook(str, jsonbody.structure_str)
    conv.register_structure_hook(int, _structure_int)
    conv.register_structure_hook(bool, _structure_bool)
    for cls in _CLASSES:
        conv.register_unstructure_hook(cls, jsonbody.omit_none(make_dict_unstructure_fn(cls, conv)))
        conv.register_structure_hook(cls, _keys_normalised(make_dict_structure_fn(cls, conv)))
    return conv


#: The connector's converter (a fresh instance; cattrs' global one is never touched).
converter = _make_converter()


def dumps(payload: object) -> bytes:
    """Unstructure ``payload`` (an attrs shape or plain data) and encode it as JSON."""
    return jsonbody.encode(converter.unstructure(payload))


def loads(text: str | bytes) -> Any:
    """Parse a Dinero JSON body with every non-integer number as ``Decimal``."""
    return jsonbody.decode(text)
