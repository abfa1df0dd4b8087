"""The Webhooks API v1.0.0 (``apis.e-conomic.com/webhooksapi/v1.0.0``), served under
:data:`PREFIX` beside the REST API [E6].

``GET /EventTypes``; ``GET``/``POST``/``PUT /webhooks``; ``GET``/``DELETE
/webhooks/{eventType}``. A body is checked against the ``Webhook`` schema's
rules (``eventType``, ``name``, ``url`` and ``contentType`` required strings, at
most 5 ``customHeaders`` of ``key``/``value``); one webhook per event type (a
second POST is refused); PUT needs the current ``objectVersion`` (409 when
stale) and answers 204. Refusals use the service's problem+json shape
(:func:`problem_response`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from ledgerlink.emulation import EmuResponse
from ledgerlink_economic.emulator.resources import Call
from ledgerlink_economic.emulator.webhooks import INVOICE_BOOKED, Webhooks
from ledgerlink_economic.emulator.wire import EconomicError, FieldError, answer

__all__ = ["PREFIX", "problem_response", "webhook_routes"]

PREFIX = "/webhooksapi/v1.0.0"
_REQUIRED = ("eventType", "name", "url", "contentType")
_LIMITS = {"name": 100, "url": 1000, "contentType": 50, "postData": 4000}
#: The event types served, with their merge fields [E11].
EVENT_TYPES = [
    {"name": INVOICE_BOOKED, "description": "An invoice was booked.",
     "mergeFields": [{"fieldName": "[INVOICENO]", "description": "The invoice number."}]},
    {"name": "CUSTOMER_UPDATED", "description": "A customer was created or changed.",
     "mergeFields": [{"fieldName": "[NEWNUMBER]", "description": "The customer number."},
                     {"fieldName": "[OLDNUMBER]", "description": "The number before."}]},
]


def problem_response(error: EconomicError, now: datetime) -> EmuResponse:
    """``error`` in the newer services' ``application/problem+json`` shape [E5][E14]."""
    payload: dict[str, Any] = {
        "type": f"https://httpstatuses.io/{error.status}", "title": error.message,
        "status": error.status, "detail": error.hint,
        "errors": [{"message": e.message, "errorCode": e.code,
                    "property": ".".join(str(part) for part in e.path)} for e in error.errors],
        "traceId": uuid.uuid4().hex, "errorCode": error.errors[0].code if error.errors else "",
        "traceTimeUtc": now.strftime("%Y-%m-%dT%H:%M:%S")}
    response = answer(error.status, payload, error.headers)
    return EmuResponse(response.status, {**response.headers,
                                         "content-type": "application/problem+json"},
                       response.body)


def _checked(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise EconomicError.validation([FieldError([], "E00100",
                                                   "The body must be a JSON object.")])
    problems = [FieldError([name], "E00100", f"{name} is required.")
                for name in _REQUIRED if not isinstance(body.get(name), str) or not body[name]]
    problems += [FieldError([name], "E00100", f"{name} is longer than {limit}.")
                 for name, limit in _LIMITS.items()
                 if isinstance(body.get(name), str) and len(body[name]) > limit]
    headers = body.get("customHeaders") or []
    if not isinstance(headers, list) or len(headers) > 5 or not all(
            isinstance(h, dict) and isinstance(h.get("key"), str) for h in headers):
        problems.append(FieldError(["customHeaders"], "E00100",
                                   "At most 5 custom headers, each a key and a value."))
    if problems:
        raise EconomicError.validation(problems)
    return {key: body[key] for key in (*_REQUIRED, "postData", "customHeaders", "isDisabled")
            if key in body}


def webhook_routes(webhooks: Webhooks
                   ) -> list[tuple[str, str, Callable[[Call], EmuResponse], bool]]:
    """(method, path, handler, writes) of the service, over ``webhooks``."""

    def key(call: Call, event_type: str) -> tuple[int, str]:
        return (call.agreement.agreement_number, event_type)

    def found(call: Call, event_type: str) -> dict[str, Any]:
        hook = webhooks.hooks.get(key(call, event_type))
        if hook is None:
            raise EconomicError(404, "Webhook not found.",
                                f"No webhook for the event type {event_type}.")
        return hook

    def event_types(call: Call) -> EmuResponse:
        return answer(200, EVENT_TYPES)

    def listing(call: Call) -> EmuResponse:
        with webhooks.lock:
            items = [dict(hook) for (number, _), hook in sorted(webhooks.hooks.items())
                     if number == call.agreement.agreement_number]
        return answer(200, {"items": items})

    def create(call: Call) -> EmuResponse:
        body = _checked(call.body())
        with webhooks.lock:
            if key(call, body["eventType"]) in webhooks.hooks:
                raise EconomicError.validation([FieldError(
                    ["eventType"], "E00200", "Only one webhook per event type is allowed.")])
            webhooks.hooks[key(call, body["eventType"])] = {
                **body, "isDisabled": bool(body.get("isDisabled", False)),
                "lastUpdated": call.now.isoformat(), "objectVersion": "1"}
        return answer(201, {"eventType": body["eventType"]})

    def read(call: Call) -> EmuResponse:
        with webhooks.lock:
            return answer(200, dict(found(call, call.arguments["eventType"])))

    def update(call: Call) -> EmuResponse:
        raw = call.body()
        body = _checked(raw)
        with webhooks.lock:
            current = found(call, body["eventType"])
            if raw.get("objectVersion") != current["objectVersion"]:
                raise EconomicError(409, "Update conflict. Version does not match.",
                                    "Retrieve the resource/object and try the update again.")
            webhooks.hooks[key(call, body["eventType"])] = {
                **body, "isDisabled": bool(body.get("isDisabled", False)),
                "lastUpdated": call.now.isoformat(),
                "objectVersion": str(int(current["objectVersion"]) + 1)}
        return EmuResponse(204, {}, b"")

    def delete(call: Call) -> EmuResponse:
        with webhooks.lock:
            found(call, call.arguments["eventType"])
            del webhooks.hooks[key(call, call.arguments["eventType"])]
        return EmuResponse(204, {}, b"")

    return [("GET", f"{PREFIX}/EventTypes", event_types, False),
            ("GET", f"{PREFIX}/webhooks", listing, False),
            ("POST", f"{PREFIX}/webhooks", create, True),
            ("PUT", f"{PREFIX}/webhooks", update, True),
            ("GET", f"{PREFIX}/webhooks/{{eventType}}", read, False),
            ("DELETE", f"{PREFIX}/webhooks/{{eventType}}", delete, True)]
