"""Token endpoint, Bearer check, organisations list, the plan check and scopes."""

from __future__ import annotations

import httpx

from ledgerlink_dinero.emulator import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    TOKEN_PATH,
    DineroEmulator,
)
from tests.ledgerlink_dinero.emulator.support import BASE_URL, ORG, FakeClock, api, error_code, ok


def _token(http: httpx.Client, **form: str) -> httpx.Response:
    credentials = {"client_id": DEFAULT_CLIENT_ID, "client_secret": DEFAULT_CLIENT_SECRET}
    return http.post(TOKEN_PATH, data={**credentials, **form})


def _bearer(token: object) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_code_exchange_gives_tokens_with_the_dinero_scopes(emulator: DineroEmulator) -> None:
    """A code buys a one-hour bearer token with Dinero's scopes and a refresh token, once."""
    code = emulator.authorize(ORG)
    with httpx.Client(transport=emulator.transport(), base_url=BASE_URL) as http:
        body = ok(_token(http, grant_type="authorization_code", code=code, redirect_uri="x"))
        assert body["token_type"] == "Bearer"
        assert body["expires_in"] == 3600
        assert set(body["scope"].split()) == {
            "dineropublicapi:read",
            "dineropublicapi:write",
            "offline_access",
        }
        assert body["refresh_token"]
        assert ok(http.get(api("contacts"), headers=_bearer(body["access_token"])))
        # The code is one-time.
        again = _token(http, grant_type="authorization_code", code=code)
        assert (again.status_code, again.json()) == (400, {"error": "invalid_grant"})


def test_refresh_rotates_and_a_consumed_refresh_token_is_refused(emulator: DineroEmulator) -> None:
    """A refresh gives a new refresh token, and the one consumed is refused after."""
    first = emulator.connect(ORG)
    with httpx.Client(transport=emulator.transport(), base_url=BASE_URL) as http:
        second = ok(
            _token(http, grant_type="refresh_token", refresh_token=str(first["refresh_token"]))
        )
        assert second["refresh_token"] != first["refresh_token"]
        replay = _token(http, grant_type="refresh_token", refresh_token=str(first["refresh_token"]))
        assert (replay.status_code, replay.json()["error"]) == (400, "invalid_grant")
        ok(_token(http, grant_type="refresh_token", refresh_token=second["refresh_token"]))
    assert emulator.auth.refresh_count == 2


def test_token_endpoint_refuses_unknown_clients_and_grants(emulator: DineroEmulator) -> None:
    """A wrong secret is refused without using up the token, an unknown grant too; Basic works."""
    tokens = emulator.connect(ORG)
    with httpx.Client(transport=emulator.transport(), base_url=BASE_URL) as http:
        wrong = http.post(
            TOKEN_PATH,
            data={
                "grant_type": "refresh_token",
                "refresh_token": str(tokens["refresh_token"]),
                "client_id": DEFAULT_CLIENT_ID,
                "client_secret": "nope",
            },
        )
        assert wrong.json() == {"error": "invalid_client"}
        # The refused attempt did not consume the refresh token.
        ok(_token(http, grant_type="refresh_token", refresh_token=str(tokens["refresh_token"])))
        assert _token(http, grant_type="password").json() == {"error": "unsupported_grant_type"}
        basic = http.post(
            TOKEN_PATH,
            data={"grant_type": "authorization_code", "code": emulator.authorize(ORG)},
            auth=(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
        )
        assert basic.status_code == 200


def test_no_refresh_token_without_offline_access(emulator: DineroEmulator) -> None:
    """Without the offline_access scope no refresh token is issued."""
    tokens = emulator.connect(ORG, scopes="dineropublicapi:read dineropublicapi:write")
    assert "refresh_token" not in tokens


def test_missing_or_expired_bearer_answers_401(emulator: DineroEmulator, clock: FakeClock) -> None:
    """A call without a bearer token, or with an expired one, answers 401."""
    tokens = emulator.connect(ORG)
    with httpx.Client(transport=emulator.transport(), base_url=BASE_URL) as http:
        assert error_code(http.get(api("contacts")), 401) == 41
        ok(http.get(api("contacts"), headers=_bearer(tokens["access_token"])))
        clock.advance(3601)
        assert error_code(http.get(api("contacts"), headers=_bearer(tokens["access_token"])), 401)


def test_organisations_lists_what_the_token_reaches(emulator: DineroEmulator) -> None:
    """The organisations list shows those the token reaches, with fields picked on request."""
    emulator.add_organisation("777", "Uden Pro", is_pro=False)
    emulator.add_organisation("999", "Someone else")
    tokens = emulator.connect(ORG, "777")
    with httpx.Client(transport=emulator.transport(), base_url=BASE_URL) as http:
        rows = ok(http.get("/v1/organizations", headers=_bearer(tokens["access_token"])))
        assert rows == [
            {"id": ORG, "name": "Vinduespudser ApS", "isPro": True},
            {"id": "777", "name": "Uden Pro", "isPro": False},
        ]
        named = http.get(
            "/v1/organizations", params={"fields": "id"}, headers=_bearer(tokens["access_token"])
        )
        assert ok(named) == [{"id": ORG}, {"id": "777"}]
        assert http.get("/v1/organizations").status_code == 401


def test_organisation_without_pro_plan_answers_403_with_a_clear_body(
    emulator: DineroEmulator,
) -> None:
    """An organisation without the Pro plan answers 403 with code 48 and says why."""
    emulator.add_organisation("777", is_pro=False)
    tokens = emulator.connect("777")
    with httpx.Client(transport=emulator.transport(), base_url=BASE_URL) as http:
        response = http.get(api("contacts", org="777"), headers=_bearer(tokens["access_token"]))
        assert error_code(response, 403) == 48
        assert "Pro plan" in response.json()["message"]


def test_token_cannot_reach_another_organisation(emulator: DineroEmulator) -> None:
    """A token granted for one organisation gets 403 in another."""
    emulator.add_organisation("999")
    tokens = emulator.connect(ORG)
    with httpx.Client(transport=emulator.transport(), base_url=BASE_URL) as http:
        response = http.get(api("contacts", org="999"), headers=_bearer(tokens["access_token"]))
        assert error_code(response, 403) == 41


def test_read_only_scope_cannot_write(emulator: DineroEmulator) -> None:
    """A read-only token can read but a write answers 403 naming the write scope."""
    tokens = emulator.connect(ORG, scopes="dineropublicapi:read")
    with httpx.Client(transport=emulator.transport(), base_url=BASE_URL) as http:
        headers = _bearer(tokens["access_token"])
        ok(http.get(api("contacts"), headers=headers))
        response = http.post(api("contacts"), json={"Name": "x"}, headers=headers)
        assert error_code(response, 403) == 41
        assert "dineropublicapi:write" in response.text
