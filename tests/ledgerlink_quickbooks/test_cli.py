"""`ledgerlink quickbooks connect|disconnect|status` against the emulator served on 127.0.0.1.

The consent screen is the one step a test cannot click through: the emulator
mints the code the callback would carry (``emulator.authorize(realm)``) and the
test builds the redirect URL with the ``state`` the command printed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from click.testing import CliRunner, Result

from ledgerlink import Address, Customer
from ledgerlink.cli import main
from ledgerlink.http.limits import LimiterRegistry
from ledgerlink.store import Store
from ledgerlink_quickbooks import QuickBooksConnector
from ledgerlink_quickbooks import cli as quickbooks_cli
from ledgerlink_quickbooks.emulator import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    REVOKE_PATH,
    QuickBooksEmulator,
)

REALM = "9130"
REDIRECT_URI = "https://app.example/callback"
CUSTOMER = Customer(id="cli-1", name="CLI Customer", email="ap@cli.example", currency="USD",
                    address=Address("1 Main St", "94043", "Mountain View", "US"))


@pytest.fixture
def served() -> Iterator[tuple[QuickBooksEmulator, str]]:
    """An emulator with one company, on 127.0.0.1; yields it and its base URL."""
    emulator = QuickBooksEmulator()
    emulator.add_realm(REALM, home_currency="USD")
    with emulator.serve() as server:
        yield emulator, server.base_url


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app's credentials come from the environment, as the docs recommend."""
    monkeypatch.setenv(quickbooks_cli.CLIENT_ID_ENV, DEFAULT_CLIENT_ID)
    monkeypatch.setenv(quickbooks_cli.CLIENT_SECRET_ENV, DEFAULT_CLIENT_SECRET)


