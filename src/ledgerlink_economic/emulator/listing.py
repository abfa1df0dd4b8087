"""Collections as e-conomic pages and filters them [E1][E13][E15].

``?skippages=N&pagesize=M`` (default 20, at most 1000: more is 400 E04810);
past the end the ``collection`` is empty. ``filter`` is ``field$op:value``
predicates joined by ``$and:`` or ``$or:`` (evaluated left to right; no
parentheses), with ``$eq: $ne: $gt: $gte: $lt: $lte: $like: $in:[..] $nin:[..]``
and ``$null:`` as the value; strings compare case-insensitively, ``$like:``
without ``*`` means contains. Only the properties the collection's schema marks
filterable may be named; another is refused with ``allowedFilteringFields``.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from ledgerlink_economic.emulator.schemas import filterable
from ledgerlink_economic.emulator.wire import API_ROOT, EconomicError, FieldError

__all__ = ["DEFAULT_PAGE_SIZE", "MAX_PAGE_SIZE", "page"]

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 1000
#: "pagesize exceeds the maximum" [E13].
PAGE_SIZE_TOO_LARGE = "E04810"

_JOIN = re.compile(r"\$(and|or):")
_PREDICATE = re.compile(r"^(?P<field>[A-Za-z0-9_.]+)\$(?P<op>eq|ne|gte|gt|lte|lt|like|in|nin):"
                        r"(?P<value>.*)$", re.DOTALL)


def _lookup(row: Mapping[str, Any], dotted: str) -> Any:
    value: Any = row
    for part in dotted.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _comparable(actual: Any, text: str) -> tuple[Any, Any]:
    if isinstance(actual, bool):
        return actual, text.lower() == "true"
    if isinstance(actual, (int, Decimal)):
        try:
            return Decimal(actual), Decimal(text)
        except InvalidOperation:
            return str(actual), text
    return str(actual).lower(), text.lower()


def _test(op: str, actual: Any, text: str) -> bool:
    if op in ("in", "nin"):
        values = [v.strip() for v in text.strip("[]").split(",")]
        hit = any(_test("eq", actual, value) for value in values)
        return hit if op == "in" else not hit
    if text == "$null:":
        return (actual is None) == (op == "eq")
    if actual is None:
        return op == "ne"
    left, right = _comparable(actual, text)
    if op == "like":
        pattern = text.lower() if "*" in text else f"*{text.lower()}*"
        return fnmatch.fnmatchcase(str(actual).lower(), pattern)
    tests: dict[str, Callable[[Any, Any], bool]] = {
        "eq": lambda a, b: a == b, "ne": lambda a, b: a != b, "gt": lambda a, b: a > b,
        "gte": lambda a, b: a >= b, "lt": lambda a, b: a < b, "lte": lambda a, b: a <= b}
    try:
        return tests[op](left, right)
    except TypeError:
        return False


def _matcher(text: str, allowed: frozenset[str]) -> Callable[[Mapping[str, Any]], bool]:
    parts = _JOIN.split(text)
    predicates: list[tuple[str, str, str]] = []
    for raw in parts[::2]:
        found = _PREDICATE.match(raw)
        if found is None:
            raise EconomicError(400, "The filter is not valid.",
                                "Filters are field$operator:value joined by $and: or $or:.",
                                errors=[FieldError(["filter"], "E04700", f"Cannot parse {raw!r}.",
                                                   value=text)])
        if found["field"] not in allowed:
            raise EconomicError(400, f"Filtering on {found['field']} is not allowed.",
                                "Only the fields in allowedFilteringFields can be filtered on.",
                                extra={"allowedFilteringFields": sorted(allowed)})
        predicates.append((found["field"], found["op"], found["value"]))
    joins = parts[1::2]

    def matches(row: Mapping[str, Any]) -> bool:
        field, op, value = predicates[0]
        result = _test(op, _lookup(row, field), value)
        for join, (field, op, value) in zip(joins, predicates[1:], strict=True):
            hit = _test(op, _lookup(row, field), value)
            result = (result and hit) if join == "and" else (result or hit)
        return result

    return matches


def _size(query: Mapping[str, str], name: str, default: int) -> int:
    text = query.get(name, str(default))
    try:
        return int(text)
    except ValueError as error:
        raise EconomicError(400, f"{name} must be a whole number.", "Check the query string.",
                            errors=[FieldError([name], "E04800", f"{name} is not a number.",
                                               value=text)]) from error


def page(rows: list[dict[str, Any]], query: Mapping[str, str], path: str,
         collection: str) -> dict[str, Any]:
    """The page ``query`` asks of ``rows`` at ``path`` (filterable per schema ``collection``)."""
    size = _size(query, "pagesize", DEFAULT_PAGE_SIZE)
    skip = _size(query, "skippages", 0)
    if size > MAX_PAGE_SIZE or size < 1 or skip < 0:
        raise EconomicError(400, "Invalid paging.",
                            f"pagesize must be between 1 and {MAX_PAGE_SIZE}; skippages >= 0.",
                            errors=[FieldError(["pagesize"], PAGE_SIZE_TOO_LARGE,
                                               f"The maximum page size is {MAX_PAGE_SIZE}.",
                                               value=size)])
    total = len(rows)
    if query.get("filter"):
        matches = _matcher(query["filter"], filterable(collection))
        rows = [row for row in rows if matches(row)]
    last = max(0, (len(rows) - 1) // size)
    extra = {"filter": query["filter"]} if query.get("filter") else {}

    def url(skip_pages: int) -> str:
        return f"{API_ROOT}{path}?" + urlencode({"skippages": skip_pages, "pagesize": size,
                                                  **extra})

    pagination: dict[str, Any] = {
        "maxPageSizeAllowed": MAX_PAGE_SIZE, "skipPages": skip, "pageSize": size,
        "results": len(rows), "resultsWithoutFilter": total, "firstPage": url(0)}
    if skip < last:
        pagination["nextPage"] = url(skip + 1)
    pagination["lastPage"] = url(last)
    return {"collection": rows[skip * size:(skip + 1) * size], "pagination": pagination,
            "self": url(skip)}
