"""Paging as Pipedrive documents it (NOTES §4).

v2 lists take ``limit`` (default 100, at most 500) and an opaque ``cursor``, and
answer ``additional_data.next_cursor``, null on the last page. The cursor here
is base64 of ``{"field", "fieldValue", "id"}``, the shape the shared example's
cursor decodes to: the sort field and the last item's value of it and id, so a
page continues after that item even when items were added since. A limit above
500, below 1 or not a number, and a cursor not handed out, are refused with 400
(inferred: the notes give the cap, not the answer past it).

v1 lists take ``start`` (default 0) and ``limit`` and answer
``additional_data.pagination``; v1's cap is taken to be 500 as well (inferred).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from ledgerlink_pipedrive.emulator.wire import PipedriveError

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "Page", "cursor_page", "offset_page"]

DEFAULT_LIMIT = 100
MAX_LIMIT = 500


@attrs.frozen
class Page:
    """One page of items and where the next one starts (None: this is the last)."""

    items: list[dict[str, Any]]
    next_cursor: str | None


def _limit(query: Mapping[str, str]) -> int:
    text = query.get("limit")
    if text is None:
        return DEFAULT_LIMIT
    try:
        limit = int(text)
    except ValueError:
        limit = 0
    if not 1 <= limit <= MAX_LIMIT:
        raise PipedriveError(400, f"Validation failed: limit: must be an integer from 1 to "
                                  f"{MAX_LIMIT}")
    return limit


def encode_cursor(field: str, value: object, item_id: int) -> str:
    """The cursor continuing after the item with ``item_id`` and ``value`` of ``field``."""
    text = json.dumps({"field": field, "fieldValue": value, "id": item_id},
                      separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, field: str) -> tuple[Any, int]:
    try:
        position = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        valid = (isinstance(position, dict) and position.get("field") == field
                 and isinstance(position.get("id"), int))
    except (binascii.Error, ValueError):
        valid = False
    if not valid:
        raise PipedriveError(400, "Validation failed: cursor: invalid cursor")
    return position["fieldValue"], position["id"]


def _order(value: Any) -> tuple[bool, Any]:
    # None sorts first (a deal never won has no won time).
    return (value is not None, value)


def cursor_page(items: Sequence[dict[str, Any]], query: Mapping[str, str], *,
                sort_by: str = "id", descending: bool = False,
                key: Callable[[dict[str, Any]], Any] | None = None) -> Page:
    """The page of ``items`` sorted by ``sort_by`` (then id) that ``query``'s cursor and
    limit ask for.

    Raises:
        PipedriveError: 400 for a bad ``limit`` or ``cursor``.
    """
    limit = _limit(query)
    value_of = key or (lambda item: item.get(sort_by))
    ordered = sorted(items, key=lambda item: (_order(value_of(item)), item["id"]),
                     reverse=descending)
    cursor = query.get("cursor")
    if cursor:
        value, after_id = _decode_cursor(cursor, sort_by)
        mark = (_order(value), after_id)
        ordered = [item for item in ordered
                   if ((_order(value_of(item)), item["id"]) < mark) == descending
                   and (_order(value_of(item)), item["id"]) != mark]
    page = ordered[:limit]
    more = len(ordered) > limit
    last = page[-1] if page else None
    next_cursor = (encode_cursor(sort_by, value_of(last), last["id"])
                   if more and last is not None else None)
    return Page(page, next_cursor)


def offset_page(items: Sequence[dict[str, Any]], query: Mapping[str, str]
                ) -> tuple[list[dict[str, Any]], int, int, bool]:
    """v1's page: the items from ``start`` up to ``limit``, the start, limit and whether
    more follow.

    Raises:
        PipedriveError: 400 for a bad ``start`` or ``limit``.
    """
    limit = _limit(query)
    try:
        start = int(query.get("start", "0"))
    except ValueError:
        start = -1
    if start < 0:
        raise PipedriveError(400, "Validation failed: start: must be a non-negative integer")
    return list(items[start:start + limit]), start, limit, len(items) > start + limit
