"""e-conomic's two error shapes read by one function, as the errors ledgerlink raises."""

from __future__ import annotations

import httpx
import pytest

from ledgerlink.errors import AuthError, NotFoundError, ProviderError, TransientProviderError
from ledgerlink.testing.factories import make_customer
from ledgerlink_economic import EconomicConnector
from ledgerlink_economic.emulator import EconomicEmulator
from ledgerlink_economic.faults import parse_fault
from tests.ledgerlink_economic.support import EXAMPLES, require


def _answer(status: int, name: str) -> httpx.Response:
    return httpx.Response(status, content=require(EXAMPLES / name).read_bytes(),
                          headers={"content-type": "application/json"})


def test_the_official_validation_error_names_every_field() -> None:
    """The documented 400 keeps e-conomic's message, each field's message (lines by index),
    the first error code and the logId for support."""
    fault = parse_fault(_answer(400, "apaq-error_bad_request.json"))
    assert fault is not None
    assert fault.message.startswith("Validation error. (currency: currency does not exist.")
    assert "customer: customer does not exist." in fault.message
    assert "lines[0].unit: unit does not exist." in fault.message
    assert (fault.code, fault.request_id) == ("E06000", "c7ca5bc2-ad2d-4639-93f9-b22ba88c97d7")


def test_a_not_found_keeps_the_message_and_its_hint_is_dropped() -> None:
    """The documented 404 keeps e-conomic's message (the hint only speaks when alone)."""
    fault = parse_fault(_answer(404, "apaq-error_not_found.json"))
    assert fault is not None and fault.message.startswith('Product "33442041041" not found.')
    assert fault.request_id == "5570806259e2efd4-EWR"


def test_problem_json_of_the_newer_services() -> None:
    """A problem+json answer keeps its detail, each error's property and the traceId."""
    response = httpx.Response(400, headers={"content-type": "application/problem+json"}, json={
        "type": "about:blank", "title": "Validation failed", "detail": "The url is invalid.",
        "errorCode": "E1001", "traceId": "00-abc-01",
        "errors": [{"message": "must be https", "errorCode": "E1002", "property": "url"}]})
    fault = parse_fault(response)
    assert fault is not None
    assert fault.message == "The url is invalid. (url: must be https)"
    assert (fault.code, fault.request_id) == ("E1001", "00-abc-01")


def test_a_body_of_neither_shape_is_cut_short_and_a_success_is_no_fault() -> None:
    """A proxy's page keeps a short excerpt; a 2xx answer is never a fault."""
    page = httpx.Response(502, text="<html>" + "x" * 1000 + "</html>")
    fault = parse_fault(page)
    assert fault is not None and len(fault.message) <= 300
    assert parse_fault(httpx.Response(200, json={"message": "fine"})) is None


@pytest.mark.parametrize(("status", "error"), [
    (401, AuthError), (404, NotFoundError), (400, ProviderError),
    (500, TransientProviderError), (429, TransientProviderError)])
def test_statuses_raise_the_right_error(status: int, error: type[ProviderError]) -> None:
    """The connector's requests raise by status, keeping e-conomic's message."""
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json={"message": f"said {status}",
                                            "developerHint": "hint", "logId": "L-1",
                                            "httpStatusCode": status},
                              headers={"retry-after": "0"})

    book = EconomicConnector(agreement="1", app_secret_token="app-secret-0123456789",
                             grant_token="grant-token-0123456789",
                             transport=httpx.MockTransport(answer))
    with book, pytest.raises(error) as caught:
        book.find_customer(make_customer())
    assert f"said {status}" in str(caught.value) and caught.value.request_id == "L-1"


def test_the_emulators_refusal_of_wrong_tokens_is_an_auth_error() -> None:
    """Tokens the agreement does not know: AuthError with e-conomic's login message, and
    neither token in it."""
    emulator = EconomicEmulator()
    emulator.create_agreement("A ApS")
    book = EconomicConnector(agreement="1", app_secret_token="wrong-secret-0123456789",
                             grant_token="wrong-grant-0123456789",
                             transport=emulator.transport())
    with book, pytest.raises(AuthError) as caught:
        book.find_customer(make_customer())
    text = str(caught.value)
    assert "Login to API server failed." in text
    assert "wrong-secret" not in text and "wrong-grant" not in text
