"""What OAuth2 connectors build from options: checked options, flags, and the connection."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgerlink.errors import ValidationError
from ledgerlink.http.connection import flag, oauth_connection, required_options
from ledgerlink.http.oauth import MemoryTokenStore, OAuthEndpoints, Token

ENDPOINTS = OAuthEndpoints("https://auth.test/authorize", "https://auth.test/token")


def test_required_options_are_stripped_and_a_blank_one_is_named() -> None:
    """Blank or missing options name the field; a secret's value is never shown."""
    assert required_options("Acme", realm_id=" 42 ") == {"realm_id": "42"}
    with pytest.raises(ValidationError) as caught:
        required_options("Acme", realm_id="1", client_secret="  ")
    assert caught.value.field == "client_secret"
    assert caught.value.value is None
    with pytest.raises(ValidationError, match="required Acme option") as other:
        required_options("Acme", realm_id=5)
    assert other.value.value == 5


@given(st.sampled_from(["1", "true", "YES", " on ", True]))
def test_flags_read_yes(value: str | bool) -> None:
    """Every spelling of yes is True."""
    assert flag(value, "drafts") is True


@given(st.sampled_from(["", "0", "false", "No", "off", False]))
def test_flags_read_no(value: str | bool) -> None:
    """Every spelling of no is False."""
    assert flag(value, "drafts") is False


@given(st.text().filter(lambda t: t.strip().lower() not in
                        {"", "0", "1", "true", "false", "yes", "no", "on", "off"}))
def test_anything_else_is_not_a_flag(value: str) -> None:
    """Nothing else passes as a yes or a no."""
    with pytest.raises(ValidationError, match="expected true or false"):
        flag(value, "drafts")


def test_a_connection_sends_bearer_and_params_and_closes_what_it_opened(tmp_path: Path) -> None:
    """Tokens from the journal store, the extra query parameters, and close() closing the store."""
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"ok": True})

    store_path = tmp_path / "journal.db"
    from ledgerlink.store import Store

    with Store(str(store_path)) as journal:
        journal.save_token("acme:1", Token("at-1", "rt-1", None).to_dict())
    connection = oauth_connection(
        provider="acme", account="acme-1", api_base="https://api.test/v1", endpoints=ENDPOINTS,
        client_id="id", client_secret="secret", token_key="acme:1", token_store=None,
        store=store_path, transport=httpx.MockTransport(handle), params={"minorversion": "75"})
    assert connection.own_store is not None
    connection.http.get("things")
    assert seen[0].headers["authorization"] == "Bearer at-1"
    assert seen[0].url.params["minorversion"] == "75"
    assert str(seen[0].url).startswith("https://api.test/v1/things")
    connection.close()
    assert connection.http.client.is_closed


def test_a_given_token_store_is_not_closed() -> None:
    """A caller's token store stays the caller's."""
    tokens = MemoryTokenStore()
    connection = oauth_connection(
        provider="acme", account="acme-1", api_base="https://api.test", endpoints=ENDPOINTS,
        client_id="id", client_secret="secret", token_key="acme:1", token_store=tokens)
    assert connection.own_store is None and connection.token_client is None
    connection.close()
