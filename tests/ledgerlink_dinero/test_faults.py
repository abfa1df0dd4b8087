"""Every official Dinero error example, and each documented error case, becomes the right
ledgerlink error with Dinero's code and words."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from ledgerlink.errors import (
    AuthError,
    ConflictError,
    NotFoundError,
    ProviderError,
    TransientProviderError,
)
from ledgerlink.http.errors import raise_for_provider
from ledgerlink_dinero.faults import (
    BROWNOUT_MESSAGE,
    NO_PLAN_MESSAGE,
    is_stale_timestamp,
    parse_fault,
)
from ledgerlink_dinero.settings import PROVIDER

#: example file → (HTTP status it arrives with, class, code, words the message keeps).
EXAMPLES: dict[str, tuple[int, type[ProviderError], str, tuple[str, ...]]] = {
    "error_bad_request.json": (400, ProviderError, "45",
                               ("Invoices must have at least one invoice line", "bla bla")),
    "error_not_found.json": (404, NotFoundError, "65",
                             ("Item is deleted", "Invalid InvoiceGuid, the invoice is deleted.")),
    "error_unauthorized_grant.json": (400, AuthError, "invalid_grant", ("invalid_grant",)),
}


def _raise(response: httpx.Response) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        raise_for_provider(response, provider=PROVIDER, parse=parse_fault)
    return caught.value


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_each_official_error_example_maps_to_its_class_code_and_text(
        name: str, dinero_example_text: Callable[[str], str]) -> None:
    """The captured error bodies raise the expected class with Dinero's code and message."""
    status, cls, code, words = EXAMPLES[name]
    error = _raise(httpx.Response(status, text=dinero_example_text(name),
                                  headers={"content-type": "application/json"}))
    assert type(error) is cls
    assert error.code == code
    assert error.status == status
    assert error.provider == PROVIDER
    for word in words:
        assert word in error.message


def test_a_stale_timestamp_is_a_conflict_whatever_the_status() -> None:
    """Error 58 arrives as HTTP 400 but is a conflict: re-read, then decide again."""
    body = {"code": 58, "message": "Timestamp is out of date"}
    response = httpx.Response(400, json=body)
    assert is_stale_timestamp(parse_fault(response))
    error = _raise(response)
    assert type(error) is ConflictError
    assert error.code == "58"
    assert error.message == "Timestamp is out of date"


def test_a_403_says_the_organisation_lacks_the_api_plan() -> None:
    """A 403 (code 48 or 90, or no body) is an auth error naming the missing plan."""
    for response in (httpx.Response(403, json={"code": 48, "message": "Pro required"}),
                     httpx.Response(403, json={"code": 90, "message": "Forbidden"}),
                     httpx.Response(403)):
        error = _raise(response)
        assert type(error) is AuthError
        assert "lacks the plan the API requires" in error.message
    assert _raise(httpx.Response(403, json={"code": 48, "message": "Pro required"})
                  ).message == f"{NO_PLAN_MESSAGE}: Pro required"


def test_the_quota_text_is_transient_and_kept() -> None:
    """The plain-text 429 keeps Dinero's words and is retried by the shared layer."""
    text = "API calls quota exceeded! (limit: 100 per minute)"
    error = _raise(httpx.Response(429, text=text))
    assert type(error) is TransientProviderError
    assert error.message == text
    assert error.code is None


def test_a_missing_model_validation_error_keeps_code_message_and_detail() -> None:
    """Code 42 with its validationErrors keeps both Dinero's message and the field detail."""
    body = {"code": 42, "message": "Validation Error",
            "validationErrors": {"globalErrors[]": "The following models are missing: model"}}
    error = _raise(httpx.Response(400, json=body))
    assert type(error) is ProviderError
    assert error.code == "42"
    assert error.message == ("Validation Error (globalErrors[]: The following models are "
                             "missing: model)")


def test_the_plain_oauth_error_shape_is_auth() -> None:
    """The token endpoint's plain RFC 6749 error is an auth error with its description."""
    body = {"error": "invalid_grant", "error_description": "refresh token consumed"}
    error = _raise(httpx.Response(400, json=body))
    assert type(error) is AuthError
    assert (error.code, error.message) == ("invalid_grant", "refresh token consumed")


def test_server_errors_are_transient_and_successes_carry_no_fault() -> None:
    """A 5xx is retried; an entity, an empty body or a PDF under 2xx is no fault."""
    assert type(_raise(httpx.Response(503, text=""))) is TransientProviderError
    assert parse_fault(httpx.Response(200, json={"code": 58, "message": "x"})) is None
    assert parse_fault(httpx.Response(200, text="")) is None
    assert parse_fault(httpx.Response(200, content=b"%PDF-1.4 ...")) is None
    raise_for_provider(httpx.Response(201, json={"Guid": "g"}), provider=PROVIDER,
                       parse=parse_fault)


def test_a_brownout_says_the_endpoint_is_being_retired() -> None:
    """HTTP 480 is a refusal (not retried) that says to migrate, keeping Dinero's words."""
    error = _raise(httpx.Response(480, text="Brownout"))
    assert type(error) is ProviderError
    assert error.message == f"{BROWNOUT_MESSAGE}: Brownout"
