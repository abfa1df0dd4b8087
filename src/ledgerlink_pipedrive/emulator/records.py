"""Persons, organizations and products: create, get and list, in their v2 shapes.

A person (NOTES §8) has ``emails`` and ``phones`` as ``{value, primary, label}``
lists (the first is made primary when none is, inferred) and ``first_name`` and
``last_name`` split from ``name`` (inferred). An organization (NOTES §9) has
its ``address`` object with every part present (null when not sent). A product
(NOTES §7, inferred field by field) has its ``prices`` per currency. Each
answers ``custom_fields`` with every custom field of its list, null when unset
(inferred). A referenced ``org_id`` must exist (400, inferred).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from functools import partial
from typing import Any

import attrs

from ledgerlink.emulation import EmuRequest, EmuResponse
from ledgerlink_pipedrive.emulator import schema
from ledgerlink_pipedrive.emulator.paging import cursor_page
from ledgerlink_pipedrive.emulator.state import Company
from ledgerlink_pipedrive.emulator.wire import (
    PipedriveError,
    list_v2,
    request_body,
    single,
    v2_time,
)

__all__ = ["Call", "Kind", "custom_values", "find", "record_routes", "require"]

#: Who may see a record when none is said (the example records' value).
DEFAULT_VISIBLE_TO = 3


@attrs.frozen
class Call:
    """One admitted request: the company it is for, the request, path arguments, the time."""

    company: Company
    request: EmuRequest
    arguments: Mapping[str, str]
    now: datetime

    @property
    def stamp(self) -> str:
        """The time as v2 writes it."""
        return v2_time(self.now) or ""

    def number(self, name: str = "id") -> int:
        """A path argument as a positive id.

        Raises:
            PipedriveError: 400 when it is not one.
        """
        text = self.arguments[name]
        if not text.isdigit() or int(text) < 1:
            raise PipedriveError(400, f"Validation failed: {name}: must be a positive integer")
        return int(text)


@attrs.frozen
class Kind:
    """A kind of record: its table, field list, what it is called and its request body."""

    table: str
    fields: str
    noun: str
    body: schema.Body
    #: Keys answered after ``visible_to`` (before ``custom_fields``), as the examples order them.
    last: tuple[str, ...] = ()


PERSONS = Kind("persons", "personFields", "Person", schema.PERSON)
ORGANIZATIONS = Kind("organizations", "organizationFields", "Organization",
                     schema.ORGANIZATION, last=("label_ids", "address"))
PRODUCTS = Kind("products", "productFields", "Product", schema.PRODUCT)


def find(company: Company, table: str, record_id: int, noun: str) -> dict[str, Any]:
    """The stored record.

    Raises:
        PipedriveError: 404 "<noun> not found" (errors.json) when there is none.
    """
    record = company.tables[table].get(record_id)
    if record is None:
        raise PipedriveError(404, f"{noun} not found")
    return record


def require(company: Company, table: str, record_id: object, field: str) -> None:
    """Refuse a reference to a record that does not exist (400, inferred)."""
    if record_id is not None and record_id not in company.tables[table]:
        raise PipedriveError(400, f"Validation failed: {field}: no such record {record_id}")


def custom_values(company: Company, fields: str, stored: Mapping[str, Any]) -> dict[str, Any]:
    """Every custom field of the list ``fields`` with its value, null when unset."""
    return {code: stored.get(code) for code, definition in company.definitions(fields).items()
            if definition["is_custom_field"]}


def shown(company: Company, kind: Kind, record: Mapping[str, Any]) -> dict[str, Any]:
    """A stored record as v2 answers it."""
    return {**record, "custom_fields": custom_values(company, kind.fields,
                                                     record["custom_fields"])}


def _contacts(items: Any, name: str) -> list[dict[str, Any]]:
    checked = schema.check_items(items, schema.CONTACT_ITEM, name)
    entries = [{"value": item["value"], "primary": bool(item.get("primary")),
                "label": item.get("label") or "work"} for item in checked]
    if entries and not any(entry["primary"] for entry in entries):
        entries[0]["primary"] = True
    return entries


def _person(call: Call, body: dict[str, Any], record: dict[str, Any]) -> dict[str, Any]:
    require(call.company, "organizations", body.get("org_id"), "org_id")
    first, _, last = body["name"].partition(" ")
    record.update(name=body["name"], first_name=first, last_name=last or None,
                  owner_id=body.get("owner_id") or call.company.user_id,
                  org_id=body.get("org_id"), emails=_contacts(body.get("emails"), "emails"),
                  phones=_contacts(body.get("phones"), "phones"))
    return record


def _organization(call: Call, body: dict[str, Any], record: dict[str, Any]
                  ) -> dict[str, Any]:
    address = body.get("address") or {}
    schema.check(address, schema.ADDRESS, where="address.")
    record.update(name=body["name"], owner_id=body.get("owner_id") or call.company.user_id,
                  label_ids=body.get("label_ids") or [],
                  address={part: address.get(part) for part in schema.ADDRESS_PARTS})
    return record


def _product(call: Call, body: dict[str, Any], record: dict[str, Any]) -> dict[str, Any]:
    prices = schema.check_items(body.get("prices"), schema.PRICE, "prices")
    record.update(
        name=body["name"], code=body.get("code"), description=body.get("description"),
        unit=body.get("unit"), tax=body.get("tax", 0), category=body.get("category"),
        owner_id=body.get("owner_id") or call.company.user_id,
        is_linkable=body.get("is_linkable", True), billing_frequency=body.get(
            "billing_frequency", "one-time"),
        prices=[{"price": price["price"], "currency": price["currency"],
                 "cost": price.get("cost", 0), "direct_cost": price.get("direct_cost", 0),
                 "notes": price.get("notes", "")} for price in prices])
    return record


#: What fills each kind's own fields, given the call, the checked body and the record so far.
_FILL: dict[str, Callable[[Call, dict[str, Any], dict[str, Any]], dict[str, Any]]] = {
    "persons": _person, "organizations": _organization, "products": _product}


def create(call: Call, kind: Kind) -> EmuResponse:
    """``POST /api/v2/<kind>``: a new record."""
    company = call.company
    body = schema.check(request_body(call.request), kind.body)
    custom = schema.check_custom(body.get("custom_fields") or {},
                                 company.definitions(kind.fields))
    record: dict[str, Any] = {"id": company.take_id(kind.table)}
    _FILL[kind.table](call, body, record)
    record.update(add_time=body.get("add_time") or call.stamp,
                  update_time=body.get("update_time") or call.stamp, is_deleted=False,
                  visible_to=body.get("visible_to") or DEFAULT_VISIBLE_TO)
    for key in kind.last:
        record[key] = record.pop(key)
    record["custom_fields"] = custom
    company.tables[kind.table][record["id"]] = record
    return single(shown(company, kind, record))


def get(call: Call, kind: Kind) -> EmuResponse:
    """``GET /api/v2/<kind>/{id}``."""
    record = find(call.company, kind.table, call.number(), kind.noun)
    return single(shown(call.company, kind, record))


def listing(call: Call, kind: Kind) -> EmuResponse:
    """``GET /api/v2/<kind>``: the records not deleted, by id, a cursor page at a time."""
    records = [record for record in call.company.tables[kind.table].values()
               if not record["is_deleted"]]
    page = cursor_page(records, call.request.query)
    return list_v2([shown(call.company, kind, record) for record in page.items],
                   page.next_cursor)


def record_routes() -> list[tuple[str, str, Callable[[Call], EmuResponse], bool]]:
    """Method, path template under ``/api/v2``, handler and whether it writes."""
    routes: list[tuple[str, str, Callable[[Call], EmuResponse], bool]] = []
    for kind in (PERSONS, ORGANIZATIONS, PRODUCTS):
        routes += [
            ("GET", f"/{kind.table}", partial(listing, kind=kind), False),
            ("POST", f"/{kind.table}", partial(create, kind=kind), True),
            ("GET", f"/{kind.table}/{{id}}", partial(get, kind=kind), False),
        ]
    return routes
