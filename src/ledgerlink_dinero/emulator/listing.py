"""List endpoints: ``queryFilter``, ``fields``, ``changesSince``, ``deletedOnly`` and paging.

``queryFilter`` is Dinero's clause list: ``Field eq 'value'`` or ``Field
contains 'value'`` (``+`` in the URL is a space), clauses joined by ``;``
and all of them must hold. String comparisons ignore case (inferred). Only
the fields each endpoint declares are filterable; anything else is error 46.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any

import attrs

from ledgerlink_dinero.emulator.state import Record
from ledgerlink_dinero.emulator.wire import (
    INVALID_FILTER,
    DineroError,
    parse_moment,
    validation_error,
)

MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 100
_CLAUSE = re.compile(r"^\s*(\w+)\s+(eq|contains)\s+(.+?)\s*$", re.IGNORECASE)


@attrs.frozen
class Clause:
    """One ``queryFilter`` condition.

    Attributes:
        field: The model field, in the model's own casing.
        operator: ``eq`` or ``contains``.
        value: The literal (text, bool or number as text).
    """

    field: str
    operator: str
    value: str | bool

    def holds(self, model: Mapping[str, Any]) -> bool:
        """Whether ``model`` satisfies the condition."""
        actual = model.get(self.field)
        if isinstance(self.value, bool):
            return actual is self.value
        if actual is None:
            return False
        text, wanted = str(actual).casefold(), self.value.casefold()
        return text == wanted if self.operator == "eq" else wanted in text


def invalid_filter(detail: str) -> DineroError:
    """Code 46: the ``queryFilter`` cannot be read."""
    return DineroError(400, INVALID_FILTER, "Invalid filter format", {"queryFilter": detail})


def parse_filter(text: str, filterable: Collection[str]) -> list[Clause]:
    """Read a ``queryFilter`` against the endpoint's filterable fields."""
    by_folded = {name.casefold(): name for name in filterable}
    clauses = []
    for part in text.split(";"):
        if not part.strip():
            continue
        match = _CLAUSE.match(part)
        if match is None:
            raise invalid_filter(f"Cannot read the clause {part.strip()!r}.")
        name, operator, literal = match.groups()
        field = by_folded.get(name.casefold())
        if field is None:
            allowed = ", ".join(sorted(filterable))
            raise invalid_filter(f"{name} cannot be filtered on. Filterable fields: {allowed}.")
        clauses.append(Clause(field, operator.lower(), _literal(literal)))
    return clauses


def _literal(text: str) -> str | bool:
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1].replace("''", "'")
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return text
    raise invalid_filter(f"Values must be quoted: {text!r}.")


def flag(query: Mapping[str, str], name: str) -> bool:
    """A boolean query parameter (absent means false)."""
    raw = query.get(name, "false").lower()
    if raw not in ("true", "false"):
        raise validation_error(name, f"The value '{raw}' is not valid for {name}.")
    return raw == "true"


def number(query: Mapping[str, str], name: str, default: int) -> int:
    """A non-negative integer query parameter."""
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit():
        raise validation_error(name, f"The value '{raw}' is not valid for {name}.")
    return int(raw)


def project(model: Mapping[str, Any], fields: str) -> dict[str, Any]:
    """Keep only the ``fields`` asked for (names matched ignoring case, unknown ones skipped)."""
    wanted = {name.strip().casefold() for name in fields.split(",") if name.strip()}
    return {key: value for key, value in model.items() if key.casefold() in wanted}


def list_page(
    records: Iterable[Record],
    query: Mapping[str, str],
    *,
    view: Callable[[Record], dict[str, Any]],
    filterable: Collection[str],
    default_fields: str,
    extra: Callable[[Record, dict[str, Any]], bool] = lambda record, model: True,
) -> dict[str, Any]:
    """Answer a list call: ``{"Collection": [...], "Pagination": {...}}``.

    ``records`` come in the endpoint's order; ``extra`` applies endpoint-only
    conditions (e.g. an invoice date range) to the record and its full view.
    """
    clauses = parse_filter(query.get("queryFilter", ""), filterable)
    deleted_only = flag(query, "deletedOnly")
    since_text = query.get("changesSince")
    try:
        since = parse_moment(since_text) if since_text else None
    except ValueError as exc:
        raise validation_error("changesSince", f"Invalid date: {since_text}") from exc
    page = number(query, "page", 0)
    size = number(query, "pageSize", DEFAULT_PAGE_SIZE)
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise validation_error("pageSize", f"pageSize must be between 1 and {MAX_PAGE_SIZE}.")
    alive = [r for r in records if (r.deleted_at is not None) == deleted_only]
    matching = []
    for record in alive:
        # changesSince is inclusive: a poll that repeats its last instant may see an
        # entity twice but never misses one changed within the same millisecond.
        if since is not None and record.updated_at < since:
            continue
        model = view(record)
        if all(clause.holds(model) for clause in clauses) and extra(record, model):
            matching.append(model)
    fields = query.get("fields") or default_fields
    chunk = matching[page * size : (page + 1) * size]
    return {
        "Collection": [project(model, fields) for model in chunk],
        "Pagination": {
            "MaxPageSizeAllowed": MAX_PAGE_SIZE,
            "PageSize": size,
            "Result": len(matching),
            "ResultWithoutFilter": len(alive),
            "Page": page,
        },
    }
