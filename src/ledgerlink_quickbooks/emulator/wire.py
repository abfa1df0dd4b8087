"""Request/response values shared by the in-process transport and the HTTP server.

Also the three QuickBooks error shapes: the data-service ``Fault.Error[]``,
the lowercase gateway ``fault.error[]`` and the XML body answered on 429.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import attrs

# Re-exported: the emulator's modules take the shared values from here.
from ledgerlink.emulation import EmuRequest as EmuRequest
from ledgerlink.emulation import EmuResponse as EmuResponse

JSON_TYPE = "application/json;charset=UTF-8"
XML_TYPE = "application/xml"


def _default(value: object) -> object:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(payload: object) -> bytes:
    """Encode ``payload`` as QuickBooks JSON (decimals as numbers)."""
    return json.dumps(payload, default=_default).encode()


def now_iso(moment: float) -> str:
    """Format an epoch time the way QuickBooks stamps ``time`` and ``MetaData``."""
    return datetime.fromtimestamp(moment, UTC).isoformat(timespec="seconds")


def json_response(status: int, payload: object) -> EmuResponse:
    """Build a JSON response with an ``intuit_tid`` header."""
    headers = {"content-type": JSON_TYPE, "intuit_tid": uuid.uuid4().hex}
    return EmuResponse(status, headers, dumps(payload))


def fault_body(
    code: str, message: str, detail: str = "", *, kind: str = "ValidationFault", element: str = ""
) -> dict[str, Any]:
    """Return a data-service ``Fault`` object (the inner part of the envelope)."""
    error = {"Message": message, "Detail": detail, "code": code, "element": element}
    return {"Error": [error], "type": kind}


class QBOFault(Exception):
    """A data-service fault raised inside the emulator and answered as ``Fault.Error[]``."""

    def __init__(
        self,
        code: str,
        message: str,
        detail: str = "",
        *,
        status: int = 400,
        kind: str = "ValidationFault",
        element: str = "",
    ) -> None:
        super().__init__(f"{code} {message}")
        self.code = code
        self.message = message
        self.detail = detail
        self.status = status
        self.kind = kind
        self.element = element

    def body(self) -> dict[str, Any]:
        """Return the ``Fault`` object."""
        return fault_body(
            self.code, self.message, self.detail, kind=self.kind, element=self.element
        )


def fault_response(fault: QBOFault, moment: float) -> EmuResponse:
    """Answer ``fault`` in the data-service envelope."""
    return json_response(fault.status, {"Fault": fault.body(), "time": now_iso(moment)})


# Error constructors with codes and texts from the official error catalogue.
def stale_object() -> QBOFault:
    """Code 5010: the SyncToken sent is not the current one."""
    return QBOFault(
        "5010",
        "Stale Object Error",
        "Stale Object Error : You and root were working on this at the same time. "
        "root finished before you did, so your work was not saved.",
    )


def not_found() -> QBOFault:
    """Code 610: the object does not exist (or was deleted or made inactive)."""
    return QBOFault(
        "610",
        "Object Not Found",
        "Object Not Found : Something you're trying to use has been made inactive. "
        "Check the fields with accounts, customers, items, vendors or employees.",
    )


def duplicate_name() -> QBOFault:
    """Code 6240: DisplayName/Name already used."""
    return QBOFault(
        "6240",
        "Duplicate Name Exists Error",
        "The name supplied already exists. : Another customer, vendor or employee is "
        "already using this name. Please use a different name.",
    )


def duplicate_doc_number() -> QBOFault:
    """Code 6210: DocNumber already used."""
    return QBOFault(
        "6210",
        "Duplicate Document Number Error",
        "Duplicate Document Number Error: You must specify a different number. "
        "This number has already been used.",
    )


def business_validation(detail: str) -> QBOFault:
    """Code 6000: a business rule refused the request."""
    return QBOFault(
        "6000",
        "A business validation error has occurred while processing your request",
        f"Business Validation Error: {detail}",
    )


def invalid_reference(element: str) -> QBOFault:
    """Code 2500: a reference names no object of its kind (e.g. an unknown TaxCodeRef)."""
    return QBOFault(
        "2500", "Invalid Reference Id", f"Invalid Reference Id : {element}", element=element
    )


def required_missing(element: str) -> QBOFault:
    """Code 2020: a required field is missing."""
    return QBOFault(
        "2020",
        "Required param missing, need to supply the required value for the API",
        f"Required parameter {element} is missing in the request",
        element=element,
    )


def string_too_long(element: str, limit: int, supplied: int) -> QBOFault:
    """Code 2050: a string is longer than Intuit's reference allows."""
    return QBOFault(
        "2050",
        "String length is either shorter or longer than supported by specification",
        "String length specified does not match the supported length. "
        f"Min:0 Max:{limit} supported. Supplied length:{supplied}",
        element=element,
    )


def gateway_unauthorized(moment: float) -> EmuResponse:
    """The auth gateway's 401 with its lowercase ``fault.error[]`` body (code 3200)."""
    body: dict[str, Any] = {
        "warnings": None,
        "intuitObject": None,
        "fault": {
            "error": [
                {
                    "message": "message=AuthenticationFailed; errorCode=003200; statusCode=401",
                    "detail": None,
                    "code": "3200",
                    "element": None,
                }
            ],
            "type": "AUTHENTICATION",
        },
        "report": None,
        "queryResponse": None,
        "batchItemResponse": [],
        "attachableResponse": [],
        "syncErrorResponse": None,
        "requestId": None,
        "time": int(moment * 1000),
        "status": None,
        "cdcresponse": [],
    }
    response = json_response(401, body)
    return attrs.evolve(response, headers={**response.headers, "www-authenticate": "Bearer"})


def throttled(moment: float) -> EmuResponse:
    """The 429 answer: XML even when JSON was asked for (code 3001)."""
    text = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<IntuitResponse time="{now_iso(moment)}" xmlns="http://schema.intuit.com/finance/v3">\n'
        '    <Fault type="SERVICE">\n'
        '        <Error code="3001">\n'
        "            <Message>message=ThrottleExceeded; errorCode=003001; "
        "statusCode=429</Message>\n"
        "            <Detail>The request limit was reached.  Try again later</Detail>\n"
        "        </Error>\n"
        "    </Fault>\n"
        "</IntuitResponse>"
    )
    headers = {"content-type": XML_TYPE, "intuit_tid": uuid.uuid4().hex}
    return EmuResponse(429, headers, text.encode())


def server_error(status: int, moment: float) -> EmuResponse:
    """An injected 5xx answered as a ``SystemFault``."""
    fault = QBOFault(
        "10000",
        "An application error has occurred while processing your request",
        "System Failure Error: injected by the emulator",
        status=status,
        kind="SystemFault",
    )
    return fault_response(fault, moment)