def _invoke(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(main, ["quickbooks", *args], input=input)


def _start(base: str, store: Path) -> tuple[Result, str]:
    """Start connecting without answering the prompt; return the result and the state sent."""
    result = _invoke("connect", "--redirect-uri", REDIRECT_URI, "--base-url", base,
                     "--store", str(store))
    urls = re.findall(re.escape(base) + r"/connect/oauth2\?\S+", result.output)
    assert len(urls) == 1, result.output
    query = parse_qs(urlsplit(urls[0]).query)
    assert query["client_id"] == [DEFAULT_CLIENT_ID]
    assert query["redirect_uri"] == [REDIRECT_URI]
    assert query["scope"] == ["com.intuit.quickbooks.accounting"]
    return result, query["state"][0]


def _callback(**params: str) -> str:
    return f"{REDIRECT_URI}?{urlencode(params)}"


def _finish(base: str, store: Path, redirect: str) -> Result:
    return _invoke("connect", "--base-url", base, "--store", str(store),
                   "--redirect-url", redirect)


def _connect(emulator: QuickBooksEmulator, base: str, store: Path) -> Result:
    _, state = _start(base, store)
    code = emulator.authorize(REALM)
    return _finish(base, store, _callback(code=code, state=state, realmId=REALM))


def _stored(store: Path, key: str) -> dict[str, object] | None:
    with Store(store) as journal:
        return journal.load_token(key)


@pytest.mark.usefixtures("env")
def test_connect_then_the_connector_works_without_further_auth(
        served: tuple[QuickBooksEmulator, str], tmp_path: Path) -> None:
    """The tokens land under the connector's key; the connector then works with no refresh."""
    emulator, base = served
    store = tmp_path / "ledgerlink.db"
    started, state = _start(base, store)
    assert started.exit_code == 1  # no URL pasted: the prompt was aborted
    assert "--redirect-url" in started.output
    result = _finish(base, store, _callback(code=emulator.authorize(REALM), state=state,
                                            realmId=REALM))
    assert result.exit_code == 0, result.output
    assert f"realm) {REALM}" in result.output
    assert _stored(store, f"quickbooks:{REALM}") is not None
    book = QuickBooksConnector(realm_id=REALM, client_id=DEFAULT_CLIENT_ID,
                               client_secret=DEFAULT_CLIENT_SECRET, store=store, base_url=base,
                               limiters=LimiterRegistry())
    try:
        ref = book.create_customer(CUSTOMER)
        assert book.find_customer(CUSTOMER) == ref
    finally:
        book.close()
    assert emulator.auth.refresh_count == 0


def test_connect_interactively_through_the_installed_command(
        served: tuple[QuickBooksEmulator, str], tmp_path: Path) -> None:
    """The real `ledgerlink` program prints the URL, reads the pasted redirect and connects."""
    emulator, base = served
    program = shutil.which("ledgerlink")
    assert program, "the ledgerlink console script is installed with the project"
    store = tmp_path / "ledgerlink.db"
    environ = {**os.environ, quickbooks_cli.CLIENT_ID_ENV: DEFAULT_CLIENT_ID,
               quickbooks_cli.CLIENT_SECRET_ENV: DEFAULT_CLIENT_SECRET,
               quickbooks_cli.REDIRECT_URI_ENV: REDIRECT_URI, "PYTHONUNBUFFERED": "1"}
    with subprocess.Popen([program, "quickbooks", "connect", "--base-url", base, "--store",
                           str(store)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, env=environ) as child:
        assert child.stdout is not None and child.stdin is not None
        # The child waits for the pasted URL: a missing consent line must not hang the test.
        watchdog = threading.Timer(60, child.kill)
        watchdog.start()
        seen = []
        for line in child.stdout:
            seen.append(line)
            if f"{base}/connect/oauth2?" in line:
                break
        watchdog.cancel()
        state = parse_qs(urlsplit(seen[-1].strip()).query)["state"][0]
        child.stdin.write(_callback(code=emulator.authorize(REALM), state=state,
                                    realmId=REALM) + "\n")
        child.stdin.flush()
        out, err = child.communicate(timeout=60)
    assert child.returncode == 0, out + err
    assert f"realm) {REALM}" in out
    assert DEFAULT_CLIENT_SECRET not in "".join(seen) + out + err
    assert _stored(store, f"quickbooks:{REALM}") is not None


@pytest.mark.usefixtures("env")
def test_a_callback_with_another_state_is_refused(
        served: tuple[QuickBooksEmulator, str], tmp_path: Path) -> None:
    """A forged or stale callback saves nothing and says why."""
    emulator, base = served
    store = tmp_path / "ledgerlink.db"
    _start(base, store)
    result = _finish(base, store, _callback(code=emulator.authorize(REALM), state="forged",
                                            realmId=REALM))
    assert result.exit_code == 1
    assert "state does not match" in result.output
    assert _stored(store, f"quickbooks:{REALM}") is None


@pytest.mark.usefixtures("env")
def test_a_callback_is_used_once(served: tuple[QuickBooksEmulator, str], tmp_path: Path) -> None:
    """Finishing twice with the same callback is refused: the started state was consumed."""
    emulator, base = served
    store = tmp_path / "ledgerlink.db"
    _, state = _start(base, store)
    redirect = _callback(code=emulator.authorize(REALM), state=state, realmId=REALM)
    assert _finish(base, store, redirect).exit_code == 0
    again = _finish(base, store, redirect)
    assert again.exit_code == 1
    assert "no connection was started" in again.output


@pytest.mark.usefixtures("env")
def test_finishing_without_starting_is_refused(tmp_path: Path) -> None:
    """--redirect-url alone has no state to check against, so nothing is exchanged."""
    result = _finish("http://127.0.0.1:9", tmp_path / "ledgerlink.db",
                     _callback(code="ABC", state="s", realmId=REALM))
    assert result.exit_code == 1
    assert "run `ledgerlink quickbooks connect` without --redirect-url first" in result.output


@pytest.mark.usefixtures("env")
def test_the_users_refusal_keeps_the_providers_words(
        served: tuple[QuickBooksEmulator, str], tmp_path: Path) -> None:
    """error=access_denied on the callback is reported with Intuit's description."""
    _, base = served
    store = tmp_path / "ledgerlink.db"
    _, state = _start(base, store)
    result = _finish(base, store, _callback(error="access_denied", state=state,
                                            error_description="The user did not consent"))
    assert result.exit_code == 1
    assert "The user did not consent" in result.output


@pytest.mark.usefixtures("env")
def test_a_refused_code_keeps_the_providers_words(
        served: tuple[QuickBooksEmulator, str], tmp_path: Path) -> None:
    """The token endpoint's invalid_grant text reaches the user; nothing is saved."""
    _, base = served
    store = tmp_path / "ledgerlink.db"
    _, state = _start(base, store)
    result = _finish(base, store, _callback(code="AB-never-issued", state=state, realmId=REALM))
    assert result.exit_code == 1
    assert "Incorrect or invalid refresh token" in result.output  # the emulator's words
    assert "AB-never-issued" not in result.output
    assert _stored(store, f"quickbooks:{REALM}") is None


def test_a_wrong_client_secret_is_refused_and_never_printed(
        served: tuple[QuickBooksEmulator, str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """invalid_client comes back as the provider said it; the secret typed appears nowhere."""
    emulator, base = served
    secret = "wrong-secret-5f2c9a"
    monkeypatch.setenv(quickbooks_cli.CLIENT_ID_ENV, DEFAULT_CLIENT_ID)
    store = tmp_path / "ledgerlink.db"
    # The secret is typed at the hidden prompt: it must not be echoed either.
    started = _invoke("connect", "--redirect-uri", REDIRECT_URI, "--base-url", base,
                      "--store", str(store), input=f"{secret}\n")
    consent = re.findall(re.escape(base) + r"/connect/oauth2\S+", started.output)[0]
    state = parse_qs(urlsplit(consent).query)
    code = emulator.authorize(REALM)
    result = _invoke("connect", "--base-url", base, "--store", str(store), "--redirect-url",
                     _callback(code=code, state=state["state"][0], realmId=REALM),
                     input=f"{secret}\n")
    assert result.exit_code == 1
    assert "invalid_client" in result.output
    for output in (started.output, result.output):
        assert secret not in output
        assert code not in output


@pytest.mark.usefixtures("env")
def test_output_holds_no_token(served: tuple[QuickBooksEmulator, str], tmp_path: Path) -> None:
    """Connecting and asking for the status print neither the code nor any token."""
    emulator, base = served
    store = tmp_path / "ledgerlink.db"
    _, state = _start(base, store)
    code = emulator.authorize(REALM)
    connected = _finish(base, store, _callback(code=code, state=state, realmId=REALM))
    status = _invoke("status", "--realm-id", REALM, "--store", str(store))
    assert status.exit_code == 0, status.output
    assert "connected" in status.output
    token = _stored(store, f"quickbooks:{REALM}")
    assert token is not None
    for output in (connected.output, status.output):
        for secret in (code, DEFAULT_CLIENT_SECRET, token["access_token"],
                       token["refresh_token"]):
            assert str(secret) not in output


@pytest.mark.usefixtures("env")
def test_disconnect_revokes_and_forgets_the_tokens(
        served: tuple[QuickBooksEmulator, str], tmp_path: Path) -> None:
    """After disconnect the refresh token is dead at the provider and gone from the store."""
    emulator, base = served
    store = tmp_path / "ledgerlink.db"
    assert _connect(emulator, base, store).exit_code == 0
    before = _stored(store, f"quickbooks:{REALM}")
    assert before is not None
    refused = _invoke("disconnect", "--realm-id", REALM, "--base-url", base, "--store",
                      str(store))
    assert refused.exit_code == 2  # no terminal to ask at and no --yes: nothing happens
    assert "--yes" in refused.output
    assert _stored(store, f"quickbooks:{REALM}") == before
    result = _invoke("disconnect", "--realm-id", REALM, "--base-url", base, "--store",
                     str(store), "--yes")
    assert result.exit_code == 0, result.output
    assert str(before["refresh_token"]) not in result.output
    after = _stored(store, f"quickbooks:{REALM}") or {}
    assert not after.get("refresh_token")
    assert before["access_token"] not in after.values()
    refresh = httpx.post(base + "/oauth2/v1/tokens/bearer",
                         data={"grant_type": "refresh_token",
                               "refresh_token": str(before["refresh_token"])},
                         auth=(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET))
    assert refresh.json()["error"] == "invalid_grant"
    status = _invoke("status", "--realm-id", REALM, "--store", str(store))
    assert status.exit_code == 1
    assert "not connected" in status.output
    again = _invoke("disconnect", "--realm-id", REALM, "--base-url", base, "--store",
                    str(store))
    assert again.exit_code == 1
    assert f"no QuickBooks company {REALM} is connected" in again.output


def test_the_revoke_path_is_the_emulators() -> None:
    """The CLI revokes where the emulator (and Intuit) listen."""
    assert quickbooks_cli.REVOKE_PATH == REVOKE_PATH
    assert quickbooks_cli.REVOKE_URL.endswith(REVOKE_PATH)


def test_ledgerlink_help_lists_the_quickbooks_commands() -> None:
    """The plugin's commands come through the hook into the core CLI."""
    top = CliRunner().invoke(main, ["--help"])
    assert top.exit_code == 0
    assert re.search(r"^  quickbooks\s", top.output, re.MULTILINE)
    group = CliRunner().invoke(main, ["quickbooks", "--help"])
    for command in ("connect", "disconnect", "status"):
        assert re.search(rf"^  {command}\s", group.output, re.MULTILINE)


def test_a_database_password_in_the_store_url_is_never_shown() -> None:
    """Messages name the store; a SQLAlchemy URL's password is masked in them."""
    shown = quickbooks_cli.display_store("postgresql+psycopg://ledger:hunter2@db.internal/books")
    assert "hunter2" not in shown
    assert shown.startswith("postgresql+psycopg://ledger:") and shown.endswith("/books")
    assert quickbooks_cli.display_store("ledgerlink.db") == "ledgerlink.db"
