"""`ledgerlink billy connect|status|disconnect` against the emulator on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from ledgerlink.cli import main
from ledgerlink.http.limits import LimiterRegistry
from ledgerlink.store import Store
from ledgerlink_billy import BillyConnector
from ledgerlink_billy.cli import TOKEN_ENV, token_key
from ledgerlink_billy.emulator import BillyEmulator


@pytest.fixture
def served() -> Iterator[tuple[Any, str]]:
    """An emulator company on 127.0.0.1; yields the company and the base URL."""
    emulator = BillyEmulator()
    org = emulator.create_organization("Tømrer ApS")
    with emulator.serve() as server:
        yield org, server.base_url


def _invoke(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, ["billy", *args], input=input, env=env)


def test_connect_checks_the_pasted_token_and_saves_it(served: tuple[Any, str],
                                                      tmp_path: Path) -> None:
    """A pasted token is checked with Billy, saved under billy:<organization id> and never
    printed; the connector then works from the store alone."""
    org, base = served
    store = tmp_path / "journal.db"
    result = _invoke("connect", "--base-url", base, "--store", str(store),
                     input=f"{org.access_token}\n")
    assert result.exit_code == 0, result.output
    assert org.access_token not in result.output
    assert f"Connected Billy company Tømrer ApS ({org.id})" in result.output
    with Store(str(store)) as opened:
        assert opened.load_token(token_key(org.id))["access_token"] == org.access_token
    book = BillyConnector(organization_id=org.id, store=str(store), base_url=base,
                          limiters=LimiterRegistry())
    try:
        assert book.organization().name == "Tømrer ApS"
    finally:
        book.close()


def test_connect_refuses_a_wrong_token_and_saves_nothing(served: tuple[Any, str],
                                                         tmp_path: Path) -> None:
    """A token Billy refuses is an error naming Billy's code; nothing is saved or printed."""
    _, base = served
    store = tmp_path / "journal.db"
    wrong = "not-the-token-0123456789"
    result = _invoke("connect", "--base-url", base, "--store", str(store),
                     env={TOKEN_ENV: wrong})
    assert result.exit_code == 1
    assert "Billy refused the token" in result.output
    assert wrong not in result.output
    assert not store.exists() or Store(str(store)).load_token("billy:x") is None


def test_status_and_disconnect_with_json(served: tuple[Any, str], tmp_path: Path) -> None:
    """status and disconnect print one JSON document with --json, never the token; after
    disconnect the company reads as not connected."""
    org, base = served
    store = tmp_path / "journal.db"
    connected = _invoke("connect", "--base-url", base, "--store", str(store), "--json",
                        env={TOKEN_ENV: org.access_token})
    assert json.loads(connected.output)["organization_id"] == org.id
    status = _invoke("status", "--organization-id", org.id, "--store", str(store), "--json")
    assert status.exit_code == 0
    assert json.loads(status.output) == {
        "organization_id": org.id, "organization_name": "Tømrer ApS", "connected": True,
        "store": str(store)}
    assert org.access_token not in status.output
    gone = _invoke("disconnect", "--organization-id", org.id, "--store", str(store), "--yes",
                   "--json")
    assert gone.exit_code == 0, gone.output
    assert json.loads(gone.output)["disconnected"] is True
    again = _invoke("status", "--organization-id", org.id, "--store", str(store))
    assert again.exit_code == 1
    assert "not connected" in again.output


def test_disconnect_without_yes_keeps_the_token(served: tuple[Any, str],
                                                tmp_path: Path) -> None:
    """Without --yes and without a terminal to ask at, disconnect refuses (exit 2, naming
    --yes) and keeps the token."""
    org, base = served
    store = tmp_path / "journal.db"
    _invoke("connect", "--base-url", base, "--store", str(store),
            env={TOKEN_ENV: org.access_token})
    kept = _invoke("disconnect", "--organization-id", org.id, "--store", str(store))
    assert kept.exit_code == 2
    assert "--yes" in kept.output
    with Store(str(store)) as opened:
        assert opened.load_token(token_key(org.id))["access_token"] == org.access_token


def test_a_connector_without_a_saved_token_says_how_to_connect(tmp_path: Path) -> None:
    """No token in the store: an AuthError naming the connect command."""
    from ledgerlink.errors import AuthError

    with pytest.raises(AuthError, match="ledgerlink billy connect"):
        BillyConnector(organization_id="nobody", store=str(tmp_path / "empty.db"))
