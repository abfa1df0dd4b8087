"""OAuth2: one refresh under contention, persistence before use, 401 handling, redaction."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from ledgerlink.errors import ProviderError, StoreError
from ledgerlink.http import (
    AuthError,
    ClientCredentials,
    MemoryTokenStore,
    OAuth2Auth,
    OAuthEndpoints,
    ProviderClient,
    Token,
    authorization_url,
    exchange_code,
    make_client,
    parse_callback,
)
from ledgerlink.store import Store

NOW = 1_800_000_000.0
KEY = "test:realm-1"
ENDPOINTS = OAuthEndpoints("https://auth.test/authorize", "https://auth.test/token",
                           scopes=("accounting",))
CREDENTIALS = ClientCredentials("app-id", "app-secret-XYZ")
#: How long a test thread may block before the test fails.
BOUND = 5.0


class Provider:
    """A tiny OAuth2 provider: rotating refresh tokens (the previous stays valid) and an API."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.serial = 0
        self.refresh_tokens = {"rt-0"}  # the current one and the previous one
        self.access_tokens = {"at-0"}
        self.refresh_calls: list[str] = []
        self.api_calls: list[str] = []
        self.on_api: Any = None

    def initial(self, expires_at: float) -> dict[str, Any]:
        return Token("at-0", "rt-0", expires_at).to_dict()

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/token":
            return self.token(request)
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
        if self.on_api is not None:
            self.on_api(bearer)
        with self.lock:
            self.api_calls.append(bearer)
            ok = bearer in self.access_tokens
        if not ok:
            return httpx.Response(401, json={"fault": {"error": [{"code": "3200"}]}})
        return httpx.Response(200, json={"ok": True})

    def token(self, request: httpx.Request) -> httpx.Response:
        expected = base64.b64encode(b"app-id:app-secret-XYZ").decode()
        assert request.headers["authorization"] == f"Basic {expected}"
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        with self.lock:
            if form["grant_type"] == "refresh_token":
                self.refresh_calls.append(form["refresh_token"])
                if form["refresh_token"] not in self.refresh_tokens:
                    return httpx.Response(400, json={"error": "invalid_grant"})
                current = max(self.refresh_tokens, key=lambda t: int(t.split("-")[1]))
            else:
                assert form == {"grant_type": "authorization_code", "code": "the-code",
                                "redirect_uri": "https://app.test/cb"}
                current = None
            self.serial += 1
            new_rt, new_at = f"rt-{self.serial}", f"at-{self.serial}"
            self.refresh_tokens = {new_rt} | ({current} if current else set())
            self.access_tokens = {new_at}
        return httpx.Response(200, json={"access_token": new_at, "refresh_token": new_rt,
                                         "token_type": "bearer", "expires_in": 3600,
                                         "x_refresh_token_expires_in": 8726400})


def setup(store: Any, provider: Provider, *, expires_at: float = NOW - 1,
          clock: float = NOW) -> tuple[OAuth2Auth, httpx.Client]:
    if store.load_token(KEY) is None:
        store.save_token(KEY, provider.initial(expires_at))
    transport = httpx.MockTransport(provider.handle)
    auth = OAuth2Auth(ENDPOINTS, CREDENTIALS, store, KEY, provider="test",
                      token_client=httpx.Client(transport=transport), clock=lambda: clock)
    return auth, make_client("https://api.test", transport=transport, auth=auth)


def test_fifty_threads_at_expiry_cause_exactly_one_refresh() -> None:
    """Fifty concurrent requests with an expired token make one refresh and all succeed."""
    provider = Provider()
    _, client = setup(MemoryTokenStore(), provider)
    start = threading.Barrier(50, timeout=BOUND)

    def call(_: int) -> int:
        start.wait()
        return client.get("/api").status_code

    with ThreadPoolExecutor(50) as pool:
        statuses = list(pool.map(call, range(50)))
    assert statuses == [200] * 50
    assert provider.refresh_calls == ["rt-0"]
    assert set(provider.api_calls) == {"at-1"}


