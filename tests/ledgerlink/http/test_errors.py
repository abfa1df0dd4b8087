"""Error mapping: one parser per connector, status/code/message/request id kept."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ledgerlink.errors import (
    ConflictError,
    NotFoundError,
    ProviderError,
    TransientProviderError,
)
from ledgerlink.http import AuthError, Fault, raise_for_provider
from ledgerlink.http.errors import FaultKind

KINDS: dict[str, FaultKind] = {"5010": "conflict", "610": "not_found"}


def parse(response: httpx.Response) -> Fault | None:
    """A QuickBooks-like parser: Fault.Error[0], under any status; code 5010 is a conflict."""
    try:
        body: Any = response.json()
    except ValueError:
        return None
    fault = body.get("Fault") if isinstance(body, dict) else None
    if not fault:
        return None
    error = fault["Error"][0]
    code = str(error["code"])
    return Fault(f"{error['Message']}: {error.get('Detail', '')}", code, KINDS.get(code))


def fault(status: int, code: str, message: str = "Boom",
          headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, headers=headers, json={
        "Fault": {"Error": [{"Message": message, "Detail": "details", "code": code}],
                  "type": "ValidationFault"}})


@pytest.mark.parametrize(("status", "expected"), [
    (400, ProviderError), (401, AuthError), (403, AuthError), (404, NotFoundError),
    (409, ConflictError), (408, TransientProviderError), (429, TransientProviderError),
    (500, TransientProviderError), (503, TransientProviderError), (422, ProviderError),
])
def test_statuses_choose_the_error_class(status: int, expected: type[ProviderError]) -> None:
    """Each status maps to its class of the ledgerlink error tree."""
    with pytest.raises(expected) as info:
        raise_for_provider(fault(status, "1"), provider="qb", parse=parse)
    assert type(info.value) is expected


def test_status_code_message_and_request_id_are_kept() -> None:
    """The error keeps the HTTP status, the provider's code and text, and the request id."""
    response = fault(400, "6240", "Duplicate Name Exists Error",
                     headers={"intuit_tid": "tid-123"})
    with pytest.raises(ProviderError) as info:
        raise_for_provider(response, provider="qb", parse=parse)
    error = info.value
    assert (error.status, error.code, error.request_id) == (400, "6240", "tid-123")
    assert error.message == "Duplicate Name Exists Error: details"
    assert error.provider == "qb"
    assert "tid-123" in str(error) and "6240" in str(error)


def test_the_parser_can_override_the_class() -> None:
    """A stale-object fault under HTTP 400 is a ConflictError; object-not-found a NotFoundError."""
    with pytest.raises(ConflictError):
        raise_for_provider(fault(400, "5010"), provider="qb", parse=parse)
    with pytest.raises(NotFoundError):
        raise_for_provider(fault(400, "610"), provider="qb", parse=parse)


def test_a_fault_under_http_200_raises() -> None:
    """A 200 whose body is a fault is an error, with status 200 kept."""
    with pytest.raises(ProviderError) as info:
        raise_for_provider(fault(200, "6000"), provider="qb", parse=parse)
    assert info.value.status == 200
    assert info.value.code == "6000"


def test_success_without_a_fault_returns() -> None:
    """A success whose body is no fault raises nothing."""
    raise_for_provider(httpx.Response(200, json={"Invoice": {}}), provider="qb", parse=parse)
    raise_for_provider(httpx.Response(204), provider="qb")


def test_an_unparsable_body_still_gives_status_and_excerpt() -> None:
    """An XML 429 body the parser cannot read becomes a TransientProviderError with an excerpt."""
    xml = '<Fault type="SERVICE"><Error code="3001"><Message>ThrottleExceeded</Message></Error>'
    response = httpx.Response(429, text=xml, headers={"x-request-id": "r-9"})
    with pytest.raises(TransientProviderError) as info:
        raise_for_provider(response, provider="qb", parse=parse)
    assert info.value.status == 429
    assert info.value.request_id == "r-9"
    assert "ThrottleExceeded" in info.value.message


def test_unparsed_excerpts_are_redacted() -> None:
    """Tokens echoed in an error body do not reach the exception text."""
    response = httpx.Response(400, text='{"error": "bad", "refresh_token": "rt-secret"}')
    with pytest.raises(ProviderError) as info:
        raise_for_provider(response, provider="x")
    assert "rt-secret" not in str(info.value)
