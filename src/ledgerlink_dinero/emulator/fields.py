"""Reading request bodies: the model, required fields, numbers, guids and units."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import attrs

from ledgerlink_dinero.emulator.state import Organisation
from ledgerlink_dinero.emulator.wire import DineroError, EmuRequest, validation_error

UNITS = frozenset(
    [
        "hours",
        "parts",
        "km",
        "day",
        "week",
        "month",
        "kilogram",
        "cubicMetre",
        "set",
        "litre",
        "box",
        "case",
        "carton",
        "metre",
        "package",
        "shipment",
        "squareMetre",
        "session",
        "tonne",
    ]
)


@attrs.frozen
class Call:
    """One API call routed to a handler.

    Attributes:
        org: The organisation in the path.
        request: The HTTP request.
        guid: The ``{guid}`` path argument, if the route has one.
        now: Epoch seconds of the call.
    """

    org: Organisation
    request: EmuRequest
    guid: str
    now: float


def model(request: EmuRequest) -> dict[str, Any]:
    """The JSON body as an object, or Dinero's 42 for a missing/unbound model."""
    try:
        body = request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise DineroError(
            400,
            42,
            "Validation Error",
            {"globalErrors[]": "The following models are missing: model"},
        )
    return body


def require(body: Mapping[str, Any], names: Iterable[str]) -> None:
    """Error 42 naming the first required field that is absent or null."""
    for name in names:
        if body.get(name) is None:
            raise validation_error(name, f"The {name} field is required.")


def amount(body: Mapping[str, Any], name: str, default: Decimal | None = None) -> Decimal:
    """A JSON number as Decimal (absent → ``default``, else error 42)."""
    value = body.get(name)
    if value is None and default is not None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise validation_error(name, f"{name} must be a number.")
    return Decimal(value)


def boolean(body: Mapping[str, Any], name: str, default: bool = False) -> bool:
    """A JSON boolean (absent → ``default``)."""
    value = body.get(name, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise validation_error(name, f"{name} must be true or false.")
    return value


def guid_or_new(body: Mapping[str, Any], name: str) -> str:
    """A client-supplied GUID (validated, lower case) or a fresh one."""
    value = body.get(name)
    if value is None:
        return str(uuid.uuid4())
    try:
        return str(uuid.UUID(str(value)))
    except ValueError as exc:
        raise validation_error(name, f"{name} is not a valid GUID.") from exc


def unit(body: Mapping[str, Any]) -> str:
    """A known ``Unit``."""
    value = body.get("Unit")
    if value not in UNITS:
        raise validation_error("Unit", f"Unit must be one of: {', '.join(sorted(UNITS))}.")
    return str(value)


def account(org: Organisation, body: Mapping[str, Any]) -> int:
    """An ``AccountNumber`` of the organisation's chart."""
    value = body.get("AccountNumber")
    if isinstance(value, bool) or not isinstance(value, int) or value not in org.accounts:
        raise validation_error("AccountNumber", f"Account {value} is not a sales account.")
    return value


def text(body: Mapping[str, Any], name: str, limit: int | None = None) -> str | None:
    """An optional string field (``limit`` = max length)."""
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise validation_error(name, f"{name} must be text.")
    if limit is not None and len(value) > limit:
        raise validation_error(name, f"{name} can be at most {limit} characters.")
    return value
