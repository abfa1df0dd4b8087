"""Billy's answers on the wire: the ``meta`` envelope, the error body, ids and times.

A success carries ``meta{statusCode, success, time}`` (lists add ``paging``);
an error is ``{"meta": {"statusCode", "success": false}, "errorMessage",
"errorCode", "helpUrl"}`` plus ``validationErrors`` for an invalid record, each
as in the captured examples [B2]. :class:`BillyError` is raised inside the
emulator and rendered in that shape.

``validationErrors`` maps a key to ``{"message": ...}``: the captured example
keys a record-level message by the record (``"invoice"``); the emulator keys a
property's problem by its path (``"invoice.lines[0].unitPrice"``), the same
shape naming the property (inferred: the page shows no property-level example).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from ledgerlink.emulation import EmuRequest as EmuRequest
from ledgerlink.emulation import EmuResponse as EmuResponse

__all__ = [
    "HELP_URL",
    "BillyError",
    "EmuRequest",
    "EmuResponse",
    "error_response",
    "invalid_record",
    "json_response",
    "new_id",
    "not_found",
    "ok",
    "stamp",
]

JSON_TYPE = "application/json; charset=utf-8"
PDF_TYPE = "application/pdf"
#: ``helpUrl`` of every captured error [B2].
HELP_URL = "https://billysbilling.com/api"
#: Seconds reported as ``meta.time`` (the emulator answers at once).
ANSWER_TIME = 0.001

# errorCode values: the captured examples [B2] and the auth codes seen by a third party [B4].
INVALID_RECORD = "INVALID_RECORD"
INVALID_REQUEST_BODY = "INVALID_REQUEST_BODY"
RECORD_NOT_FOUND = "RECORD_NOT_FOUND"
INTERNAL_ERROR = "INTERNAL_ERROR"
AUTHENTICATION_REQUIRED = "AUTHENTICATION_REQUIRED"
INVALID_ACCESS_TOKEN = "OAUTH_INVALID_ACCESS_TOKEN"
# Not in the material: (inferred) names in the same style.
ROUTE_NOT_FOUND = "ROUTE_NOT_FOUND"
METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
INVALID_PARAMETER = "INVALID_PARAMETER"
TOO_MANY_REQUESTS = "TOO_MANY_REQUESTS"


class BillyError(Exception):
    """An error answered in Billy's body shape.

    Attributes:
        status: HTTP status.
        code: ``errorCode``.
        message: ``errorMessage``.
        validation: ``validationErrors`` (key -> message), or None for none.
    """

    def __init__(self, status: int, code: str, message: str,
                 validation: Mapping[str, str] | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.validation = dict(validation) if validation else None

    def body(self) -> dict[str, Any]:
        """The JSON error body."""
        body: dict[str, Any] = {
            "meta": {"statusCode": self.status, "success": False},
            "errorMessage": self.message,
            "errorCode": self.code,
            "helpUrl": HELP_URL,
        }
        if self.validation is not None:
            body["validationErrors"] = {key: {"message": text}
                                        for key, text in self.validation.items()}
        return body


def invalid_record(problems: Mapping[str, str] | Iterable[tuple[str, str]]) -> BillyError:
    """400 ``INVALID_RECORD`` with one ``validationErrors`` entry per (key, message)."""
    pairs = problems.items() if isinstance(problems, Mapping) else problems
    details: dict[str, str] = {}
    for key, text in pairs:
        details.setdefault(key, text)
    return BillyError(400, INVALID_RECORD, "Invalid record", details)


def rule(record: str, message: str) -> BillyError:
    """A record-level refusal, as the captured ``error_bad_request.json`` words one."""
    return invalid_record({record: message})


def not_found(kind: str, record_id: str) -> BillyError:
    """404 ``RECORD_NOT_FOUND`` worded as the captured example [B2]."""
    return BillyError(404, RECORD_NOT_FOUND,
                      f"No `{kind}` record with id `{record_id}` was found.")


def bad_parameter(name: str, message: str) -> BillyError:
    """400 for a query parameter the endpoint does not take or cannot read (inferred)."""
    return BillyError(400, INVALID_PARAMETER, message, {name: message})


class _Encoder(json.JSONEncoder):
    """Amounts as JSON numbers, as Billy writes them (``"amount": 374.4``) [B2]."""

    def default(self, o: object) -> object:
        if isinstance(o, Decimal):
            return int(o) if o == o.to_integral_value() else float(o)
        return super().default(o)


def json_response(status: int, payload: object) -> EmuResponse:
    """A JSON answer (non-ASCII kept)."""
    text = json.dumps(payload, cls=_Encoder, ensure_ascii=False)
    return EmuResponse(status, {"content-type": JSON_TYPE}, text.encode())


def ok(payload: Mapping[str, Any], *, paging: Mapping[str, Any] | None = None,
       meta: Mapping[str, Any] | None = None) -> EmuResponse:
    """A 200 with ``meta`` (and ``paging`` for a list) before the records."""
    head: dict[str, Any] = {"statusCode": 200, "success": True}
    if paging is not None:
        head["paging"] = dict(paging)
    head.update(meta or {})
    head["time"] = ANSWER_TIME
    return json_response(200, {"meta": head, **payload})


def error_response(error: BillyError) -> EmuResponse:
    """Answer ``error`` in Billy's body shape."""
    return json_response(error.status, error.body())


def new_id() -> str:
    """A record id like Billy's: 22 URL-safe characters (16 random bytes)."""
    return secrets.token_urlsafe(16)


def stamp(moment: datetime) -> str:
    """A datetime as Billy writes ``createdTime``: UTC, seconds, no offset [B2]."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
