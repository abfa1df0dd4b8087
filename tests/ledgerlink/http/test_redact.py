"""Redaction: headers, bodies, query strings and vcrpy cassettes lose their secrets."""

from __future__ import annotations

from typing import Any

from ledgerlink.http import (
    redact_headers,
    redact_text,
    scrub_cassette_request,
    scrub_cassette_response,
)
from ledgerlink.http.redact import REDACTED

SECRETS = ("at-secret", "rt-secret", "cs-secret", "code-secret", "basic-secret")


def test_redact_headers_hides_credentials_and_keeps_the_rest() -> None:
    """Authorization and cookies are replaced; other headers pass unchanged."""
    headers = {"Authorization": "Bearer at-secret", "Cookie": "s=1", "Accept": "json"}
    assert redact_headers(headers) == {"Authorization": REDACTED, "Cookie": REDACTED,
                                       "Accept": "json"}
    assert redact_headers([("authorization", "Basic x")]) == {"authorization": REDACTED}


def test_redact_text_hides_json_form_and_scheme_secrets() -> None:
    """Token fields in JSON and forms, and Bearer/Basic credentials, are replaced."""
    text = ('{"access_token": "at-secret", "refresh_token":"rt-secret", "expires_in": 3600} '
            "grant_type=refresh_token&refresh_token=rt-secret&client_secret=cs-secret "
            "Authorization: Bearer at-secret Basic basic-secret== code=code-secret")
    redacted = redact_text(text)
    for secret in SECRETS:
        assert secret not in redacted
    assert '"expires_in": 3600' in redacted
    assert "grant_type=refresh_token" in redacted


class FakeVcrRequest:
    """The parts of vcrpy's Request the hook uses."""

    def __init__(self, uri: str, body: bytes, headers: dict[str, str]) -> None:
        self.uri = uri
        self.body = body
        self.headers = headers


def test_cassette_request_hook_scrubs_headers_body_and_query() -> None:
    """A recorded request keeps its shape but none of its secrets."""
    request = FakeVcrRequest(
        "https://auth.test/token?code=code-secret&state=abc",
        b"grant_type=refresh_token&refresh_token=rt-secret",
        {"Authorization": "Basic basic-secret", "Content-Type": "x"})
    scrubbed = scrub_cassette_request(request)
    text = f"{scrubbed.uri} {scrubbed.body!r} {scrubbed.headers}"
    for secret in SECRETS:
        assert secret not in text
    assert "state=abc" in scrubbed.uri
    assert scrubbed.headers["Content-Type"] == "x"


def test_cassette_response_hook_scrubs_tokens() -> None:
    """A recorded token response keeps its fields with the secret values replaced."""
    response: dict[str, Any] = {
        "status": {"code": 200, "message": "OK"},
        "headers": {"Set-Cookie": ["sid=1"], "Content-Type": ["application/json"]},
        "body": {"string": b'{"access_token": "at-secret", "refresh_token": "rt-secret"}'},
    }
    scrubbed = scrub_cassette_response(response)
    assert scrubbed["headers"]["Set-Cookie"] == [REDACTED]
    body = scrubbed["body"]["string"].decode()
    assert "at-secret" not in body and "rt-secret" not in body
    assert '"access_token"' in body


def test_provider_error_codes_in_json_are_kept() -> None:
    """A JSON "code" is a provider's error code, not an OAuth code, and stays readable."""
    text = '{"Fault": {"Error": [{"Message": "Stale", "code": "5010"}]}}'
    assert redact_text(text) == text
