"""e-conomic's answers: JSON bodies, links and the REST API's error shape.

An error is ``{"message", "developerHint", "logId", "httpStatusCode",
"errors"?, "logTime"}``; validation errors are keyed by property, each holding
``{"errors": [{"errorCode", "message", "value"?, "developerHint"}]}``, and an
array's entries are listed with their ``arrayIndex`` [E1][E15] (the captured
``apaq-error_bad_request.json``).
"""

from __future__ import annotations

import json
import re
import secrets
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from ledgerlink.emulation import EmuRequest, EmuResponse

__all__ = [
    "API_ROOT",
    "EconomicError",
    "FieldError",
    "answer",
    "error_response",
    "field_errors",
    "link",
    "request_body",
]

#: The public host every ``self`` link names (as the real API's answers do).
API_ROOT = "https://restapi.e-conomic.com"

#: The hint e-conomic gives with a validation error [E15].
VALIDATION_HINT = "Inspect validation errors and correct your request."


class FieldError:
    """One refused value: the path to it (names and list indexes), code and message."""

    def __init__(self, path: Sequence[str | int], code: str, message: str, *,
                 value: Any = None, hint: str = "Please check your request data.") -> None:
        self.path = list(path)
        self.code = code
        self.message = message
        self.value = value
        self.hint = hint

    def entry(self) -> dict[str, Any]:
        """The entry under the field's ``errors`` list."""
        entry: dict[str, Any] = {"errorCode": self.code, "message": self.message}
        if self.value is not None:
            entry["value"] = self.value
        entry["developerHint"] = self.hint
        return entry


class EconomicError(Exception):
    """A refusal answered in e-conomic's error shape."""

    def __init__(self, status: int, message: str, hint: str, *,
                 errors: Sequence[FieldError] = (), extra: Mapping[str, Any] | None = None,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.hint = hint
        self.errors = list(errors)
        self.extra = dict(extra or {})
        self.headers = dict(headers or {})

    @classmethod
    def validation(cls, errors: Sequence[FieldError]) -> EconomicError:
        """A 400 "Validation error." listing ``errors`` by field."""
        return cls(400, "Validation error.", VALIDATION_HINT, errors=errors)


def field_errors(errors: Sequence[FieldError]) -> dict[str, Any]:
    """The ``errors`` object: nested by property, arrays as entries with ``arrayIndex``."""
    tree: dict[str, Any] = {}
    for error in errors:
        node = tree
        path = error.path or ["body"]
        index = 0
        while index < len(path) - 1:
            name, following = path[index], path[index + 1]
            if isinstance(following, int):
                entries = node.setdefault(str(name), [])
                entry = next((e for e in entries if e["arrayIndex"] == following), None)
                if entry is None:
                    entry = {"arrayIndex": following}
                    entries.append(entry)
                node = entry
                index += 2
            else:
                node = node.setdefault(str(name), {})
                index += 1
        if index < len(path):
            node.setdefault(str(path[index]), {}).setdefault("errors", []).append(error.entry())
        else:
            node.setdefault("errors", []).append(error.entry())
    return tree


def answer(status: int, payload: object, headers: Mapping[str, str] | None = None
           ) -> EmuResponse:
    """A JSON answer; decimals are written as JSON numbers with their exact digits."""
    text = json.dumps(payload, default=_marked, ensure_ascii=False)
    body = _MARKED.sub(lambda found: found[1], text).encode()
    return EmuResponse(status, {"content-type": "application/json", **(headers or {})}, body)


# The json module writes a Decimal only through ``default`` and only as a string; the
# digits are marked (a control character and a per-process nonce no client can guess)
# and unquoted after.
_NONCE = secrets.token_hex(8)
_MARK = "\x00" + _NONCE
_MARKED = re.compile(r'"\\u0000' + _NONCE + r'(-?[0-9.Ee+-]+)"')


def _marked(value: object) -> object:
    if isinstance(value, Decimal) and value.is_finite():
        return _MARK + str(value)
    return str(value)


def error_response(error: EconomicError, now: datetime) -> EmuResponse:
    """``error`` in e-conomic's shape."""
    payload: dict[str, Any] = {"message": error.message, "developerHint": error.hint,
                               "logId": str(uuid.uuid4()), "httpStatusCode": error.status}
    payload.update(error.extra)
    if error.errors:
        payload["errors"] = field_errors(error.errors)
    payload["logTime"] = now.strftime("%Y-%m-%dT%H:%M:%S")
    return answer(error.status, payload, error.headers)


def link(*parts: object) -> str:
    """A ``self`` link under the API root."""
    return API_ROOT + "/" + "/".join(str(p) for p in parts)


def request_body(request: EmuRequest) -> Any:
    """The JSON body (decimals exact), or a 400 when it is not JSON."""
    try:
        return request.json()
    except ValueError as error:
        raise EconomicError(400, "The request body is not valid JSON.",
                            "Send a JSON body with Content-Type: application/json.") from error
