"""Dinero's request models as the swagger types them, and the check of a body against one.

The saved endpoint matrix [D13] lists each request model's field names and
required fields but not their types or nested models. The types, lengths and
ranges here are the swagger's as restated by its generated TypeScript models
(``InvoiceCreateModel``, ``InvoiceLinesCreateModel`` [D16]) and by the matrix
author's structural models of the same swagger (ContactCreateModel,
ProductCreateModel, BookModel, ApiMailoutModel, TimestampObject: types,
``ExternalReference`` and product ``Comment`` at most 128 characters). Payments
and credit notes are outside the extract; their models follow the notes'
sources [D12][D17 (3p)]. ``Address`` is a string (line breaks allowed), not a
nested model [D16].

The models are closed: a field the model does not have is a problem. The
swagger's schemas are generated from .NET classes (inferred: they carry no
extension fields) and the notes list each model's fields exhaustively. Names
are matched exactly as the swagger spells them.

:func:`check` walks a body, nested ``ProductLines`` included, and returns
every :class:`Problem`; the emulator answers them as error 42 and
:mod:`ledgerlink_dinero.contract` reports them for a request the connector sent.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

STRING = "string"
INTEGER = "integer"
NUMBER = "number"
BOOLEAN = "boolean"
GUID = "guid"
DATE = "date"
OBJECTS = "objects"
ANY = "any"

#: Product units a Product line may carry [D16].
UNITS = (
    "hours", "parts", "km", "day", "week", "month", "kilogram", "cubicMetre", "set", "litre",
    "box", "case", "carton", "metre", "package", "shipment", "squareMetre", "session", "tonne",
)
LINE_TYPES = ("Product", "Text")
LANGUAGES = ("da-DK", "en-GB")
PAYMENT_CONDITIONS = ("Netto", "NettoCash", "CurrentMonthOut", "Paid")
#: ``ExternalReference``: "The maximum length is 128 characters" [D16].
MAX_EXTERNAL_REFERENCE = 128
#: Product ``Comment``, likewise at most 128 characters in the swagger.
MAX_PRODUCT_COMMENT = 128
PERCENT = (Decimal(0), Decimal(100))
#: The swagger's sentence on a line with a product [D16].
DESCRIPTION_WITH_PRODUCT = "If product guid is set, description should be null."


@attrs.frozen
class Problem:
    """One thing wrong with a body.

    Attributes:
        parent: Where the field sits ("" at the top, e.g. ``ProductLines[0]`` inside a line).
        field: The field's name.
        kind: ``unknown``, ``required``, ``type``, ``limit`` or ``rule``.
        detail: What is wrong, as a sentence ending in a full stop.
    """

    parent: str
    field: str
    kind: str
    detail: str

    @property
    def path(self) -> str:
        """The field's path, e.g. ``ProductLines[1].Quantity`` (Dinero's validation key)."""
        return f"{self.parent}.{self.field}" if self.parent else self.field

    def describe(self, model: str) -> str:
        """The problem in one line, from the top-level ``model``'s point of view."""
        where = f"{model}.{self.parent}" if self.parent else model
        if self.kind == "unknown":
            return f"{where} has no field {self.field}"
        if self.kind == "required":
            return f"{where} requires {self.field}"
        return f"{model}.{self.path}: {self.detail.rstrip('.')}"


Rule = Callable[[Mapping[str, Any], str], list[Problem]]


@attrs.frozen
class Field:
    """One field's type and limits.

    Attributes:
        kind: One of the module's kind constants (``OBJECTS`` is a list of ``item``).
        max_length: Longest string allowed.
        choices: The values allowed (strings compare exactly).
        bounds: Inclusive (lowest, highest) of a number.
        item: The model of each entry of an ``OBJECTS`` list.
    """

    kind: str
    max_length: int | None = None
    choices: tuple[str, ...] = ()
    bounds: tuple[Decimal, Decimal] | None = None
    item: Model | None = None


@attrs.frozen
class Model:
    """A request model: typed fields, the required ones and cross-field rules."""

    name: str
    fields: Mapping[str, Field]
    required: frozenset[str] = frozenset()
    rules: tuple[Rule, ...] = ()

    def evolve(self, fields: frozenset[str], required: frozenset[str]) -> Model:
        """The model with other field names and required ones (an unknown type is ``ANY``)."""
        typed = {name: self.fields.get(name, Field(ANY)) for name in sorted(fields)}
        return attrs.evolve(self, fields=typed, required=required)


