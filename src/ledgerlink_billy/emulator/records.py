"""Reading a call and answering with records: the body under its record key, checked
against the table; ids looked up; ``include`` (embed or sideload); 1-based paging.

Conventions [B1]: a write's body is ``{"<singular>": {...}}``; a create or
update answers every record it changed, keyed by plural resource name; a
get answers ``{"<singular>": {...}}``; a list ``{"<plural>": [...]}`` with
``meta.paging``. Has-many relations are left out unless included:
``include=invoice.lines:embed`` puts the lines inside each invoice,
``:sideload`` lists them beside the invoices (and the invoice names them in
``lineIds``: (inferred)); a belongs-to (``invoice.contact``) may be included
the same ways. Without a mode, sideload (inferred).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import attrs

from ledgerlink_billy.emulator import schema
from ledgerlink_billy.emulator.state import TABLES, Organization
from ledgerlink_billy.emulator.wire import (
    INVALID_REQUEST_BODY,
    BillyError,
    EmuRequest,
    bad_parameter,
    invalid_record,
    not_found,
)

__all__ = ["Call", "body_of", "find", "included", "listing", "view"]

#: Query parameters every list takes [B1].
PAGING = ("page", "pageSize")
INCLUDE = "include"
ROOT_MESSAGE = "Request body should consist of a JSON document with an object as root."


@attrs.frozen
class Call:
    """One API call routed to a handler.

    Attributes:
        org: The organisation the token reaches.
        request: The HTTP request.
        args: Path arguments (``id``).
        now: When it arrived (aware).
        origin: Scheme and host the client used, for URLs in answers.
    """

    org: Organization
    request: EmuRequest
    args: Mapping[str, str]
    now: datetime
    origin: str

    @property
    def record_id(self) -> str:
        """The ``:id`` in the path."""
        return self.args.get("id", "")


def body_of(call: Call, resource: str, *, creating: bool) -> dict[str, Any]:
    """The record in the body, held to the table (400 with Billy's shape otherwise)."""
    key = schema.singular(resource)
    record = document_of(call, key)
    found = schema.problems(resource, record, creating=creating)
    if (isinstance(record, dict) and record.get("organizationId") is not None
            and record["organizationId"] != call.org.id):
        found.append(schema.Problem(f"{key}.organizationId", "organizationId must be the "
                                    "organization of the access token (inferred)"))
    if found:
        raise invalid_record((p.path, p.message) for p in found)
    assert isinstance(record, dict)  # problems() named anything else
    return record


def document_of(call: Call, key: str) -> object:
    """What a write's body holds under ``key``: the body is one JSON object with that one
    key (else ``INVALID_REQUEST_BODY``), and the query is empty (inferred)."""
    try:
        document = call.request.json()
    except ValueError:
        document = None
    if not isinstance(document, dict):
        raise BillyError(400, INVALID_REQUEST_BODY, ROOT_MESSAGE)
    if set(document) != {key}:
        others = ", ".join(sorted(set(document) - {key})) or "nothing"
        raise BillyError(400, INVALID_REQUEST_BODY,
                         f"The body must hold one `{key}` record, not {others}.")
    for name in call.request.query:
        raise bad_parameter(name, f"A write takes no query parameter `{name}`.")
    return document[key]


def find(org: Organization, resource: str, record_id: str, *,
         field: str | None = None) -> dict[str, Any]:
    """The record, or 404 (or 400 naming ``field`` when a body pointed at it)."""
    record = org.tables[resource].get(record_id)
    if record is None:
        if field is not None:
            raise invalid_record({field: f"No `{schema.singular(resource)}` record with id "
                                         f"`{record_id}` was found."})
        raise not_found(schema.singular(resource), record_id)
    return record


def view(record: Mapping[str, Any]) -> dict[str, Any]:
    """A record as answered (without the emulator's own ``_`` keys)."""
    return {k: v for k, v in record.items() if not k.startswith("_")}


def number(value: object) -> Decimal:
    """A checked JSON number as Decimal."""
    return Decimal(str(value))


# ---------------------------------------------------------------- include


@attrs.frozen
class Include:
    """One ``include`` entry: a property of the answered resource and how."""

    property: str
    embed: bool


def _includes(call: Call, resource: str) -> list[Include]:
    text = call.request.query.get(INCLUDE, "")
    found = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        path, _, mode = part.partition(":")
        owner, _, prop = path.partition(".")
        if owner != schema.singular(resource) or mode not in ("", "embed", "sideload"):
            raise bad_parameter(INCLUDE, f"Cannot include `{part}` here.")
        if (resource, prop) not in schema.CHILDREN and _target(resource, prop) is None:
            raise bad_parameter(INCLUDE, f"`{schema.singular(resource)}` has no relation "
                                         f"`{prop}` to include.")
        found.append(Include(prop, mode == "embed"))
    return found


def _target(resource: str, prop: str) -> str | None:
    """The table a belongs-to ``prop`` of ``resource`` points into, if the emulator has it."""
    field = schema.load_table().resources[resource].fields.get(prop + "Id")
    if field is None or field.type != "belongs-to":
        return None
    plural = prop[:-1] + "ies" if prop.endswith("y") else prop + "s"
    return plural if plural in TABLES else None


def included(call: Call, resource: str, rows: list[dict[str, Any]],
             children: Callable[[str, dict[str, Any]], list[dict[str, Any]]]
             ) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """The views of ``rows`` with the asked-for relations, and the sideloaded records.

    ``children(property, record)`` gives a record's has-many children.
    """
    views = [view(row) for row in rows]
    side: dict[str, dict[str, dict[str, Any]]] = {}
    for include in _includes(call, resource):
        child = schema.CHILDREN.get((resource, include.property))
        for row, shown in zip(rows, views, strict=True):
            if child is not None:
                records = [view(r) for r in children(include.property, row)]
                if include.embed:
                    shown[include.property] = records
                    continue
                shown[schema.singular(include.property) + "Ids"] = [r["id"] for r in records]
                side.setdefault(child[0], {}).update({r["id"]: r for r in records})
                continue
            table = _target(resource, include.property)
            assert table is not None
            target = call.org.tables[table].get(str(row.get(include.property + "Id")))
            if include.embed:
                shown[include.property] = None if target is None else view(target)
            elif target is not None:
                side.setdefault(table, {})[target["id"]] = view(target)
    return views, {name: list(records.values()) for name, records in side.items()}


# ---------------------------------------------------------------- lists


def check_query(call: Call, allowed: Iterable[str]) -> Mapping[str, str]:
    """The query when every parameter is one the list takes (else 400, inferred)."""
    known = {*PAGING, INCLUDE, *allowed}
    for name in call.request.query:
        if name not in known:
            raise bad_parameter(name, f"Unknown query parameter `{name}`.")
    return call.request.query


def _whole(query: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise bad_parameter(name, f"`{name}` must be a whole number from {low} to {high}.")
    return int(raw)


def listing(call: Call, resource: str, rows: list[dict[str, Any]],
            children: Callable[[str, dict[str, Any]], list[dict[str, Any]]]
            ) -> tuple[dict[str, Any], dict[str, Any]]:
    """One page of ``rows`` (already filtered and ordered): (payload, paging)."""
    table = schema.load_table()
    query = call.request.query
    size = _whole(query, "pageSize", table.page_size_default, 1, table.page_size_max)
    page = _whole(query, "page", 1, 1, 10**9)
    total = len(rows)
    # Zero records still make one (empty) page (inferred).
    pages = max(1, math.ceil(total / size))
    chunk = rows[(page - 1) * size: page * size]
    views, side = included(call, resource, chunk, children)

    def url(number: int | None) -> str | None:
        if number is None:
            return None
        params = {**query, "page": str(number), "pageSize": str(size)}
        return f"{call.origin}{call.request.path}?{urlencode(params)}"

    paging = {
        "page": page, "pageCount": pages, "pageSize": size, "total": total,
        "firstUrl": url(1), "previousUrl": url(page - 1 if page > 1 else None),
        "nextUrl": url(page + 1 if page < pages else None), "lastUrl": url(pages),
    }
    return {resource: views, **side}, paging


def flag(query: Mapping[str, str], name: str) -> bool | None:
    """A boolean query parameter (``true``/``false``), None when absent."""
    raw = query.get(name)
    if raw is None:
        return None
    if raw.lower() not in ("true", "false", "1", "0"):
        raise bad_parameter(name, f"`{name}` must be true or false.")
    return raw.lower() in ("true", "1")
