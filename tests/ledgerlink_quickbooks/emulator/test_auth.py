"""OAuth 2.0 token endpoint and Bearer checks of the QuickBooks emulator."""

from __future__ import annotations

import base64

import httpx
import pytest

from ledgerlink_quickbooks.emulator import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    REVOKE_PATH,
    TOKEN_PATH,
    EmulatorTransport,
    QuickBooksEmulator,
)
from tests.ledgerlink_quickbooks.emulator.support import (
    BASE_URL,
    REALM,
    FakeClock,
    api,
    load_official,
)

BASIC = (
    "Basic " + base64.b64encode(f"{DEFAULT_CLIENT_ID}:{DEFAULT_CLIENT_SECRET}".encode()).decode()
)


@pytest.fixture
def raw(emulator: QuickBooksEmulator) -> httpx.Client:
    """A client without credentials."""
    return httpx.Client(transport=EmulatorTransport(emulator), base_url=BASE_URL)


def _token(raw: httpx.Client, **form: str) -> httpx.Response:
    return raw.post(TOKEN_PATH, data=form, headers={"Authorization": BASIC})


def _read_customers(raw: httpx.Client, access: str) -> httpx.Response:
    return raw.get(
        api("query"),
        params={"query": "select * from Customer"},
        headers={"Authorization": f"Bearer {access}"},
    )


def test_missing_bearer_gets_gateway_401(raw: httpx.Client) -> None:
    """A call without a token is answered 401 with the gateway's lowercase fault body."""
    response = raw.get(api("customer/1"))
    assert response.status_code == 401
    body = response.json()
    assert body["fault"]["error"][0]["code"] == "3200"
    assert body["fault"]["type"] == "AUTHENTICATION"
    official = load_official("examples/errors/faults.json")
    sample = next(e for e in official["entries"] if e["name"].startswith("authentication_failed"))
    assert set(body) == set(sample["body"])


def test_code_exchange_issues_token_pair(emulator: QuickBooksEmulator, raw: httpx.Client) -> None:
    """An authorization code buys an access token that opens the realm's API, once."""
    code = emulator.authorize(REALM)
    response = _token(raw, grant_type="authorization_code", code=code, redirect_uri="https://x")
    tokens = response.json()
    official = load_official("oauth/token-response.test-fixture.json")
    assert set(official) - {"id_token"} <= set(tokens)
    assert tokens["expires_in"] == 3600
    assert _read_customers(raw, tokens["access_token"]).status_code == 200
    again = _token(raw, grant_type="authorization_code", code=code, redirect_uri="https://x")
    assert again.json()["error"] == "invalid_grant"


def test_wrong_client_secret_is_refused(emulator: QuickBooksEmulator, raw: httpx.Client) -> None:
    """The token endpoint checks the client's Basic credentials."""
    bad = "Basic " + base64.b64encode(f"{DEFAULT_CLIENT_ID}:nope".encode()).decode()
    response = raw.post(
        TOKEN_PATH,
        data={"grant_type": "refresh_token", "refresh_token": "x"},
        headers={"Authorization": bad},
    )
    assert response.status_code == 401


def test_access_token_expires(emulator: QuickBooksEmulator, raw: httpx.Client,
                              clock: FakeClock) -> None:
    """After 3600 s the access token is refused with 401."""
    tokens = emulator.connect(REALM)
    clock.advance(3599)
    assert _read_customers(raw, str(tokens["access_token"])).status_code == 200
    clock.advance(2)
    assert _read_customers(raw, str(tokens["access_token"])).status_code == 401


def test_refresh_rotates_and_old_token_has_grace(
    emulator: QuickBooksEmulator, raw: httpx.Client, clock: FakeClock
) -> None:
    """A refresh rotates the refresh token; the previous one works only within the grace window."""
    first = emulator.connect(REALM)
    rotated = _token(raw, grant_type="refresh_token", refresh_token=str(first["refresh_token"]))
    assert rotated.status_code == 200
    second = rotated.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert _read_customers(raw, second["access_token"]).status_code == 200
    clock.advance(3600)
    in_grace = _token(raw, grant_type="refresh_token", refresh_token=str(first["refresh_token"]))
    assert in_grace.status_code == 200
    clock.advance(86_400)
    late = _token(raw, grant_type="refresh_token", refresh_token=str(first["refresh_token"]))
    assert late.status_code == 400
    assert late.json()["error"] == "invalid_grant"


def test_grace_window_is_configurable(clock: FakeClock) -> None:
    """With a zero grace window, a rotated refresh token is refused at once."""
    emulator = QuickBooksEmulator(clock=clock, refresh_grace=0)
    first = emulator.connect(REALM)
    raw = httpx.Client(transport=EmulatorTransport(emulator), base_url=BASE_URL)
    ok = _token(raw, grant_type="refresh_token", refresh_token=str(first["refresh_token"]))
    assert ok.status_code == 200
    clock.advance(1)
    stale = _token(raw, grant_type="refresh_token", refresh_token=str(first["refresh_token"]))
    assert stale.json()["error"] == "invalid_grant"


def test_token_of_other_realm_is_forbidden(emulator: QuickBooksEmulator, raw: httpx.Client) -> None:
    """A token issued for one company cannot read another company."""
    other = emulator.connect("123146000000002")
    response = _read_customers(raw, str(other["access_token"]))
    assert response.status_code == 403
    assert response.json()["Fault"]["Error"][0]["code"] == "120"


def test_revoked_refresh_token_is_refused(emulator: QuickBooksEmulator, raw: httpx.Client) -> None:
    """After revocation, the refresh token gets invalid_grant."""
    tokens = emulator.connect(REALM)
    revoked = raw.post(
        REVOKE_PATH, json={"token": tokens["refresh_token"]}, headers={"Authorization": BASIC}
    )
    assert revoked.status_code == 200
    again = _token(raw, grant_type="refresh_token", refresh_token=str(tokens["refresh_token"]))
    assert again.json()["error"] == "invalid_grant"


def test_expire_access_tokens_forces_refresh(emulator: QuickBooksEmulator,
                                             raw: httpx.Client) -> None:
    """``auth.expire_access_tokens`` makes current tokens fail so refresh paths can be tested."""
    tokens = emulator.connect(REALM)
    emulator.auth.expire_access_tokens()
    assert _read_customers(raw, str(tokens["access_token"])).status_code == 401