def check(model: Model, body: object, parent: str = "") -> list[Problem]:
    """Every problem of ``body`` as a ``model``: unknown fields, missing required ones,
    wrong types, limits and the model's rules, nested models included."""
    if not isinstance(body, Mapping):
        return [Problem("", parent or "model", "type", f"{model.name} must be a JSON object.")]
    found = [Problem(parent, str(key), "unknown", f"{model.name} has no field {key}.")
             for key in body if key not in model.fields]
    found += [Problem(parent, name, "required", f"The {name} field is required.")
              for name in sorted(model.required) if body.get(name) is None]
    for name, spec in model.fields.items():
        value = body.get(name)
        if value is not None:
            found += _value_problems(spec, value, parent, name)
    if not any(p.kind in ("unknown", "type") for p in found):
        for rule in model.rules:
            found += rule(body, parent)
    return found


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _type_detail(spec: Field, value: object) -> str | None:
    """Why ``value`` is not of ``spec``'s kind, or None."""
    kind = spec.kind
    if kind in (STRING, GUID, DATE) and not isinstance(value, str):
        return f"must be text, not {type(value).__name__}."
    if kind == GUID:
        try:
            uuid.UUID(str(value))
        except ValueError:
            return f"{value!r} is not a valid GUID."
    if kind == DATE:
        try:
            date.fromisoformat(str(value))
        except ValueError:
            return f"{value!r} is not a date in the format YYYY-MM-DD."
    if kind == INTEGER and (not isinstance(value, int) or isinstance(value, bool)):
        return f"must be a whole number, not {value!r}."
    if kind == NUMBER and not _is_number(value):
        return f"must be a number, not {value!r}."
    if kind == BOOLEAN and not isinstance(value, bool):
        return f"must be true or false, not {value!r}."
    if kind == OBJECTS and not isinstance(value, list):
        return "must be a list."
    return None


def _value_problems(spec: Field, value: object, parent: str, name: str) -> list[Problem]:
    detail = _type_detail(spec, value)
    if detail is not None:
        return [Problem(parent, name, "type", f"{name} {detail}")]
    if isinstance(value, str) and spec.max_length is not None and len(value) > spec.max_length:
        return [Problem(parent, name, "limit",
                        f"{name} can be at most {spec.max_length} characters.")]
    if spec.choices and value not in spec.choices:
        allowed = ", ".join(spec.choices)
        return [Problem(parent, name, "limit", f"{name} must be one of: {allowed}.")]
    if spec.bounds is not None and _is_number(value):
        low, high = spec.bounds
        if not low <= Decimal(str(value)) <= high:
            return [Problem(parent, name, "limit", f"{name} must be from {low} to {high}.")]
    if spec.kind == OBJECTS and isinstance(value, list) and spec.item is not None:
        prefix = f"{parent}.{name}" if parent else name
        found: list[Problem] = []
        for index, entry in enumerate(value):
            found += check(spec.item, entry, f"{prefix}[{index}]")
        return found
    return []


#: What a Product line needs. A Text line "should only contain a description" [D16],
#: but the swagger's Quantity, Discount and BaseAmountValue are non-nullable numbers,
#: so a text line read back carries zeros there: other fields on a text line are
#: ignored, not refused (inferred).
_PRODUCT_LINE_REQUIRED = ("Quantity", "AccountNumber", "Unit")


def _line_rules(line: Mapping[str, Any], parent: str) -> list[Problem]:
    """A product line names its product or describes itself, not both, and has a
    quantity, an account and a unit; a text line has a description."""
    if line.get("LineType") == "Text":
        if line.get("Description"):
            return []
        return [Problem(parent, "Description", "required",
                        "The Description field is required on a text line.")]
    found = [Problem(parent, name, "required", f"The {name} field is required.")
             for name in _PRODUCT_LINE_REQUIRED if line.get(name) is None]
    if line.get("ProductGuid") is not None and line.get("Description") is not None:
        found.append(Problem(parent, "Description", "rule", DESCRIPTION_WITH_PRODUCT))
    if line.get("ProductGuid") is None and not line.get("Description"):
        found.append(Problem(parent, "Description", "required",
                             "If no ProductGuid, this field is required."))
    return found


def _no_days_for_cash(body: Mapping[str, Any], parent: str) -> list[Problem]:
    """NettoCash and Paid have no number of days [D16]."""
    if (body.get("PaymentConditionType") in ("NettoCash", "Paid")
            and body.get("PaymentConditionNumberOfDays") is not None):
        return [Problem(parent, "PaymentConditionNumberOfDays", "rule",
                        "PaymentConditionNumberOfDays should be null for NettoCash or Paid.")]
    return []


