"""Known secret values never reach error text, reprs or log lines, wherever a provider puts them.

A provider may quote the token it refused in prose ("the token eyJ… has
expired"), where no ``field=value`` shape gives it away. Each connection knows
its own secrets (client secret, access and refresh tokens as they are loaded
and refreshed, an authorization code in flight) and scrubs them by value.
"""

from __future__ import annotations

import json
import logging
import string
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qsl, quote

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgerlink.errors import AuthError, ProviderError, TransientProviderError
from ledgerlink.http import ProviderClient, make_client
from ledgerlink.http.errors import Fault, error_from_fault
from ledgerlink.http.limits import LimiterRegistry
from ledgerlink.http.oauth import (
    ClientCredentials,
    MemoryTokenStore,
    OAuth2Auth,
    OAuthEndpoints,
    exchange_code,
)
from ledgerlink.http.redact import MIN_SECRET_CHARS, REDACTED, KnownSecrets
from ledgerlink.store import Store
from ledgerlink.testing.factories import make_customer
from ledgerlink_dinero import DineroConnector
from ledgerlink_dinero import emulator as dinero_emulator
from ledgerlink_dinero.settings import endpoints_at as dinero_endpoints
from ledgerlink_quickbooks import QuickBooksConnector
from ledgerlink_quickbooks import emulator as quickbooks_emulator
from ledgerlink_quickbooks.settings import endpoints_at as quickbooks_endpoints

Answer = Callable[[httpx.Request], httpx.Response | None]
TOKEN_CHARS = string.ascii_letters + string.digits + "-._~+/="
secrets_ = st.text(TOKEN_CHARS, min_size=MIN_SECRET_CHARS, max_size=60)
prose = st.text(min_size=0, max_size=40)


class Echoing(httpx.BaseTransport):
    """The emulator, except where ``answer`` gives its own response for a request."""

    def __init__(self, inner: httpx.BaseTransport, answer: Answer) -> None:
        self.inner = inner
        self.answer = answer

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        return self.answer(request) or self.inner.handle_request(request)


def _bearer(request: httpx.Request) -> str:
    return request.headers.get("authorization", "")[len("Bearer "):]


def _clean(err: BaseException, *values: str) -> None:
    """None of ``values`` is in the error's text, repr, message or arguments."""
    texts = [str(err), repr(err), *map(str, err.args)]
    if isinstance(err, ProviderError):
        texts.append(err.message)
    for value in values:
        assert len(value) >= MIN_SECRET_CHARS
        for text in texts:
            assert value not in text


@given(secret=secrets_, before=prose, after=prose)
def test_a_known_value_is_scrubbed_wherever_it_stands(secret: str, before: str,
                                                      after: str) -> None:
    """Any text holding a known value, as is, URL-encoded or JSON-escaped, loses it."""
    known = KnownSecrets(secret)
    for spelling in (secret, quote(secret, safe=""), json.dumps(secret)[1:-1]):
        scrubbed = known.scrub(f"{before}{spelling}{after}")
        assert secret not in scrubbed and REDACTED in scrubbed


def test_short_values_and_none_are_not_secrets_and_the_repr_says_only_how_many() -> None:
    """Values too short to be a token are skipped (they would mangle words); the repr
    never shows a value."""
    known = KnownSecrets("abc", None, "tok-1234567890")
    assert len(known) == 1
    assert known.scrub("abc uses tok-1234567890") == f"abc uses {REDACTED}"
    assert "tok-1234567890" not in repr(known)


def test_a_batch_items_fault_loses_the_known_values() -> None:
    """error_from_fault, given the connection's secrets, scrubs the item's message."""
    known = KnownSecrets("item-secret-0001")
    err = error_from_fault(Fault("bad token item-secret-0001 here", "401"),
                           provider="x", secrets=known)
    _clean(err, "item-secret-0001")
    assert err.message == f"bad token {REDACTED} here"


