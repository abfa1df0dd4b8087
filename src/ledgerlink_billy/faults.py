"""Billy's error bodies, read in one function.

Billy answers errors as ``{"meta": {"statusCode": 400, "success": false},
"errorCode": "INVALID_RECORD", "errorMessage": "Invalid record", "helpUrl": "…",
"validationErrors": {"invoice": {"message": "…", "attributes": {…}}}}``
[B2][B4]. :func:`parse_fault` keeps ``errorCode`` as the error's code and
``errorMessage`` followed by every validation message (record and field) as its
message, so the person reading it sees which field Billy refused. Codes seen:
``INVALID_RECORD`` (400), ``RECORD_NOT_FOUND`` (404), ``INVALID_REQUEST_BODY``,
``AUTHENTICATION_REQUIRED`` and ``OAUTH_INVALID_ACCESS_TOKEN`` (401),
``INTERNAL_ERROR`` (5xx). The class follows the code where it decides it
(not found, auth), otherwise the HTTP status (429 and 5xx are transient and
retried by the shared layer). A body that is not Billy's JSON (a proxy's page)
keeps a short, secret-free excerpt.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx

from ledgerlink.http.errors import Fault, FaultKind
from ledgerlink.http.redact import redact_text

__all__ = ["AUTH_CODES", "CODE_KINDS", "INVALID_RECORD", "NOT_FOUND", "parse_fault",
           "validation_messages"]

#: A record Billy refused (validation) [B2].
INVALID_RECORD = "INVALID_RECORD"
#: No record with that id [B2].
NOT_FOUND = "RECORD_NOT_FOUND"
#: The token is missing or not accepted [B3][B4 (3p)].
AUTH_CODES = frozenset({"AUTHENTICATION_REQUIRED", "OAUTH_INVALID_ACCESS_TOKEN"})
#: Codes that decide the error class whatever the status.
CODE_KINDS: dict[str, FaultKind] = {NOT_FOUND: "not_found",
                                    **{code: "auth" for code in AUTH_CODES}}
#: Longest excerpt of a body that is not Billy's JSON.
_EXCERPT = 300


def validation_messages(errors: object, where: str = "") -> list[str]:
    """Every message in ``validationErrors``, each prefixed by the record and field it
    is about (``invoice.entryDate: …``); a record's own ``message`` by the record."""
    if isinstance(errors, str):
        return [f"{where}: {errors}" if where else errors]
    if isinstance(errors, list):
        return [text for item in errors for text in validation_messages(item, where)]
    if not isinstance(errors, Mapping):
        return []
    found = []
    for name, value in errors.items():
        if name == "message":
            found += validation_messages(value, where)
        elif name == "attributes":
            found += [text for field, said in (value.items() if isinstance(value, Mapping)
                                               else ())
                      for text in validation_messages(said, f"{where}.{field}".lstrip("."))]
        else:
            found += validation_messages(value, f"{where}.{name}".lstrip("."))
    return found


def _billy_fault(body: Mapping[str, Any], status: int) -> Fault:
    code = body.get("errorCode")
    code = str(code) if code not in (None, "") else None
    message = str(body.get("errorMessage") or "").strip()
    details = [text for text in validation_messages(body.get("validationErrors"))
               if text != message]
    if details:
        message = f"{message} ({'; '.join(details)})" if message else "; ".join(details)
    if not message:
        message = f"Billy answered HTTP {status}" + (f" ({code})" if code else "")
    return Fault(redact_text(message), code, CODE_KINDS.get(code or ""))


def parse_fault(response: httpx.Response) -> Fault | None:
    """The error a Billy response carries, or None for a success.

    Billy's envelope also says ``meta.success``; an answer under a 2xx status
    with ``success: false`` is an error too (never seen; inferred).
    """
    text = response.text.strip() if response.content else ""
    body: Any = None
    if text:
        try:
            body = json.loads(text)
        except ValueError:
            body = None
    meta = body.get("meta") if isinstance(body, Mapping) else None
    failed = isinstance(meta, Mapping) and meta.get("success") is False
    if not response.is_error and not failed:
        return None
    if isinstance(body, Mapping) and ("errorCode" in body or "errorMessage" in body
                                      or "validationErrors" in body):
        return _billy_fault(body, response.status_code)
    if not text:
        return None  # the status alone decides; the shared layer names it
    return Fault(redact_text(" ".join(text.split())[:_EXCERPT]), None, None)