_TEXT = Field(STRING)
_REFERENCE = Field(STRING, max_length=MAX_EXTERNAL_REFERENCE)

#: InvoiceLinesCreateModel [D16]. What is required depends on ``LineType`` (see
#: :func:`_line_rules`): Quantity, AccountNumber and Unit on a Product line,
#: Description without a product. (The swagger's generated models also leave
#: Discount and BaseAmountValue non-optional; the notes do not mark them required
#: and a .NET decimal left out reads 0 (inferred), so they are optional here and a
#: product supplies its price.)
PRODUCT_LINE = Model(
    "InvoiceLinesCreateModel",
    {
        "ProductGuid": Field(GUID),
        "Description": _TEXT,
        "Comments": _TEXT,
        "Quantity": Field(NUMBER),
        "AccountNumber": Field(INTEGER),
        "Unit": Field(STRING, choices=UNITS),
        "Discount": Field(NUMBER, bounds=PERCENT),
        "LineType": Field(STRING, choices=LINE_TYPES),
        "BaseAmountValue": Field(NUMBER),
    },
    rules=(_line_rules,),
)

#: An empty list is Dinero's code 45 ("Invoices must have at least one invoice line"),
#: answered by the emulator itself, not a model problem.
_LINES = Field(OBJECTS, item=PRODUCT_LINE)
_DOCUMENT_FIELDS: dict[str, Field] = {
    "Currency": _TEXT,
    "Language": Field(STRING, choices=LANGUAGES),
    "ExternalReference": _REFERENCE,
    "Description": _TEXT,
    "Comment": _TEXT,
    "Date": Field(DATE),
    "ProductLines": _LINES,
    "Address": _TEXT,
    "Guid": Field(GUID),
    "ShowLinesInclVat": Field(BOOLEAN),
    "ContactGuid": Field(GUID),
}
_INVOICE_FIELDS: dict[str, Field] = {
    **_DOCUMENT_FIELDS,
    "InvoiceTemplateId": Field(GUID),
    "PaymentConditionNumberOfDays": Field(INTEGER),
    "PaymentConditionType": Field(STRING, choices=PAYMENT_CONDITIONS),
    "ReminderFee": Field(NUMBER, bounds=PERCENT),
    "ReminderInterestRate": Field(NUMBER, bounds=PERCENT),
    "IsMobilePayInvoiceEnabled": Field(BOOLEAN),
    "IsPensoPayEnabled": Field(BOOLEAN),
}

INVOICE_CREATE = Model("InvoiceCreateModel", _INVOICE_FIELDS, frozenset({"ProductLines"}),
                       (_no_days_for_cash,))
INVOICE_UPDATE = Model("InvoiceUpdateModel", {**_INVOICE_FIELDS, "Timestamp": _TEXT},
                       frozenset({"ProductLines", "Timestamp"}), (_no_days_for_cash,))
#: CreditNoteCreateModel [D12][D17 (3p)]; without ``ProductLines`` the emulator copies
#: the credited invoice's (see :mod:`.creditnotes`), so the emulator exempts them then.
CREDIT_NOTE_CREATE = Model("CreditNoteCreateModel", {**_DOCUMENT_FIELDS,
                                                     "CreditNoteFor": Field(GUID)},
                           frozenset({"ProductLines"}))

_CONTACT_FIELDS: dict[str, Field] = {
    "ExternalReference": _REFERENCE,
    **{name: _TEXT for name in (
        "Name", "Street", "ZipCode", "City", "CountryKey", "Phone", "Email", "Webpage",
        "AttPerson", "VatNumber", "EanNumber", "SENumber", "PNumber", "PaymentConditionType",
        "MemberNumber", "CompanyTypeKey", "InvoiceMailOutOptionKey",
        "PreferredInvoiceLanguageKey", "PreferredInvoiceCurrencyKey")},
    "PaymentConditionNumberOfDays": Field(INTEGER),
    "IsPerson": Field(BOOLEAN),
    "IsMember": Field(BOOLEAN),
    "UseCvr": Field(BOOLEAN),
}
_CONTACT_REQUIRED = frozenset({"CountryKey", "IsMember", "IsPerson", "Name", "UseCvr"})
CONTACT_CREATE = Model("ContactCreateModel", {**_CONTACT_FIELDS, "ContactGuid": Field(GUID)},
                       _CONTACT_REQUIRED)
