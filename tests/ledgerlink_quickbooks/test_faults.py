"""Every official QuickBooks error sample becomes the right ledgerlink error."""

from __future__ import annotations

from typing import Any

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
from ledgerlink_quickbooks.faults import item_fault, parse_fault

EXPECTED: dict[str, tuple[type[ProviderError], str | None]] = {
    "generic_validation_fault_format": (ProviderError, "<code>"),
    "duplicate_name_6240": (ConflictError, "6240"),
    "object_not_found_610": (NotFoundError, "610"),
    "stale_object_5010": (ConflictError, "5010"),
    "duplicate_document_number_6210": (ConflictError, "6210"),
    "business_validation_6000_requestid_too_long": (ProviderError, "6000"),
    "authentication_failed_3200_gateway_401": (AuthError, "3200"),
    "throttle_exceeded_3001_429": (TransientProviderError, "3001"),
    "general_authentication_error_100": (AuthError, "100"),
    "oauth_refresh_invalid_grant": (AuthError, "invalid_grant"),
}


def _response(entry: dict[str, Any]) -> httpx.Response:
    if "raw" in entry:
        return httpx.Response(entry["http_status"], text=entry["raw"],
                              headers={"content-type": entry.get("content_type", "")})
    return httpx.Response(entry["http_status"], json=entry["body"],
                          headers={"intuit_tid": "tid-123"})


def test_every_catalogued_error_maps_to_its_class_code_and_text(quickbooks_example: Any) -> None:
    """Each sample in the official error catalogue raises the expected class, code and text."""
    entries = {e["name"]: e for e in quickbooks_example("errors/faults.json")["entries"]}
    assert set(entries) == set(EXPECTED), "a catalogue entry has no expectation here"
    for name, (cls, code) in EXPECTED.items():
        entry = entries[name]
        with pytest.raises(ProviderError) as caught:
            raise_for_provider(_response(entry), provider="quickbooks", parse=parse_fault)
        error = caught.value
        assert type(error) is cls, name
        assert error.code == code, name
        assert error.status == entry["http_status"]
        assert error.message and "QuickBooks reported" not in error.message, name


def test_the_provider_text_is_kept() -> None:
    """The stale-object error keeps QuickBooks' own detail text."""
    entry = {"http_status": 400, "body": {"Fault": {"type": "ValidationFault", "Error": [
        {"Message": "Stale Object Error", "code": "5010", "Detail": "Stale Object Error : "
         "You and root were working on this at the same time."}]}}}
    with pytest.raises(ConflictError) as caught:
        raise_for_provider(_response(entry), provider="quickbooks", parse=parse_fault)
    assert caught.value.message.startswith("Stale Object Error : You and root")
    assert caught.value.request_id == "tid-123"


def test_a_fault_under_http_200_is_an_error() -> None:
    """QuickBooks may answer 200 with a Fault body; that is still an error."""
    body = {"Fault": {"Error": [{"Message": "Object Not Found", "code": "610"}]}}
    with pytest.raises(NotFoundError):
        raise_for_provider(httpx.Response(200, json=body), provider="quickbooks",
                           parse=parse_fault)


def test_clean_responses_have_no_fault() -> None:
    """An entity response, an empty body or a PDF carry no fault."""
    assert parse_fault(httpx.Response(200, json={"Invoice": {"Id": "1"}})) is None
    assert parse_fault(httpx.Response(200, text="")) is None
    assert parse_fault(httpx.Response(200, content=b"%PDF-1.4 ...")) is None


def test_batch_items_carry_their_own_faults(quickbooks_example: Any) -> None:
    """In the official batch response, failed items yield a Fault and good ones none."""
    response = quickbooks_example("batch/response.json")
    faults = {item["bId"]: item_fault(item) for item in response["BatchItemResponse"]}
    assert any(f is not None for f in faults.values())
    for item in response["BatchItemResponse"]:
        assert (faults[item["bId"]] is None) == ("Fault" not in item)