def _http(answer: Answer, *, token: str = "access-token-123456789") -> ProviderClient:
    """A ProviderClient whose OAuth2 auth holds ``token`` (and its refresh token)."""
    store = MemoryTokenStore({"k": {"access_token": token, "refresh_token": "refresh-987654321",
                                    "expires_at": None}})
    endpoints = OAuthEndpoints("https://id.example/authorize", "https://id.example/token")
    auth = OAuth2Auth(endpoints, ClientCredentials("client", "client-secret-42"), store, "k",
                      provider="x", token_client=make_client(transport=httpx.MockTransport(
                          lambda request: answer(request) or httpx.Response(500))))
    client = make_client("https://api.example", auth=auth,
                         transport=httpx.MockTransport(
                             lambda request: answer(request) or httpx.Response(200)))
    return ProviderClient("x", "acct", client, limiters=LimiterRegistry(), attempts=1)


def test_an_error_body_quoting_the_token_in_prose_loses_it_and_so_do_the_logs(
    caplog: pytest.LogCaptureFixture
) -> None:
    """A plain-text 400 that repeats the bearer token: the raised error and the debug log
    line carry neither it nor any other known secret."""

    def answer(request: httpx.Request) -> httpx.Response:
        said = f"Your token {_bearer(request)} may not do this; ask again"
        return httpx.Response(400, text=said, headers={"x-echo": _bearer(request)})

    with caplog.at_level(logging.DEBUG, logger="ledgerlink.http"), \
            pytest.raises(ProviderError) as caught:
        _http(answer).get("/things")
    _clean(caught.value, "access-token-123456789")
    assert f"Your token {REDACTED} may not do this" in caught.value.message
    assert caplog.records and "access-token-123456789" not in caplog.text


def test_a_refused_refresh_quoting_the_refresh_token_and_secret_loses_both() -> None:
    """The token endpoint refuses a refresh, repeating the refresh token and client secret
    in its description: the AuthError keeps the words, not the values."""

    def answer(request: httpx.Request) -> httpx.Response | None:
        if request.url.path == "/token":
            form = dict(parse_qsl(request.content.decode()))
            return httpx.Response(400, json={
                "error": "invalid_grant",
                "error_description": f"grant {form['refresh_token']} revoked for client "
                                     "whose secret is client-secret-42"})
        return httpx.Response(401, text=f"expired: {_bearer(request)}")

    with pytest.raises(AuthError) as caught:
        _http(answer).get("/things")
    _clean(caught.value, "refresh-987654321", "client-secret-42", "access-token-123456789")
    assert "revoked for client" in caught.value.message


def test_a_refused_code_exchange_quoting_the_code_loses_it() -> None:
    """Exchanging an authorization code that the endpoint refuses, quoting it: the code
    and the client secret are not in the error."""
    code = "auth-code-5550123"

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"error": "invalid_grant",
                                          "error_description": f"code {code} already used"})

    client = make_client(transport=httpx.MockTransport(answer))
    endpoints = OAuthEndpoints("https://id.example/authorize", "https://id.example/token")
    with pytest.raises(AuthError) as caught:
        exchange_code(client, endpoints, ClientCredentials("client", "client-secret-42"),
                      code=code, redirect_uri="https://app.example/cb",
                      store=MemoryTokenStore(), key="k", provider="x")
    _clean(caught.value, code)
    assert caught.value.message.endswith(f"code {REDACTED} already used")