CONTACT_UPDATE = Model("ContactUpdateModel", _CONTACT_FIELDS, _CONTACT_REQUIRED)

_PRODUCT_FIELDS: dict[str, Field] = {
    "ProductNumber": _TEXT,
    "Name": _TEXT,
    "BaseAmountValue": Field(NUMBER),
    "Quantity": Field(NUMBER),
    "AccountNumber": Field(INTEGER),
    "Unit": Field(STRING, choices=UNITS),
    "ExternalReference": _REFERENCE,
    "Comment": Field(STRING, max_length=MAX_PRODUCT_COMMENT),
}
_PRODUCT_REQUIRED = frozenset({"AccountNumber", "BaseAmountValue", "Quantity", "Unit"})
PRODUCT_CREATE = Model("ProductCreateModel", _PRODUCT_FIELDS, _PRODUCT_REQUIRED)
PRODUCT_UPDATE = Model("ProductUpdateModel", _PRODUCT_FIELDS, _PRODUCT_REQUIRED)

TIMESTAMP_OBJECT = Model("TimestampObject", {"Timestamp": _TEXT})
BOOK = Model("BookModel", {"Number": Field(INTEGER), "Timestamp": _TEXT},
             frozenset({"Timestamp"}))
MAILOUT = Model(
    "ApiMailoutModel",
    {
        "Timestamp": _TEXT,
        "Sender": _TEXT,
        "CcToSender": Field(BOOLEAN),
        "Receiver": _TEXT,
        "Subject": _TEXT,
        "Message": _TEXT,
        "AddVoucherAsPdfAttachment": Field(BOOLEAN),
        "ShouldAddTrustPilotEmailAsBcc": Field(BOOLEAN),
    },
    frozenset({"ShouldAddTrustPilotEmailAsBcc"}),
)
#: PaymentCreateModel [D17 (3p model)]; a missing ``PaymentDate`` is today (inferred).
PAYMENT_CREATE = Model(
    "PaymentCreateModel",
    {
        "Timestamp": _TEXT,
        "DepositAccountNumber": Field(INTEGER),
        "Amount": Field(NUMBER),
        "AmountInForeignCurrency": Field(NUMBER),
        "PaymentDate": Field(DATE),
        "Description": _TEXT,
        "ExternalReference": _REFERENCE,
        "RemainderIsFee": Field(BOOLEAN),
    },
    frozenset({"Timestamp", "Amount"}),
)

#: Every model by its swagger name.
MODELS: Mapping[str, Model] = {
    model.name: model
    for model in (PRODUCT_LINE, INVOICE_CREATE, INVOICE_UPDATE, CREDIT_NOTE_CREATE,
                  CONTACT_CREATE, CONTACT_UPDATE, PRODUCT_CREATE, PRODUCT_UPDATE,
                  TIMESTAMP_OBJECT, BOOK, MAILOUT, PAYMENT_CREATE)
}

# ------------------------------------------------------------------ query parameters

#: Query parameter name to kind, per list endpoint [D13]. Credit notes are outside the
#: extract; their list takes the parameters every list takes (inferred).
_LIST_QUERY = {"fields": STRING, "queryFilter": STRING, "changesSince": STRING,
               "deletedOnly": BOOLEAN, "page": INTEGER, "pageSize": INTEGER}
CONTACTS_QUERY: Mapping[str, str] = _LIST_QUERY
PRODUCTS_QUERY: Mapping[str, str] = {**_LIST_QUERY, "freeTextSearch": STRING}
INVOICES_QUERY: Mapping[str, str] = {
    **_LIST_QUERY, "startDate": STRING, "endDate": STRING, "freeTextSearch": STRING,
    "statusFilter": STRING, "sort": STRING, "sortOrder": STRING,
}
CREDIT_NOTES_QUERY: Mapping[str, str] = _LIST_QUERY
NO_QUERY: Mapping[str, str] = {}


def query_problems(query: Mapping[str, str], parameters: Mapping[str, str]) -> list[Problem]:
    """Query parameters the endpoint does not take (names as documented) or of the wrong type."""
    found = []
    for name, value in query.items():
        kind = parameters.get(name)
        if kind is None:
            found.append(Problem("", name, "unknown",
                                 f"{name} is not a query parameter of this endpoint."))
        elif (kind == INTEGER and not value.lstrip("-").isdigit()) or (
                kind == BOOLEAN and value.lower() not in ("true", "false")):
            found.append(Problem("", name, "type", f"The value '{value}' is not valid for {name}."))
    return found