def test_two_auth_objects_of_one_account_share_the_refresh() -> None:
    """A second client of the same token key adopts the stored token instead of refreshing."""
    provider, store = Provider(), MemoryTokenStore()
    _, first = setup(store, provider)
    _, second = setup(store, provider)
    assert first.get("/api").status_code == 200
    assert second.get("/api").status_code == 200
    assert provider.refresh_calls == ["rt-0"]


def test_a_token_is_refreshed_shortly_before_it_expires() -> None:
    """A token inside the refresh skew is refreshed before use; a fresh one is not."""
    provider = Provider()
    _, client = setup(MemoryTokenStore(), provider, expires_at=NOW + 60)
    client.get("/api")
    assert provider.refresh_calls == ["rt-0"]
    client.get("/api")
    assert provider.refresh_calls == ["rt-0"]


def test_the_rotated_token_is_persisted_before_it_is_used() -> None:
    """Every request's access token is already in the store when the request is sent."""
    provider, store = Provider(), MemoryTokenStore()
    _, client = setup(store, provider)
    seen_in_store: list[bool] = []
    provider.on_api = lambda bearer: seen_in_store.append(
        (store.load_token(KEY) or {}).get("access_token") == bearer)
    assert client.get("/api").status_code == 200
    assert seen_in_store == [True]
    assert (store.load_token(KEY) or {})["refresh_token"] == "rt-1"


def test_a_401_causes_one_refresh_and_one_retry() -> None:
    """A revoked access token gets a 401, one refresh, and the request succeeds on resend."""
    provider = Provider()
    _, client = setup(MemoryTokenStore(), provider, expires_at=NOW + 3600)
    provider.access_tokens = set()  # revoked at the provider, unexpired locally
    assert client.get("/api").status_code == 200
    assert provider.refresh_calls == ["rt-0"]
    assert provider.api_calls == ["at-0", "at-1"]


def test_a_401_after_the_refresh_is_final() -> None:
    """If the fresh token is refused too, the 401 maps to AuthError without a second refresh."""
    provider = Provider()
    store = MemoryTokenStore()
    auth, http = setup(store, provider, expires_at=NOW + 3600)
    provider.on_api = lambda bearer: provider.access_tokens.clear()
    client = ProviderClient("test", "realm-1", http)
    with pytest.raises(AuthError) as info:
        client.get("/api")
    assert info.value.status == 401
    assert provider.refresh_calls == ["rt-0"]
    assert auth.refreshes == 1


class FailingOnceStore(MemoryTokenStore):
    """A store whose next save fails, as if the process died before the commit."""

    def __init__(self) -> None:
        super().__init__()
        self.fail_next = False

    def save_token(self, key: str, token: Mapping[str, Any]) -> None:
        if self.fail_next:
            self.fail_next = False
            raise OSError("disk full")
        super().save_token(key, token)


def test_a_failed_save_keeps_the_previous_refresh_token_and_recovers() -> None:
    """When saving the rotated token fails, the old refresh token is kept and works next time."""
    provider, store = Provider(), FailingOnceStore()
    auth, client = setup(store, provider)
    store.fail_next = True
    with pytest.raises(StoreError, match="previous refresh token is kept") as info:
        client.get("/api")
    assert provider.api_calls == []  # the unsaved access token was never used
    assert (store.load_token(KEY) or {})["refresh_token"] == "rt-0"
    assert "rt-1" not in str(info.value) and "at-1" not in str(info.value)
    assert client.get("/api").status_code == 200
    assert provider.refresh_calls == ["rt-0", "rt-0"]
    assert (store.load_token(KEY) or {})["refresh_token"] == "rt-2"
    assert auth.refreshes == 2


