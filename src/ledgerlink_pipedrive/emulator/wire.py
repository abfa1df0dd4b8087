"""Pipedrive's answers: the ``success`` envelope, the two list envelopes, times and errors.

Every answer carries ``success`` (NOTES §12). A single object is
``{"success": true, "data": {...}}``; a v2 list adds ``additional_data.next_cursor``
(null at the end, NOTES §4); a v1 list adds ``additional_data.pagination``
(``start, limit, more_items_in_collection, next_start``) and ``related_objects``.
Errors follow the shared ``errors.json``: 401 ``{success, error, errorCode,
error_info}``, 404 (and the other refusals, inferred) ``{success, error,
error_info, data, additional_data}``, 429 ``{success, error}``. v2 times are
RFC 3339 with ``Z``; v1 times ``YYYY-MM-DD HH:MM:SS`` in UTC.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from ledgerlink.emulation import EmuRequest, EmuResponse

__all__ = [
    "ERROR_INFO",
    "PipedriveError",
    "answer",
    "encode",
    "error_response",
    "list_v1",
    "list_v2",
    "parse_time",
    "request_body",
    "single",
    "v1_time",
    "v2_time",
]

#: The pointer every error answer carries (errors.json).
ERROR_INFO = "Please check developers.pipedrive.com for more information about Pipedrive API."


class PipedriveError(Exception):
    """A refusal answered in Pipedrive's error shape for its status."""

    def __init__(self, status: int, error: str, *,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.headers = dict(headers or {})


def _number(value: object) -> object:
    # Pipedrive's amounts are JSON numbers (doubles in its SDK models); a float's shortest
    # repr gives the Decimal's digits back for up to 15 significant digits.
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return str(value)


def encode(payload: object) -> bytes:
    """JSON with amounts written as numbers."""
    return json.dumps(payload, default=_number, ensure_ascii=False).encode()


def answer(status: int, payload: object, headers: Mapping[str, str] | None = None
           ) -> EmuResponse:
    """A JSON answer with amounts written as numbers."""
    return EmuResponse(status, {"content-type": "application/json", **(headers or {})},
                       encode(payload))


def single(data: object) -> EmuResponse:
    """One object (or a deletion's ``{"id"}``) in the success envelope."""
    return answer(200, {"success": True, "data": data})


def list_v2(items: Sequence[object], next_cursor: str | None) -> EmuResponse:
    """A v2 list page; ``next_cursor`` is None on the last page."""
    return answer(200, {"success": True, "data": list(items),
                        "additional_data": {"next_cursor": next_cursor}})


def list_v1(items: Sequence[object], start: int, limit: int, more: bool) -> EmuResponse:
    """A v1 list page; ``next_start`` is given only while more items follow (inferred)."""
    pagination: dict[str, Any] = {"start": start, "limit": limit,
                                  "more_items_in_collection": more}
    if more:
        pagination["next_start"] = start + limit
    return answer(200, {"success": True, "data": list(items),
                        "additional_data": {"pagination": pagination}, "related_objects": {}})


def error_response(error: PipedriveError) -> EmuResponse:
    """``error`` in the shape errors.json gives for its status."""
    payload: dict[str, Any]
    if error.status == 401:
        payload = {"success": False, "error": error.error, "errorCode": 401,
                   "error_info": ERROR_INFO}
    elif error.status == 429:
        payload = {"success": False, "error": error.error}
    else:
        payload = {"success": False, "error": error.error, "error_info": ERROR_INFO,
                   "data": None, "additional_data": None}
    return answer(error.status, payload, error.headers)


def v2_time(moment: datetime | None) -> str | None:
    """RFC 3339 in UTC with ``Z`` (``2026-01-05T09:12:44Z``)."""
    return None if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def v1_time(moment: datetime | None) -> str | None:
    """v1's ``YYYY-MM-DD HH:MM:SS`` in UTC."""
    return None if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def parse_time(text: str, name: str) -> datetime:
    """An RFC 3339 time from a query or body (a zone is required).

    Raises:
        PipedriveError: 400 naming ``name`` when it is not one.
    """
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise PipedriveError(400, f"Validation failed: {name}: must be an RFC 3339 date-time "
                                  f"such as 2025-01-01T10:20:00Z")
    return moment.astimezone(UTC)


def request_body(request: EmuRequest) -> dict[str, Any]:
    """The JSON object sent (amounts as Decimal).

    Raises:
        PipedriveError: 400 when the body is not a JSON object.
    """
    try:
        body = request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise PipedriveError(400, "Validation failed: the request body must be a JSON object")
    return body