def test_a_dinero_error_repeating_the_access_token_in_prose_is_scrubbed(tmp_path: Path) -> None:
    """Dinero's JSON error and its plain-text error, each quoting the bearer token: the
    connector's errors keep Dinero's words and code, not the token."""
    emulator = dinero_emulator.DineroEmulator()
    organisation = "4242"
    emulator.add_organisation(organisation)
    base = "https://dinero-emulator.test"
    store = Store(tmp_path / "tokens.db")
    with httpx.Client(transport=emulator.transport(), base_url=base) as client:
        credentials = ClientCredentials(dinero_emulator.DEFAULT_CLIENT_ID,
                                        dinero_emulator.DEFAULT_CLIENT_SECRET)
        token = exchange_code(client, dinero_endpoints(base), credentials,
                              code=emulator.authorize(organisation), redirect_uri="https://a/cb",
                              store=store, key=f"dinero:{organisation}", provider="dinero")

    def answer(request: httpx.Request) -> httpx.Response | None:
        if request.url.path.endswith("/invoices/json-echo"):
            return httpx.Response(400, json={
                "code": 45, "message": f"Token {_bearer(request)} cannot read this invoice",
                "validationErrors": {"Authorization": f"Bearer {_bearer(request)}"}})
        if request.url.path.endswith("/invoices/text-echo"):
            return httpx.Response(400, text=f"token {_bearer(request)} was refused")
        if request.method == "POST" and request.url.path.endswith("/contacts"):
            return httpx.Response(200, text=f"<p>session {_bearer(request)}</p>")
        return None

    with DineroConnector(organisation_id=organisation,
                         client_id=dinero_emulator.DEFAULT_CLIENT_ID,
                         client_secret=dinero_emulator.DEFAULT_CLIENT_SECRET,
                         token_store=store, base_url=base,
                         transport=Echoing(emulator.transport(), answer),
                         limiters=LimiterRegistry()) as dinero:
        for guid in ("json-echo", "text-echo"):
            with pytest.raises(ProviderError) as caught:
                dinero.get_invoice(guid)
            _clean(caught.value, token.access_token, token.refresh_token or "",
                   dinero_emulator.DEFAULT_CLIENT_SECRET)
            assert REDACTED in caught.value.message
        assert caught.value.message == f"token {REDACTED} was refused"
        # A write answered 200 with a body Dinero never sends, quoting the token.
        with pytest.raises(TransientProviderError) as unreadable:
            dinero.create_customer(make_customer())
        _clean(unreadable.value, token.access_token)
        assert f"session {REDACTED}" in unreadable.value.message
    store.close()


def test_a_quickbooks_fault_repeating_the_access_token_in_prose_is_scrubbed(
    tmp_path: Path
) -> None:
    """A QuickBooks Fault whose Detail quotes the bearer token: the error keeps the code
    and the words, not the token; it reaches QuickBooks through the shared HTTP layer."""
    emulator = quickbooks_emulator.QuickBooksEmulator()
    realm = "9130357766900"
    emulator.add_realm(realm)
    base = "https://qbo-emulator.test"
    store = Store(tmp_path / "tokens.db")
    with httpx.Client(transport=emulator.transport(), base_url=base) as client:
        credentials = ClientCredentials(quickbooks_emulator.DEFAULT_CLIENT_ID,
                                        quickbooks_emulator.DEFAULT_CLIENT_SECRET)
        token = exchange_code(client, quickbooks_endpoints(base), credentials,
                              code=emulator.authorize(realm), redirect_uri="https://a/cb",
                              store=store, key=f"quickbooks:{realm}", provider="quickbooks")

    def answer(request: httpx.Request) -> httpx.Response | None:
        if request.url.path.endswith("/invoice/777"):
            return httpx.Response(400, json={"Fault": {"type": "ValidationFault", "Error": [{
                "Message": "Invalid token", "code": "2050",
                "Detail": f"The token {_bearer(request)} is not valid for realm {realm}"}]}})
        return None

    quickbooks = QuickBooksConnector(realm_id=realm,
                                     client_id=quickbooks_emulator.DEFAULT_CLIENT_ID,
                                     client_secret=quickbooks_emulator.DEFAULT_CLIENT_SECRET,
                                     token_store=store, base_url=base,
                                     transport=Echoing(emulator.transport(), answer),
                                     limiters=LimiterRegistry())
    with quickbooks, pytest.raises(ProviderError) as caught:
        quickbooks.get_invoice("777")
    store.close()
    _clean(caught.value, token.access_token, quickbooks_emulator.DEFAULT_CLIENT_SECRET)
    assert caught.value.code == "2050"
    assert caught.value.message == f"The token {REDACTED} is not valid for realm {realm}"
