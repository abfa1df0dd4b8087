"""Billy's error bodies read in one function: code, message and validation errors kept."""

from __future__ import annotations

import json

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgerlink.errors import AuthError, NotFoundError, ProviderError, TransientProviderError
from ledgerlink.http.errors import error_for
from ledgerlink_billy.faults import parse_fault
from tests.ledgerlink_billy.support import example


def _error(status: int, body: object) -> ProviderError:
    response = httpx.Response(status, content=json.dumps(body).encode())
    return error_for(response, parse_fault(response), provider="billy")


def test_a_bad_request_keeps_code_message_and_validation() -> None:
    """The official 400 keeps INVALID_RECORD and says which record Billy refused and why."""
    err = _error(400, example("error_bad_request.json"))
    assert type(err) is ProviderError
    assert err.code == "INVALID_RECORD"
    assert "Invalid record" in err.message
    assert "invoice: Invoices must have at least one invoice line." in err.message


@pytest.mark.parametrize(("name", "status", "kind", "code"), [
    ("error_not_found.json", 404, NotFoundError, "RECORD_NOT_FOUND"),
    ("error_server_error.json", 501, TransientProviderError, "INTERNAL_ERROR"),
    ("error_unauthorized.json", 401, AuthError, "INVALID_REQUEST_BODY"),
])
def test_official_errors_map_to_their_classes(name: str, status: int,
                                              kind: type[ProviderError], code: str) -> None:
    """Each official error example becomes the error class its status or code stands for."""
    body = example(name)
    err = _error(status, body)
    assert type(err) is kind
    assert err.code == code
    assert body["errorMessage"] in err.message


def test_field_errors_name_the_field() -> None:
    """Validation errors on attributes name record and field."""
    err = _error(422, {"errorCode": "INVALID_RECORD", "errorMessage": "Invalid record",
                       "validationErrors": {"contact": {"attributes": {
                           "countryId": "Country is required."}}}})
    assert "contact.countryId: Country is required." in err.message


def test_auth_codes_are_auth_errors_whatever_the_status() -> None:
    """A refused token is an AuthError even under a 400."""
    assert type(_error(400, {"errorCode": "OAUTH_INVALID_ACCESS_TOKEN",
                             "errorMessage": "bad"})) is AuthError


def test_success_with_success_false_is_an_error() -> None:
    """An envelope saying ``success: false`` under 200 is not taken for a success."""
    response = httpx.Response(200, json={"meta": {"success": False},
                                         "errorCode": "X", "errorMessage": "no"})
    assert parse_fault(response) is not None
    assert parse_fault(httpx.Response(200, json={"meta": {"success": True}})) is None


@given(st.text(max_size=200))
def test_any_body_reads_without_raising(text: str) -> None:
    """Whatever a failing answer holds, reading it gives a fault or None, never an exception,
    and a token-shaped secret in it is not repeated."""
    response = httpx.Response(500, content=(text + " access_token=abcdefghijklmnop").encode())
    fault = parse_fault(response)
    assert fault is not None
    assert "abcdefghijklmnop" not in fault.message
