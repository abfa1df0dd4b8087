"""Reading requests: the body checked against its swagger model, the query against the
endpoint's parameters, then numbers, guids, units and accounts out of a checked body."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import attrs

from ledgerlink_dinero.emulator import schema
from ledgerlink_dinero.emulator.state import Organisation
from ledgerlink_dinero.emulator.wire import VALIDATION, DineroError, EmuRequest, validation_error


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


def refusal(problems: Iterable[schema.Problem]) -> DineroError | None:
    """Error 42 listing every problem under its field path (ASP.NET's model state), or None."""
    details: dict[str, str] = {}
    for problem in problems:
        details.setdefault(problem.path, problem.detail)
    if not details:
        return None
    return DineroError(400, VALIDATION, "Validation Error", details)


def model(
    request: EmuRequest, spec: schema.Model, *, exempt: Iterable[str] = ()
) -> dict[str, Any]:
    """The JSON body as ``spec``, or Dinero's 42: a missing/unbound model, unknown
    fields, wrong types, missing required fields (but ``exempt`` ones), limits.
    A write takes no query parameters."""
    try:
        body = request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise DineroError(
            400,
            VALIDATION,
            "Validation Error",
            {"globalErrors[]": "The following models are missing: model"},
        )
    skipped = frozenset(exempt)
    problems = [
        p
        for p in schema.check(spec, body)
        if not (p.kind == "required" and not p.parent and p.field in skipped)
    ]
    error = refusal([*schema.query_problems(request.query, schema.NO_QUERY), *problems])
    if error is not None:
        raise error
    return body


def query(request: EmuRequest, parameters: Mapping[str, str]) -> Mapping[str, str]:
    """The query string when every parameter is one the endpoint documents (else 42)."""
    error = refusal(schema.query_problems(request.query, parameters))
    if error is not None:
        raise error
    return request.query


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
    if value not in schema.UNITS:
        raise validation_error("Unit", f"Unit must be one of: {', '.join(schema.UNITS)}.")
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
