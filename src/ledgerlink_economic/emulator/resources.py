"""The agreement's settings and masters: customers, customer groups, products, payment
terms, layouts and VAT zones (list, get; create and whole-replacing PUT where e-conomic
publishes a schema for it) [E1][E4][E13].

A create without its number gets the next free one (numbers freed by a delete
are used again, as e-conomic does); a PUT replaces every property (what it
omits is gone) and creates the resource when the number is unknown (201). A
reference to a number the agreement lacks is refused with E06000 "... does not
exist.", as in the captured error [E15].
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import attrs

from ledgerlink.emulation import EmuRequest, EmuResponse
from ledgerlink.errors import ValidationError
from ledgerlink.money import minor_unit
from ledgerlink_economic.emulator.listing import page
from ledgerlink_economic.emulator.state import Agreement
from ledgerlink_economic.emulator.validation import checked
from ledgerlink_economic.emulator.wire import (
    EconomicError,
    FieldError,
    answer,
    link,
    request_body,
)

__all__ = ["MASTERS", "NOT_FOUND_HINT", "Call", "Master", "known_currency", "require",
           "resolve_reference"]

#: e-conomic's code for a reference to a missing resource [E15].
DOES_NOT_EXIST = "E06000"
NOT_FOUND_HINT = ("The API tries to provide all the resource urls you need. If you have hard "
                  "coded urls yourself, then try to look at the enclosing collection for "
                  "hypermedia information on where the resource you are looking for could be.")


@attrs.frozen
class Call:
    """One authorised API call as a handler sees it.

    Attributes:
        agreement: The agreement the tokens reach.
        request: The request.
        arguments: The path arguments.
        now: The emulator's clock.
    """

    agreement: Agreement
    request: EmuRequest
    arguments: Mapping[str, str]
    now: datetime

    def body(self) -> Any:
        """The JSON body."""
        return request_body(self.request)


#: Property holding a reference -> (table, number property) it must name.
REFERENCES: dict[str, tuple[str, str]] = {
    "customerGroup": ("customer-groups", "customerGroupNumber"),
    "paymentTerms": ("payment-terms", "paymentTermsNumber"),
    "vatZone": ("vat-zones", "vatZoneNumber"),
    "layout": ("layouts", "layoutNumber"),
    "customer": ("customers", "customerNumber"),
    "product": ("products", "productNumber"),
    "productGroup": ("product-groups", "productGroupNumber"),
}


def resolve_reference(agreement: Agreement, path: list[str | int], value: Any
                      ) -> dict[str, Any]:
    """The row a reference (``{"customerNumber": 5}``) names, or E06000 on its field."""
    name = str(path[-1])
    table, key = REFERENCES[name]
    number = value.get(key) if isinstance(value, Mapping) else None
    if number is None:
        raise EconomicError.validation([FieldError(
            path, "E04500", f"No identifiers present on {name}. Please include "
            f"{key}.", hint=f"Find a list of resources at {link(table)}.")])
    row = agreement.tables[table].get(str(number))
    if row is None:
        raise EconomicError.validation([FieldError(
            path, DOES_NOT_EXIST, f"{name} does not exist.", value=number,
            hint=f"Find a list of resources at {link(table)}.")])
    return row


def known_currency(value: Any) -> str:
    """The ISO 4217 code ``value`` names (any casing, as the schema's pattern allows), or
    E06000 "currency does not exist." as in the captured error [E15]."""
    code = str(value).upper()
    try:
        minor_unit(code)
    except ValidationError:
        raise EconomicError.validation([FieldError(
            ["currency"], DOES_NOT_EXIST, "currency does not exist.", value=value,
            hint=f"Find a list of currencies at {link('currencies')}.")]) from None
    return code


def require(agreement: Agreement, table: str, number: str, what: str) -> dict[str, Any]:
    """The row, or e-conomic's 404."""
    row = agreement.tables[table].get(number)
    if row is None:
        raise EconomicError(404, f"{what} {number!r} not found.",
                            f"Please take a look at {link(table)} for a list of {table}.")
    return row


@attrs.frozen
class Master:
    """One table served as a resource.

    Attributes:
        table: Table and path (``"customers"``).
        key: The number property (``"customerNumber"``).
        text_key: Numbers are strings (``productNumber``).
        what: Its singular name in messages.
        post: Schema of a create (None: not creatable).
        put: Schema of a replace (None: not replaceable).
    """

    table: str
    key: str
    text_key: bool
    what: str
    post: str | None = None
    put: str | None = None

    @property
    def collection(self) -> str:
        """Schema name of the collection (its filterable properties)."""
        return f"{self.table}.get"

    def stored(self, call: Call, body: dict[str, Any], number: object) -> dict[str, Any]:
        """``body`` as stored: references checked and linked, the number and ``self`` set."""
        row: dict[str, Any] = {self.key: number}
        for name, value in body.items():
            if name == self.key:
                continue
            if name == "currency":
                value = known_currency(value)
            if name in REFERENCES and name != self.key.removesuffix("Number"):
                target = resolve_reference(call.agreement, [name], value)
                table, key = REFERENCES[name]
                value = {key: target[key], "self": link(table, target[key])}
            row[name] = value
        row["self"] = link(self.table, number)
        return row

    def next_number(self, agreement: Agreement) -> object:
        taken = {int(k) for k in agreement.tables[self.table] if k.lstrip("-").isdigit()}
        number = next(n for n in range(1, len(taken) + 2) if n not in taken)
        return str(number) if self.text_key else number

    def listing(self, call: Call) -> EmuResponse:
        rows = call.agreement.rows(self.table)
        return answer(200, page(rows, call.request.query, "/" + self.table, self.collection))

    def get(self, call: Call) -> EmuResponse:
        return answer(200, require(call.agreement, self.table, call.arguments["number"],
                                   self.what))

    def create(self, call: Call) -> EmuResponse:
        assert self.post is not None
        body = checked(self.post, call.body())
        number = body.get(self.key)
        if number is None:
            number = self.next_number(call.agreement)
        elif str(number) in call.agreement.tables[self.table]:
            raise EconomicError.validation([FieldError(
                [self.key], "E04200", f"{self.what} {number} already exists.", value=number)])
        row = self.stored(call, body, number)
        call.agreement.tables[self.table][str(number)] = row
        return answer(201, row, {"location": row["self"]})

    def replace(self, call: Call) -> EmuResponse:
        assert self.put is not None
        body = checked(self.put, call.body())
        text = call.arguments["number"]
        number: object = text if self.text_key else _whole(text, self.key)
        existed = text in call.agreement.tables[self.table]
        row = self.stored(call, body, number)
        call.agreement.tables[self.table][text] = row
        return answer(200 if existed else 201, row, {"location": row["self"]})

    def handlers(self) -> list[tuple[str, str, Callable[[Call], EmuResponse], bool]]:
        """(method, template, handler, writes) for each operation served."""
        served: list[tuple[str, str, Callable[[Call], EmuResponse], bool]] = [
            ("GET", f"/{self.table}", self.listing, False),
            ("GET", f"/{self.table}/{{number}}", self.get, False)]
        if self.post:
            served.append(("POST", f"/{self.table}", self.create, True))
        if self.put:
            served.append(("PUT", f"/{self.table}/{{number}}", self.replace, True))
        return served


def _whole(text: str, key: str) -> int:
    try:
        return int(text)
    except ValueError as error:
        raise EconomicError(400, f"{key} must be a whole number.", "Check the URL.") from error


MASTERS = (
    Master("customers", "customerNumber", False, "Customer", "customers.post",
           "customers.customerNo.put"),
    Master("customer-groups", "customerGroupNumber", False, "Customer group",
           "customer-groups.post", "customer-groups.customergroupnumber.put"),
    Master("products", "productNumber", True, "Product", "products.post",
           "products.productNumber.put"),
    Master("payment-terms", "paymentTermsNumber", False, "Payment terms", "payment-terms.post",
           "payment-terms.paymentTermsNumber.put"),
    Master("product-groups", "productGroupNumber", False, "Product group"),
    Master("layouts", "layoutNumber", False, "Layout"),
    Master("vat-zones", "vatZoneNumber", False, "VAT zone"),
)
