"""Building Dinero list-query parameters safely: ``queryFilter``, ``fields``, paging.

``queryFilter`` is a list of clauses ``Field op 'value'`` joined by ``;``, with
``eq`` and ``contains`` as operators (``VatNumber eq '12345678'``; the ``+`` in
documented URLs is an encoded space) [D11][D17 (3p syntax)]. Not every property
is filterable; the filterable ones per entity are in :data:`FILTER_FIELDS` [D5].

Dinero documents no escape inside a literal. Values are quoted in single quotes
with an embedded quote doubled (``O''Brien``), the convention of the OData-style
grammar Dinero's filter follows (inferred). A ``;`` cannot be protected inside a
literal (nothing says the server's clause split respects quotes), so a value
holding one is refused rather than risked. Field names and operators come from
fixed sets, never from data, so no customer name can change a filter's meaning.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Literal

from ledgerlink.errors import ValidationError
from ledgerlink_dinero.settings import DEFAULT_PAGE_SIZE, FIRST_PAGE, MAX_PAGE_SIZE

__all__ = [
    "CLAUSE_SEPARATOR",
    "FILTER_FIELDS",
    "INVOICE_FIELDS",
    "OPERATORS",
    "Clause",
    "Entity",
    "changes_since",
    "fields_param",
    "list_params",
    "literal",
    "query_filter",
]

Entity = Literal["contacts", "products", "invoices"]
Operator = Literal["eq", "contains"]
#: Values a clause may compare with; booleans are written 'true'/'false'.
Value = str | int | bool
#: ``(field, operator, value)``.
Clause = tuple[str, Operator, Value]

#: Filter operators documented for ``queryFilter`` [D11][D17].
OPERATORS: frozenset[str] = frozenset({"eq", "contains"})
#: Between clauses (all must hold) [D17].
CLAUSE_SEPARATOR = ";"
#: Filterable fields. Contacts: as one client lists them [D17 (3p)]. Products and
#: invoices: the lookups the connector needs (by reference, number, contact);
#: inferred, since the endpoint descriptions are not in the saved extract.
FILTER_FIELDS: dict[Entity, frozenset[str]] = {
    "contacts": frozenset({"Name", "Email", "ExternalReference", "VatNumber", "EanNumber",
                           "IsPerson"}),
    "products": frozenset({"Name", "ProductNumber", "ExternalReference"}),
    "invoices": frozenset({"ExternalReference", "ContactGuid"}),
}
#: Lists return only the default fields, so status polling names what it needs [D13].
INVOICE_FIELDS = ("Guid", "Number", "ContactGuid", "ExternalReference", "Currency", "Date",
                  "PaymentDate", "Status", "PaymentStatus", "MailOutStatus", "TotalInclVat",
                  "TotalExclVat", "CreatedAt", "UpdatedAt", "DeletedAt")

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")


def literal(value: Value) -> str:
    """``value`` as a quoted filter literal (quotes doubled; ``;`` refused)."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, int | str):
        text = str(value)
    else:
        raise ValidationError("a filter value is text, a whole number or a boolean",
                              value=value)
    if CLAUSE_SEPARATOR in text:
        raise ValidationError("a queryFilter value cannot contain ';' (Dinero's clause "
                              "separator); match such values client-side", value=text)
    return "'" + text.replace("'", "''") + "'"


def query_filter(entity: Entity, clauses: Iterable[Clause]) -> str:
    """The ``queryFilter`` value for ``clauses`` (all must hold) on ``entity``."""
    allowed = FILTER_FIELDS.get(entity)
    if allowed is None:
        raise ValidationError("not a filterable Dinero list", field="entity", value=entity)
    parts = []
    for field, operator, value in clauses:
        if field not in allowed:
            raise ValidationError(f"{entity} cannot be filtered by this field",
                                  field="queryFilter", value=field)
        if operator not in OPERATORS:
            raise ValidationError("not a queryFilter operator", field="queryFilter",
                                  value=operator)
        parts.append(f"{field} {operator} {literal(value)}")
    if not parts:
        raise ValidationError("a queryFilter needs at least one clause", field="queryFilter")
    return CLAUSE_SEPARATOR.join(parts)


def fields_param(names: Iterable[str]) -> str:
    """The ``fields`` value: names checked, duplicates dropped, order kept."""
    unique = list(dict.fromkeys(names))
    for name in unique:
        if not _NAME.match(name):
            raise ValidationError("not a Dinero field name", field="fields", value=name)
    if not unique:
        raise ValidationError("fields needs at least one name", field="fields")
    return ",".join(unique)


def changes_since(moment: datetime) -> str:
    """``changesSince`` in UTC as ``YYYY-MM-DDTHH:MM:SSZ`` [D11][D17].

    Seconds are truncated, never rounded up: polling from a moment slightly
    earlier re-reads a change rather than missing one.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValidationError("changesSince needs an aware datetime (UTC is sent)",
                              field="changesSince", value=moment)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def list_params(
    entity: Entity,
    *,
    where: Iterable[Clause] = (),
    fields: Iterable[str] = (),
    page: int = FIRST_PAGE,
    page_size: int = DEFAULT_PAGE_SIZE,
    since: datetime | None = None,
    deleted_only: bool = False,
    start_date: date | None = None,
    end_date: date | None = None,
) -> dict[str, str]:
    """Query parameters of a list call; only what differs from Dinero's defaults
    besides paging, which is always explicit (0-based, at most 1000 a page) [D13]."""
    if page < FIRST_PAGE or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValidationError(f"paging is page >= {FIRST_PAGE}, pageSize 1..{MAX_PAGE_SIZE}",
                              field="paging", value=(page, page_size))
    if (start_date or end_date) and entity != "invoices":
        raise ValidationError("only invoices take startDate/endDate", field="entity",
                              value=entity)
    params: dict[str, str] = {}
    if start_date is not None:
        params["startDate"] = start_date.isoformat()
    if end_date is not None:
        params["endDate"] = end_date.isoformat()
    names = list(fields)
    if names:
        params["fields"] = fields_param(names)
    clauses = list(where)
    if clauses:
        params["queryFilter"] = query_filter(entity, clauses)
    if since is not None:
        params["changesSince"] = changes_since(since)
    if deleted_only:
        params["deletedOnly"] = "true"
    params["page"] = str(page)
    params["pageSize"] = str(page_size)
    return params