def test_a_refused_refresh_is_an_auth_error_without_secrets() -> None:
    """invalid_grant raises AuthError naming the grant and code, never the refresh token."""
    provider = Provider()
    provider.refresh_tokens = set()
    _, client = setup(MemoryTokenStore(), provider)
    with pytest.raises(AuthError) as info:
        client.get("/api")
    assert info.value.code == "invalid_grant"
    assert "rt-0" not in str(info.value)
    assert "app-secret-XYZ" not in str(info.value)


def test_no_stored_token_asks_to_connect_first() -> None:
    """Without a stored token the auth raises AuthError instead of sending unauthenticated."""
    auth = OAuth2Auth(ENDPOINTS, CREDENTIALS, MemoryTokenStore(), KEY, provider="test",
                      token_client=httpx.Client(transport=httpx.MockTransport(
                          Provider().handle)))
    with pytest.raises(AuthError, match="connect the account"):
        auth.token()


def test_reprs_hide_every_secret() -> None:
    """Tokens, client secrets and auth objects print without their secret values."""
    provider = Provider()
    auth, client = setup(MemoryTokenStore(), provider)
    client.get("/api")
    token = Token("secret-access", "secret-refresh", NOW)
    texts = [repr(token), str(token), repr(CREDENTIALS), repr(auth), repr(MemoryTokenStore())]
    for text in texts:
        for secret in ("secret-access", "secret-refresh", "app-secret-XYZ", "at-1", "rt-1"):
            assert secret not in text
    assert "app-id" in repr(CREDENTIALS)


def test_token_documents_round_trip() -> None:
    """A token written by to_dict reads back equal, extra response fields included."""
    token = Token.from_response({"access_token": "a", "refresh_token": "r", "expires_in": 3600,
                                 "x_refresh_token_expires_in": 8726400}, now=NOW)
    assert token.expires_at == NOW + 3600
    assert Token.from_dict(token.to_dict()) == token
    assert token.extra == {"x_refresh_token_expires_in": 8726400}


def test_a_refresh_without_a_new_refresh_token_keeps_the_old_one() -> None:
    """Providers that do not rotate answer without refresh_token; the old one stays."""
    token = Token.from_response({"access_token": "a", "expires_in": 60}, now=NOW,
                                previous_refresh_token="r-old")
    assert token.refresh_token == "r-old"


def test_authorization_url_carries_client_redirect_scope_and_state() -> None:
    """The authorize URL has the RFC 6749 parameters and a fresh random state."""
    url, state = authorization_url(ENDPOINTS, CREDENTIALS, redirect_uri="https://app.test/cb")
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    assert url.startswith("https://auth.test/authorize?")
    assert query == {"response_type": "code", "client_id": "app-id",
                     "redirect_uri": "https://app.test/cb", "scope": "accounting",
                     "state": state}
    assert len(state) >= 20
    assert authorization_url(ENDPOINTS, CREDENTIALS, redirect_uri="x")[1] != state


def test_exchange_code_saves_the_tokens() -> None:
    """A code exchange posts the authorization_code grant with Basic auth and stores the result."""
    provider, store = Provider(), MemoryTokenStore()
    client = httpx.Client(transport=httpx.MockTransport(provider.handle))
    token = exchange_code(client, ENDPOINTS, CREDENTIALS, code="the-code",
                          redirect_uri="https://app.test/cb", store=store, key=KEY,
                          provider="test", clock=lambda: NOW)
    assert token.access_token == "at-1"
    assert store.load_token(KEY) == token.to_dict()


def test_the_journal_store_keeps_tokens(tmp_path: Path) -> None:
    """The journal Store is a TokenStore: save replaces, load reads back, across reopening."""
    path = tmp_path / "j.db"
    with Store(path) as store:
        assert store.load_token(KEY) is None
        store.save_token(KEY, Token("a1", "r1", NOW).to_dict())
        store.save_token(KEY, Token("a2", "r2", NOW + 1).to_dict())
    with Store(path) as store:
        assert Token.from_dict(store.load_token(KEY) or {}) == Token("a2", "r2", NOW + 1)
        assert store.load_token("other") is None


