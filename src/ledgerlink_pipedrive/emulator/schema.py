"""What a write may send: every field of a request body, its type and whether it is required.

Bodies are checked strictly: an unknown field, a value of the wrong type or
outside its choices, and a missing required field are each refused with 400 in
Pipedrive's error shape, naming the field (the message wording is inferred).
Field names come from the v2 request models in Pipedrive's SDK (NOTES §5-§9;
products' are inferred, NOTES §7). ``custom_fields`` is checked against the
company's field definitions by :func:`check_custom`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from ledgerlink_pipedrive.emulator.wire import PipedriveError, parse_time, v2_time

__all__ = [
    "DEAL",
    "DEAL_PRODUCT",
    "FIELD",
    "OPTION",
    "ORGANIZATION",
    "PERSON",
    "PRODUCT",
    "Body",
    "check",
    "check_custom",
    "check_items",
]


def _integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: Any) -> bool:
    return _integer(value) or isinstance(value, Decimal)


def _text(value: Any) -> bool:
    return isinstance(value, str)


def _flag(value: Any) -> bool:
    return isinstance(value, bool)


def _day(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


def _moment(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        parse_time(value, "")
    except PipedriveError:
        return False
    return True


def _integers(value: Any) -> bool:
    return isinstance(value, list) and all(_integer(item) for item in value)


def _object(value: Any) -> bool:
    return isinstance(value, dict)


@attrs.frozen
class Field:
    """One body field: a test of its value, what that test wants (for the message), whether
    it is required, the values allowed, and whether null is accepted."""

    test: Callable[[Any], bool]
    wants: str
    required: bool = False
    choices: tuple[object, ...] = ()
    nullable: bool = True


def _field(kind: str, *, required: bool = False, choices: tuple[object, ...] = (),
           nullable: bool = True) -> Field:
    test, wants = _KINDS[kind]
    return Field(test, wants, required, choices, nullable and not required)


_KINDS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "integer": (_integer, "an integer"),
    "number": (_number, "a number"),
    "string": (_text, "a string"),
    "boolean": (_flag, "a boolean"),
    "date": (_day, "a date YYYY-MM-DD"),
    "date-time": (_moment, "an RFC 3339 date-time"),
    "integers": (_integers, "an array of integers"),
    "object": (_object, "an object"),
    "array": (lambda value: isinstance(value, list), "an array"),
}

#: What a body holds: field name to field.
Body = Mapping[str, Field]

#: Who may see a record: owner only, owner's group, whole company, and beyond (v2 enum).
VISIBLE_TO = (1, 3, 5, 7)

DEAL: Body = {
    "title": _field("string", required=True), "owner_id": _field("integer"),
    "person_id": _field("integer"), "org_id": _field("integer"),
    "pipeline_id": _field("integer"), "stage_id": _field("integer"),
    "value": _field("number", nullable=False), "currency": _field("string", nullable=False),
    "add_time": _field("date-time"), "update_time": _field("date-time"),
    "stage_change_time": _field("date-time"), "is_deleted": _field("boolean"),
    "is_archived": _field("boolean"),
    "status": _field("string", choices=("open", "won", "lost"), nullable=False),
    "probability": _field("integer"), "lost_reason": _field("string"),
    "visible_to": _field("integer", choices=VISIBLE_TO), "close_time": _field("date-time"),
    "won_time": _field("date-time"), "lost_time": _field("date-time"),
    "expected_close_date": _field("date"), "label_ids": _field("integers"),
    "custom_fields": _field("object"),
}

DEAL_PRODUCT: Body = {
    "product_id": _field("integer", required=True), "item_price": _field("number", required=True),
    "quantity": _field("number", required=True), "tax": _field("number"),
    "comments": _field("string"), "discount": _field("number"),
    "discount_type": _field("string", choices=("percentage", "amount"), nullable=False),
    "tax_method": _field("string", choices=("exclusive", "inclusive", "none"), nullable=False),
    "is_enabled": _field("boolean"), "product_variation_id": _field("integer"),
}

PERSON: Body = {
    "name": _field("string", required=True), "owner_id": _field("integer"),
    "org_id": _field("integer"), "add_time": _field("date-time"),
    "update_time": _field("date-time"), "emails": _field("array"), "phones": _field("array"),
    "visible_to": _field("integer", choices=VISIBLE_TO), "custom_fields": _field("object"),
}

#: One entry of a person's ``emails`` or ``phones``.
CONTACT_ITEM: Body = {"value": _field("string", required=True), "primary": _field("boolean"),
                      "label": _field("string")}

#: The parts of an organization's ``address`` (SDK organization-item-address.ts).
ADDRESS_PARTS = ("value", "country", "admin_area_level_1", "admin_area_level_2", "locality",
                 "sublocality", "route", "street_number", "subpremise", "postal_code")
ADDRESS: Body = {part: _field("string") for part in ADDRESS_PARTS}

ORGANIZATION: Body = {
    "name": _field("string", required=True), "owner_id": _field("integer"),
    "add_time": _field("date-time"), "update_time": _field("date-time"),
    "visible_to": _field("integer", choices=VISIBLE_TO), "label_ids": _field("integers"),
    "address": _field("object"), "custom_fields": _field("object"),
}

PRODUCT: Body = {
    "name": _field("string", required=True), "code": _field("string"),
    "description": _field("string"), "unit": _field("string"), "tax": _field("number"),
    "category": _field("integer"), "owner_id": _field("integer"),
    "is_linkable": _field("boolean"), "visible_to": _field("integer", choices=VISIBLE_TO),
    "prices": _field("array"), "billing_frequency": _field("string"),
    "custom_fields": _field("object"),
}

#: One entry of a product's ``prices`` (inferred field by field, NOTES §7).
PRICE: Body = {"price": _field("number", required=True), "currency": _field("string",
               required=True), "cost": _field("number"), "direct_cost": _field("number"),
               "notes": _field("string")}

#: A custom field definition (v1 ``POST /dealFields``: name, field_type, options as labels).
FIELD: Body = {"name": _field("string", required=True),
               "field_type": _field("string", required=True), "options": _field("array"),
               "add_visible_flag": _field("boolean")}
#: One option of a new enum or set field.
OPTION: Body = {"label": _field("string", required=True)}


def _refuse(where: str, problem: str) -> PipedriveError:
    return PipedriveError(400, f"Validation failed: {where}: {problem}")


def check(body: Mapping[str, Any], fields: Body, *, partial: bool = False,
          where: str = "") -> dict[str, Any]:
    """``body`` (times in UTC with ``Z``) when every field is known, typed and allowed and
    (unless ``partial``, an update) every required one is there.

    Raises:
        PipedriveError: 400 naming the first field refused.
    """
    for name, value in body.items():
        path = f"{where}{name}"
        field = fields.get(name)
        if field is None:
            raise _refuse(path, "unknown property")
        if value is None:
            if not field.nullable:
                raise _refuse(path, "must not be null")
            continue
        if not field.test(value):
            raise _refuse(path, f"must be {field.wants}")
        if field.choices and value not in field.choices:
            raise _refuse(path, "must be one of " + ", ".join(map(str, field.choices)))
    if not partial:
        for name, field in fields.items():
            if field.required and body.get(name) is None:
                raise _refuse(f"{where}{name}", "required")
    # Times are kept as v2 answers them (UTC, ``Z``), so they compare as text.
    return {name: v2_time(parse_time(value, name)) if fields[name].test is _moment
            and value is not None else value for name, value in body.items()}


def check_items(items: Any, fields: Body, name: str) -> list[dict[str, Any]]:
    """A list of objects each held to ``fields`` (``emails``, ``prices``).

    Raises:
        PipedriveError: 400 naming the entry refused.
    """
    if items is None:
        return []
    checked = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise _refuse(f"{name}[{index}]", "must be an object")
        checked.append(check(item, fields, where=f"{name}[{index}]."))
    return checked


#: Field types a custom field may have and the test of its value (the rest take any JSON).
_CUSTOM_TESTS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "varchar": _KINDS["string"], "text": _KINDS["string"], "phone": _KINDS["string"],
    "varchar_auto": _KINDS["string"], "int": _KINDS["integer"], "double": _KINDS["number"],
    "monetary": _KINDS["number"], "boolean": _KINDS["boolean"], "date": _KINDS["date"],
    "enum": _KINDS["integer"], "set": _KINDS["integers"], "org": _KINDS["integer"],
    "people": _KINDS["integer"], "user": _KINDS["integer"], "address": _KINDS["string"],
}


def check_custom(values: Mapping[str, Any], definitions: Mapping[str, Mapping[str, Any]]
                 ) -> dict[str, Any]:
    """Custom field values keyed by their definitions' ``field_code``, each of its type; an
    enum takes one option id, a set a list of them (NOTES §10, inferred).

    Raises:
        PipedriveError: 400 naming an unknown key, a wrong type or an unknown option.
    """
    for key, value in values.items():
        definition = definitions.get(key)
        where = f"custom_fields.{key}"
        if definition is None or not definition["is_custom_field"]:
            raise _refuse(where, "no custom field has this key")
        if value is None:
            continue
        test, wants = _CUSTOM_TESTS.get(definition["field_type"], (lambda _: True, "any"))
        if not test(value):
            raise _refuse(where, f"must be {wants}")
        options = {option["id"] for option in definition.get("options") or ()}
        chosen = [value] if definition["field_type"] == "enum" else (
            value if definition["field_type"] == "set" else [])
        if any(choice not in options for choice in chosen):
            raise _refuse(where, "must be the id of one of the field's options")
    return dict(values)
