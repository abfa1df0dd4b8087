"""Dinero's error bodies, read in one place.

Dinero answers errors in these shapes (NOTES-danish.md §1.5, examples/error_*.json):

* the API's JSON error, ``{"code": 58, "message": "...", "validationErrors":
  {...}, "languageSpecificMessages": [...], "errorMessageList": [...]}`` [D18][D6];
* the token endpoint's OAuth error, plain (``{"error": "invalid_grant"}``) or
  wrapped as text in ``message`` (``{"message": "{ \\"error\\": ... }"}``) [D18];
* plain text, as the 429 "API calls quota exceeded! (...)" [D5][D6].

All are read into the HTTP layer's :class:`~ledgerlink.http.errors.Fault`,
keeping Dinero's own words: ``message``, followed by the ``validationErrors``
details that say which field is wrong. Codes are strings. The error class
follows the code where the code decides it (a stale Timestamp arrives as HTTP
400 but is a conflict), otherwise the HTTP status. A 403 is explained: the
usual cause is an organisation without the plan the API needs [D3][D6].
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx

from ledgerlink.http.errors import Fault, FaultKind
from ledgerlink.http.redact import redact_text

__all__ = [
    "BROWNOUT_MESSAGE",
    "BROWNOUT_STATUS",
    "CODE_KINDS",
    "ITEM_DELETED",
    "MISSING_PLAN_CODES",
    "NOT_FOUND",
    "NO_PLAN_MESSAGE",
    "STALE_TIMESTAMP",
    "is_stale_timestamp",
    "parse_fault",
]

#: The Timestamp sent is not the latest: re-read the object and decide again [D6][D9].
STALE_TIMESTAMP = "58"
#: "Not found" [D6].
NOT_FOUND = "40"
#: "Item is deleted", seen in a captured fixture [D18].
ITEM_DELETED = "65"
#: Codes of a 403 for an organisation without the required plan: 48 in the API docs,
#: 90 on the error page [D3][D6].
MISSING_PLAN_CODES = frozenset({"48", "90"})
#: What a 403 says before Dinero's own text.
NO_PLAN_MESSAGE = ("Dinero refused access to the organisation: it lacks the plan the API "
                   "requires (Pro), or the token lacks the dineropublicapi scopes")

#: "Brownout": a deprecated endpoint fails at random before it is removed [D6].
BROWNOUT_STATUS = 480
#: What a brownout says before Dinero's own text: retrying will not help for long.
BROWNOUT_MESSAGE = "Dinero is retiring this endpoint (HTTP 480 brownout); migrate to its successor"

#: Codes whose meaning decides the error class, whatever the HTTP status [D6][D18].
CODE_KINDS: dict[str, FaultKind] = {
    STALE_TIMESTAMP: "conflict",
    NOT_FOUND: "not_found",
    ITEM_DELETED: "not_found",
    "41": "auth",  # unauthorized
    "48": "auth",  # organisation without the API plan
    "90": "auth",
}

#: Longest plain-text body kept as a message (the 429 text is one short line).
_TEXT_CHARS = 500


def _details(validation: object) -> list[str]:
    """``validationErrors`` as short ``field: text`` items (``message`` keys bare)."""
    if not isinstance(validation, Mapping):
        return []
    items = []
    for key, value in validation.items():
        text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        if text:
            items.append(text if key in ("message", "Message") else f"{key}: {text}")
    return items


def _api_fault(body: Mapping[str, Any], status: int) -> Fault:
    raw_code = body.get("code", body.get("Code"))
    code = str(raw_code) if raw_code not in (None, "") else None
    message = str(body.get("message") or body.get("Message") or "").strip()
    details = [d for d in _details(body.get("validationErrors")) if d != message]
    if details:
        message = f"{message} ({'; '.join(details)})" if message else "; ".join(details)
    if not message:
        message = f"Dinero answered HTTP {status} with error code {code}"
    kind = CODE_KINDS.get(code or "")
    if status == 403 or code in MISSING_PLAN_CODES:
        return Fault(f"{NO_PLAN_MESSAGE}: {message}", code, "auth")
    return Fault(message, code, kind)


def _oauth_fault(body: Mapping[str, Any]) -> Fault:
    error = str(body["error"])
    return Fault(str(body.get("error_description") or error), error, "auth")


def _wrapped_oauth(message: object) -> Mapping[str, Any] | None:
    """The token endpoint's ``{"message": "{ \\"error\\": ... }"}`` inner object."""
    if not isinstance(message, str) or not message.lstrip().startswith("{"):
        return None
    try:
        inner = json.loads(message)
    except ValueError:
        return None
    if isinstance(inner, Mapping) and isinstance(inner.get("error"), str):
        return inner
    return None


def is_stale_timestamp(fault: Fault | None) -> bool:
    """True for error 58: the Timestamp sent was not the latest."""
    return fault is not None and fault.code == STALE_TIMESTAMP


def parse_fault(response: httpx.Response) -> Fault | None:
    """The error a Dinero response carries, or None for a success.

    Dinero reports errors only under error statuses; a success body (an
    invoice, a PDF) is never read as a fault.
    """
    fault = _parse(response)
    if response.status_code == BROWNOUT_STATUS:
        words = fault.message if fault else response.reason_phrase
        return Fault(f"{BROWNOUT_MESSAGE}: {words}" if words else BROWNOUT_MESSAGE,
                     fault.code if fault else None, "other")
    return fault


def _parse(response: httpx.Response) -> Fault | None:
    status = response.status_code
    if not response.is_error:
        return None
    text = response.text.strip()
    if not text:
        return Fault(NO_PLAN_MESSAGE, None, "auth") if status == 403 else None
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    if not isinstance(body, Mapping):
        # Plain text ("API calls quota exceeded! ..."): Dinero's words, secrets masked.
        message = redact_text(text[:_TEXT_CHARS])
        if status == 403:
            return Fault(f"{NO_PLAN_MESSAGE}: {message}", None, "auth")
        return Fault(message, None, None)
    if isinstance(body.get("error"), str):
        return _oauth_fault(body)
    inner = _wrapped_oauth(body.get("message"))
    if inner is not None:
        return _oauth_fault(inner)
    return _api_fault(body, status)