def test_the_journal_store_backs_a_refresh(tmp_path: Path) -> None:
    """Refreshing through OAuth2Auth persists the rotated token in the journal store."""
    provider = Provider()
    with Store(tmp_path / "j.db") as store:
        _, client = setup(store, provider)
        assert client.get("/api").status_code == 200
        assert (store.load_token(KEY) or {})["refresh_token"] == "rt-1"


def test_parse_callback_checks_state_and_returns_every_parameter() -> None:
    """A callback with the right state gives code and realmId; a wrong or missing state fails."""
    url = "https://app.test/cb?code=the-code&state=s-1&realmId=123"
    assert parse_callback(url, state="s-1", provider="test") == {
        "code": "the-code", "state": "s-1", "realmId": "123"}
    with pytest.raises(AuthError, match="state"):
        parse_callback(url, state="s-2", provider="test")
    with pytest.raises(AuthError, match="no authorization code"):
        parse_callback("https://app.test/cb?state=s-1", state="s-1", provider="test")


def test_parse_callback_reports_a_refusal() -> None:
    """A user who declines access gives an AuthError carrying the provider's error code."""
    with pytest.raises(AuthError) as info:
        parse_callback("https://app.test/cb?error=access_denied&state=s", state="s",
                       provider="test")
    assert info.value.code == "access_denied"


@pytest.mark.parametrize(("answer", "expected"), [
    ({"access_token": "at-1", "refresh_token": "rt-1", "expires_in": "soon"},
     "expires_in is not a number of seconds (got 'soon')"),
    ({"access_token": "at-1", "expires_in": True}, "expires_in is not a number"),
    ({"access_token": "", "expires_in": 3600}, "access_token is not a non-empty string"),
    ({"access_token": 12, "expires_in": 3600}, "access_token is not a non-empty string"),
    ({"access_token": "at-1", "refresh_token": ["x"]}, "refresh_token is not"),
    ({"access_token": "at-1", "token_type": 1}, "token_type is not a string"),
    ({"refresh_token": "rt-1"}, "no access_token"),
    ([], "not a JSON object"),
    ("<html>", "not a JSON object"),
])
def test_a_malformed_token_answer_is_a_provider_error_and_nothing_is_saved(
        answer: object, expected: str) -> None:
    """A 200 from the token endpoint that is not a token is refused where it arrives."""
    body = answer.encode() if isinstance(answer, str) else json.dumps(answer).encode()
    client = httpx.Client(transport=httpx.MockTransport(
        lambda _: httpx.Response(200, content=body)))
    store = MemoryTokenStore()
    with pytest.raises(ProviderError) as caught:
        exchange_code(client, ENDPOINTS, CREDENTIALS, code="the-code",
                      redirect_uri="https://app.test/cb", store=store, key=KEY,
                      provider="test", clock=lambda: NOW)
    assert expected in caught.value.message
    assert not isinstance(caught.value, AuthError)
    assert store.load_token(KEY) is None


def test_endpoints_on_another_host_keep_their_paths_scopes_and_headers() -> None:
    """An emulator serves the consent page and the token endpoint at the real paths."""
    real = OAuthEndpoints("https://consent.example/connect/authorize",
                          "https://tokens.example/oauth2/v1/tokens/bearer", scopes=("a", "b"),
                          token_headers={"x-extra": "1"})
    moved = real.on_host("http://127.0.0.1:8400/")
    assert moved.authorize_url == "http://127.0.0.1:8400/connect/authorize"
    assert moved.token_url == "http://127.0.0.1:8400/oauth2/v1/tokens/bearer"
    assert (moved.scopes, moved.token_headers) == (real.scopes, real.token_headers)
