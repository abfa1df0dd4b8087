"""e-conomic's two error shapes, read in one function.

The REST API answers ``{"message", "developerHint", "logId", "httpStatusCode",
"errors": {<field>: {"errors": [{"errorCode", "message", "value"?}]},
"lines": [{"arrayIndex": 0, ...}]}, "logTime"}`` [E1][E15]; the newer services
(the Webhooks API) answer ``application/problem+json`` with ``title``/``detail``,
``errors[]{message, errorCode, property}``, ``errorCode`` and ``traceId`` [E5][E14].
:func:`parse_fault` keeps the provider's message followed by every field message
(``lines[0].product: ...``), the first error code, and ``logId``/``traceId`` as the
request id for support. The class follows the status (429 and 5xx are retried by
the shared layer); a body that is neither shape keeps a short, secret-free excerpt.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx

from ledgerlink.http.errors import Fault
from ledgerlink.http.redact import redact_text

__all__ = ["field_messages", "parse_fault"]

#: Longest excerpt of a body that is neither error shape.
_EXCERPT = 300


def field_messages(errors: object, where: str = "") -> list[tuple[str, str | None]]:
    """Every (message, code) of a REST ``errors`` object, each message prefixed by the
    property path it is about (``lines[0].unitNetPrice: ...``)."""
    found: list[tuple[str, str | None]] = []
    if isinstance(errors, list):
        for item in errors:
            if isinstance(item, Mapping) and "message" in item and (
                    "errorCode" in item or "arrayIndex" not in item):
                text = str(item.get("message") or "").strip()
                code = item.get("errorCode")
                found.append((f"{where}: {text}" if where else text,
                              str(code) if code else None))
            elif isinstance(item, Mapping):
                index = item.get("arrayIndex")
                inner = {k: v for k, v in item.items() if k != "arrayIndex"}
                found += field_messages(inner, f"{where}[{index}]")
        return found
    if not isinstance(errors, Mapping):
        return found
    for name, value in errors.items():
        if name == "errors":
            found += field_messages(value, where)
        else:
            found += field_messages(value, f"{where}.{name}".lstrip("."))
    return found


def _problem(body: Mapping[str, Any]) -> Fault:
    """A problem+json answer of the newer services."""
    message = str(body.get("detail") or body.get("title") or body.get("message") or "").strip()
    details: list[str] = []
    code = body.get("errorCode")
    for item in body.get("errors") or ():
        if isinstance(item, Mapping):
            text = str(item.get("message") or "").strip()
            prop = item.get("property")
            details.append(f"{prop}: {text}" if prop else text)
            code = code or item.get("errorCode")
    return _fault(message, details, code, body.get("traceId"))


def _rest(body: Mapping[str, Any]) -> Fault:
    """A REST API error: ``message`` and the field errors; ``developerHint`` when alone."""
    message = str(body.get("message") or "").strip()
    pairs = field_messages(body.get("errors"))
    code = next((c for _, c in pairs if c), body.get("errorCode"))
    details = [text for text, _ in pairs]
    if not details and body.get("developerHint"):
        details = [str(body["developerHint"]).strip()]
    return _fault(message, details, code, body.get("logId"))


def _fault(message: str, details: list[str], code: object, request_id: object) -> Fault:
    details = [text for text in details if text and text != message]
    if details:
        message = f"{message} ({'; '.join(details)})" if message else "; ".join(details)
    return Fault(redact_text(message or "e-conomic refused the request"),
                 str(code) if code else None, None,
                 str(request_id) if request_id else None)


def parse_fault(response: httpx.Response) -> Fault | None:
    """The error an e-conomic answer carries, or None for a success."""
    if not response.is_error:
        return None
    text = response.text.strip() if response.content else ""
    if not text:
        return None  # the status alone decides; the shared layer names it
    try:
        body: Any = json.loads(text)
    except ValueError:
        body = None
    if isinstance(body, Mapping):
        if "traceId" in body or "title" in body or "problem+json" in response.headers.get(
                "content-type", ""):
            return _problem(body)
        if "message" in body or "errors" in body or "developerHint" in body:
            return _rest(body)
    return Fault(redact_text(" ".join(text.split())[:_EXCERPT]), None, None)
