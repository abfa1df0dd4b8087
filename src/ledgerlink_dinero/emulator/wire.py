"""Request/response values of the Dinero emulator and Dinero's JSON error body.

Dinero answers errors as ``{"code", "message", "validationErrors",
"languageSpecificMessages", "errorMessageList"}`` (the shape of the captured
``error_not_found.json``); :class:`DineroError` is raised inside the emulator
and rendered in that shape.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

# Re-exported: the emulator's modules take the shared values from here.
from ledgerlink.emulation import EmuRequest as EmuRequest
from ledgerlink.emulation import EmuResponse as EmuResponse

JSON_TYPE = "application/json; charset=utf-8"
PDF_TYPE = "application/pdf"

# Dinero error codes (developer.dinero.dk, "Error and status").
NOT_FOUND = 40
UNAUTHORIZED = 41
VALIDATION = 42
LIMIT_EXCEEDED = 43
INVALID_FILTER = 46
PLAN_REQUIRED = 48
NO_RECEIVER_EMAIL = 55
TIMESTAMP_OUT_OF_DATE = 58
ITEM_DELETED = 65


class DineroError(Exception):
    """An error answered in Dinero's body shape.

    Attributes:
        status: HTTP status.
        code: Dinero's numeric error code.
        message: Dinero's message.
        validation: Field name to message, copied into ``validationErrors``.
    """

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        validation: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.validation = dict(validation or {})

    def body(self) -> dict[str, Any]:
        """The JSON error body."""
        details = self.validation or {"message": self.message}
        return {
            "code": self.code,
            "message": self.message,
            "validationErrors": details,
            "languageSpecificMessages": [
                {"property": name, "message": text} for name, text in details.items()
            ],
            "errorMessageList": [{"Code": name, "Message": text} for name, text in details.items()],
        }


def validation_error(field: str, message: str) -> DineroError:
    """Code 42 "Validation Error" naming one field."""
    return DineroError(400, VALIDATION, "Validation Error", {field: message})


def stale_timestamp() -> DineroError:
    """Code 58: the Timestamp sent is not the entity's current one."""
    return DineroError(
        400,
        TIMESTAMP_OUT_OF_DATE,
        "Timestamp out of date",
        {"Timestamp": "The timestamp is out of date. Fetch the entity again and retry."},
    )


def not_found(kind: str, guid: str) -> DineroError:
    """Code 40: no such entity in the organisation."""
    return DineroError(404, NOT_FOUND, "Not found", {"message": f"{kind} {guid} was not found."})


def deleted(kind: str) -> DineroError:
    """Code 65, as in the captured ``error_not_found.json``."""
    return DineroError(
        404,
        ITEM_DELETED,
        "Item is deleted",
        {"message": f"Invalid {kind}Guid, the {kind.lower()} is deleted."},
    )


def _default(value: object) -> object:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(payload: object) -> bytes:
    """Encode ``payload`` as JSON (decimals as numbers, non-ASCII kept)."""
    return json.dumps(payload, default=_default, ensure_ascii=False).encode()


def json_response(status: int, payload: object) -> EmuResponse:
    """A JSON response."""
    return EmuResponse(status, {"content-type": JSON_TYPE}, dumps(payload))


def error_response(error: DineroError) -> EmuResponse:
    """Answer ``error`` in Dinero's body shape."""
    return json_response(error.status, error.body())


def text_response(status: int, text: str) -> EmuResponse:
    """A plain-text response (Dinero answers 429 and gateway errors as text)."""
    return EmuResponse(status, {"content-type": "text/plain; charset=utf-8"}, text.encode())


def stamp(moment: float) -> str:
    """Format an epoch time like Dinero's ``CreatedAt`` (UTC, milliseconds, no offset)."""
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]


def parse_moment(text: str) -> float:
    """Read an ISO date-time (``changesSince``); a missing offset means UTC."""
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()
