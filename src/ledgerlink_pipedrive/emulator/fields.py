"""Field definitions: ``dealFields``, ``personFields``, ``organizationFields``, ``productFields``.

v2 lists them cursor-paged with ``field_name``, ``field_code`` (the key in a
record's ``custom_fields``), ``field_type``, ``is_custom_field`` and ``options``
(NOTES §10, ``dealfield.v2.constructed.json``). v1 lists them offset-paged with
``key``, ``name`` and ``field_type`` and ``options`` as ``{id, label}``; v1's other
keys (``id``, ``order_nr``, ``add_time``, ``active_flag``, ``edit_flag``) are
inferred. A custom field is added with v1's ``POST /v1/<list>`` (``name``,
``field_type``, ``options`` as ``{label}``), answered in v1's shape.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from functools import partial
from typing import Any

from ledgerlink.emulation import EmuResponse
from ledgerlink_pipedrive.emulator import schema
from ledgerlink_pipedrive.emulator.paging import cursor_page, offset_page
from ledgerlink_pipedrive.emulator.records import Call
from ledgerlink_pipedrive.emulator.state import FIELD_KINDS
from ledgerlink_pipedrive.emulator.wire import (
    PipedriveError,
    list_v1,
    list_v2,
    request_body,
    single,
    v1_time,
)

__all__ = ["FIELD_TYPES", "field_routes", "v1_field", "v2_field"]

#: Field types a custom field may be made with (NOTES §10, the list there is truncated).
FIELD_TYPES = ("int", "double", "boolean", "varchar", "text", "phone", "varchar_options",
               "varchar_auto", "date", "daterange", "time", "timerange", "enum", "set",
               "address", "monetary", "org", "people", "user")
#: The keys of a v2 field item, in order.
V2_KEYS = ("field_name", "field_code", "description", "field_type", "is_custom_field",
           "is_optional_response_field", "options", "subfields")


def v2_field(definition: Mapping[str, Any]) -> dict[str, Any]:
    """A definition as v2 lists it."""
    return {key: definition[key] for key in V2_KEYS}


def v1_field(definition: Mapping[str, Any], order: int) -> dict[str, Any]:
    """A definition as v1 lists it."""
    added = datetime.fromisoformat(definition["add_time"].replace("Z", "+00:00"))
    options = definition["options"]
    return {
        "id": definition["id"], "key": definition["field_code"],
        "name": definition["field_name"], "order_nr": order,
        "field_type": definition["field_type"], "add_time": v1_time(added),
        "update_time": v1_time(added), "active_flag": True,
        "edit_flag": definition["is_custom_field"],
        "options": None if options is None else [
            {"id": option["id"], "label": option["label"]} for option in options]}


def listing_v2(call: Call, list_name: str) -> EmuResponse:
    """``GET /api/v2/<list>``: definitions in order, a cursor page at a time."""
    definitions = call.company.fields[list_name]
    page = cursor_page(definitions, call.request.query)
    return list_v2([v2_field(item) for item in page.items], page.next_cursor)


def listing_v1(call: Call, list_name: str) -> EmuResponse:
    """``GET /v1/<list>``: definitions in order, ``start`` and ``limit`` at a time."""
    definitions = call.company.fields[list_name]
    items, start, limit, more = offset_page(definitions, call.request.query)
    return list_v1([v1_field(item, start + index + 1) for index, item in enumerate(items)],
                   start, limit, more)


def add_v1(call: Call, list_name: str) -> EmuResponse:
    """``POST /v1/<list>``: a new custom field; enum and set fields need options."""
    body = schema.check(request_body(call.request), schema.FIELD)
    if body["field_type"] not in FIELD_TYPES:
        raise PipedriveError(400, "Validation failed: field_type: must be one of "
                                  + ", ".join(FIELD_TYPES))
    options = schema.check_items(body.get("options"), schema.OPTION, "options")
    if body["field_type"] in ("enum", "set") and not options:
        raise PipedriveError(400, "Validation failed: options: required for enum and set")
    definition = call.company.add_field(list_name, body["name"], body["field_type"],
                                        call.now, [option["label"] for option in options])
    return single(v1_field(definition, len(call.company.fields[list_name])))


def field_routes() -> list[tuple[str, str, str, Callable[[Call], EmuResponse], bool]]:
    """Version (``v1`` or ``v2``), method, path template, handler, whether it writes."""
    routes: list[tuple[str, str, str, Callable[[Call], EmuResponse], bool]] = []
    for name in FIELD_KINDS:
        routes += [
            ("v2", "GET", f"/{name}", partial(listing_v2, list_name=name), False),
            ("v1", "GET", f"/{name}", partial(listing_v1, list_name=name), False),
            ("v1", "POST", f"/{name}", partial(add_v1, list_name=name), True),
        ]
    return routes
