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


def test_code_exchange_gives_tokens_with_the_dinero_scopes(emu: DineroEmulator) -> None:
    code = emu.authorize(ORG)
    with httpx.Client(transport=emu.transport(), base_url=BASE_URL) as http:
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


def test_refresh_rotates_and_a_consumed_refresh_token_is_refused(emu: DineroEmulator) -> None:
    first = emu.connect(ORG)
    with httpx.Client(transport=emu.transport(), base_url=BASE_URL) as http:
        second = ok(
            _token(http, grant_type="refresh_token", refresh_token=str(first["refresh_token"]))
        )
        assert second["refresh_token"] != first["refresh_token"]
        replay = _token(http, grant_type="refresh_token", refresh_token=str(first["refresh_token"]))
        assert (replay.status_code, replay.json()["error"]) == (400, "invalid_grant")
        ok(_token(http, grant_type="refresh_token", refresh_token=second["refresh_token"]))
    assert emu.auth.refresh_count == 2


def test_token_endpoint_refuses_unknown_clients_and_grants(emu: DineroEmulator) -> None:
    tokens = emu.connect(ORG)
    with httpx.Client(transport=emu.transport(), base_url=BASE_URL) as http:
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
            data={"grant_type": "authorization_code", "code": emu.authorize(ORG)},
            auth=(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
        )
        assert basic.status_code == 200


def test_no_refresh_token_without_offline_access(emu: DineroEmulator) -> None:
    tokens = emu.connect(ORG, scopes="dineropublicapi:read dineropublicapi:write")
    assert "refresh_token" not in tokens


def test_missing_or_expired_bearer_answers_401(emu: DineroEmulator, clock: FakeClock) -> None:
    tokens = emu.connect(ORG)
    with httpx.Client(transport=emu.transport(), base_url=BASE_URL) as http:
        assert error_code(http.get(api("contacts")), 401) == 41
        ok(http.get(api("contacts"), headers=_bearer(tokens["access_token"])))
        clock.advance(3601)
        assert error_code(http.get(api("contacts"), headers=_bearer(tokens["access_token"])), 401)


def test_organisations_lists_what_the_token_reaches(emu: DineroEmulator) -> None:
    emu.add_organisation("777", "Uden Pro", is_pro=False)
    emu.add_organisation("999", "Someone else")
    tokens = emu.connect(ORG, "777")
    with httpx.Client(transport=emu.transport(), base_url=BASE_URL) as http:
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


def test_organisation_without_pro_plan_answers_403_with_a_clear_body(emu: DineroEmulator) -> None:
    emu.add_organisation("777", is_pro=False)
    tokens = emu.connect("777")
    with httpx.Client(transport=emu.transport(), base_url=BASE_URL) as http:
        response = http.get(api("contacts", org="777"), headers=_bearer(tokens["access_token"]))
        assert error_code(response, 403) == 48
        assert "Pro plan" in response.json()["message"]


def test_token_cannot_reach_another_organisation(emu: DineroEmulator) -> None:
    emu.add_organisation("999")
    tokens = emu.connect(ORG)
    with httpx.Client(transport=emu.transport(), base_url=BASE_URL) as http:
        response = http.get(api("contacts", org="999"), headers=_bearer(tokens["access_token"]))
        assert error_code(response, 403) == 41


def test_read_only_scope_cannot_write(emu: DineroEmulator) -> None:
    tokens = emu.connect(ORG, scopes="dineropublicapi:read")
    with httpx.Client(transport=emu.transport(), base_url=BASE_URL) as http:
        headers = _bearer(tokens["access_token"])
        ok(http.get(api("contacts"), headers=headers))
        response = http.post(api("contacts"), json={"Name": "x"}, headers=headers)
        assert error_code(response, 403) == 41
        assert "dineropublicapi:write" in response.text
