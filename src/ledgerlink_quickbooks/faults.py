"""QuickBooks' error bodies, read in one place.

QuickBooks answers errors in three shapes, and this module reads all of them
into the HTTP layer's :class:`~ledgerlink.http.errors.Fault`:

* data-service faults, ``{"Fault": {"Error": [{"Message", "Detail", "code",
  "element"}], "type": ...}}`` — also inside HTTP 200 responses and in each
  batch item;
* the authentication gateway's lowercase ``{"fault": {"error": [...]}}`` (401);
* XML ``<IntuitResponse><Fault><Error code=...>`` (throttling, some 401s),
  even when JSON was asked for.

The provider's own words are kept: ``Detail`` when present (it is the more
specific text and usually repeats ``Message``), else ``Message``. Codes are
strings. The error class follows the code where the code decides it (a stale
SyncToken arrives as HTTP 400 but is a conflict), otherwise the HTTP status.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from xml.etree import ElementTree

import httpx

from ledgerlink.http.errors import Fault, FaultKind

__all__ = ["CODE_KINDS", "STALE_OBJECT", "item_fault", "parse_fault"]

#: SyncToken no longer current: re-read the object and apply the change again.
STALE_OBJECT = "5010"

#: Codes whose meaning decides the error class, whatever the HTTP status.
CODE_KINDS: dict[str, FaultKind] = {
    STALE_OBJECT: "conflict",
    "6240": "conflict",  # duplicate DisplayName
    "6210": "conflict",  # duplicate DocNumber
    "610": "not_found",  # object not found (or made inactive)
    "3001": "transient",  # throttled: wait and retry
    "100": "auth",
    "120": "auth",  # the user lost access to the company
    "3100": "auth",
    "3200": "auth",
}

_NS = "{http://schema.intuit.com/finance/v3}"


def _fault(error: Mapping[str, Any]) -> Fault:
    # Both casings: data-service faults are capitalised, the gateway's are not.
    message = (error.get("Detail") or error.get("detail") or error.get("Message")
               or error.get("message") or "QuickBooks reported an error without a message")
    code = error.get("code")
    code = str(code) if code not in (None, "") else None
    return Fault(str(message), code, CODE_KINDS.get(code or ""))


def item_fault(item: Mapping[str, Any]) -> Fault | None:
    """The first error of a ``Fault`` object in a body or a batch item, if there is one."""
    block = item.get("Fault") or item.get("fault")
    if not isinstance(block, Mapping):
        return None
    errors = block.get("Error") or block.get("error") or []
    if not isinstance(errors, list) or not errors or not isinstance(errors[0], Mapping):
        return Fault("QuickBooks reported a fault without details", None, None)
    return _fault(errors[0])


def _xml_fault(text: str) -> Fault | None:
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError:
        return None
    error = root.find(f".//{_NS}Error")
    if error is None:
        error = root.find(".//Error")
    if error is None:
        return None

    def child(name: str) -> str | None:
        node = error.find(f"{_NS}{name}")
        if node is None:
            node = error.find(name)
        return node.text.strip() if node is not None and node.text else None

    return _fault({"code": error.get("code"), "Message": child("Message"),
                   "Detail": child("Detail")})


def parse_fault(response: httpx.Response) -> Fault | None:
    """The first error a QuickBooks response carries, or None for a clean response."""
    text = response.text
    if not text.strip():
        return None
    if text.lstrip().startswith("<"):
        return _xml_fault(text)
    try:
        body = json.loads(text)
    except ValueError:
        return None
    if not isinstance(body, Mapping):
        return None
    if "error" in body and isinstance(body.get("error"), str):
        # The OAuth token endpoint: {"error": "invalid_grant", "error_description": ...}
        return Fault(str(body.get("error_description") or body["error"]), body["error"], "auth")
    return item_fault(body)
