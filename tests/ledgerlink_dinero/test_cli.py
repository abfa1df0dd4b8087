"""`ledgerlink dinero connect|disconnect|status|organisations` against the emulator on 127.0.0.1.

The consent screen is the one step a test cannot click through: the emulator
mints the code the callback would carry (``emulator.authorize(org, ...)``) and
the test builds the redirect URL with the ``state`` the command printed.
"""

from __future__ import annotations

import json
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
from hypothesis import given
from hypothesis import strategies as st

from ledgerlink.cli import main
from ledgerlink.cli.connect import (
    PENDING_TTL,
    callback_url,
    display_store,
    load_pending,
    save_pending,
)
from ledgerlink.errors import AuthError
from ledgerlink.http.limits import LimiterRegistry
from ledgerlink.store import Store
from ledgerlink_dinero import DineroConnector
from ledgerlink_dinero import cli as dinero_cli
from ledgerlink_dinero.emulator import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_SCOPES,
    DineroEmulator,
)

ORG = "401234"
OTHER = "409876"
REDIRECT_URI = "https://app.example/callback"


def consent(base: str) -> str:
    """The consent URL `connect --base-url BASE` prints: the emulator's own page."""
    return re.escape(base) + r"/connect/authorize\?\S+"


@pytest.fixture
def served() -> Iterator[tuple[DineroEmulator, str]]:
    """An emulator with two organisations, on 127.0.0.1; yields it and its base URL."""
    emulator = DineroEmulator()
    emulator.add_organisation(ORG, "Tømrer ApS")
    emulator.add_organisation(OTHER, "Maler ApS", is_pro=False)
    with emulator.serve() as server:
        yield emulator, server.base_url


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app's credentials come from the environment, as the docs recommend."""
    monkeypatch.setenv(dinero_cli.CLIENT_ID_ENV, DEFAULT_CLIENT_ID)
    monkeypatch.setenv(dinero_cli.CLIENT_SECRET_ENV, DEFAULT_CLIENT_SECRET)


def _invoke(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(main, ["dinero", *args], input=input)


def _start(base: str, store: Path, *extra: str) -> tuple[Result, str]:
    """Start connecting without answering the prompt; return the result and the state sent."""
    result = _invoke("connect", "--redirect-uri", REDIRECT_URI, "--base-url", base,
                     "--store", str(store), *extra)
    urls = re.findall(consent(base), result.output)
    assert len(urls) == 1, result.output
    query = parse_qs(urlsplit(urls[0]).query)
    assert query["client_id"] == [DEFAULT_CLIENT_ID]
    assert query["redirect_uri"] == [REDIRECT_URI]
    assert query["response_type"] == ["code"]
    return result, query["state"][0]


def _callback(**params: str) -> str:
    return f"{REDIRECT_URI}?{urlencode(params)}"


def _finish(base: str, store: Path, redirect: str, *extra: str, input: str | None = None
            ) -> Result:
    return _invoke("connect", "--base-url", base, "--store", str(store), "--redirect-url",
                   redirect, *extra, input=input)


def _stored(store: Path, key: str) -> dict[str, object] | None:
    with Store(store) as journal:
        return journal.load_token(key)


@pytest.mark.usefixtures("env")
def test_connect_then_the_connector_works_without_further_auth(
        served: tuple[DineroEmulator, str], tmp_path: Path) -> None:
    """The consent URL asks Dinero's scopes; the tokens land under the connector's key."""
    emulator, base = served
    store = tmp_path / "ledgerlink.db"
    started, state = _start(base, store)
    query = parse_qs(urlsplit(re.findall(consent(base), started.output)[0]).query)
    assert query["scope"] == [DEFAULT_SCOPES]
    assert query["response_mode"] == ["query"]
    assert started.exit_code == 1  # no URL pasted: the prompt was aborted
    assert "--redirect-url" in started.output
    result = _finish(base, store, _callback(code=emulator.authorize(ORG), state=state))
    assert result.exit_code == 0, result.output
    assert f"Connected Dinero organisation {ORG}" in result.output
    assert f"* {ORG}  Tømrer ApS" in result.output
    assert _stored(store, f"dinero:{ORG}") is not None
    book = DineroConnector(organisation_id=ORG, client_id=DEFAULT_CLIENT_ID,
                           client_secret=DEFAULT_CLIENT_SECRET, store=store, base_url=base,
                           limiters=LimiterRegistry())
    try:
        assert [org.Id for org in book.organisations()] == [ORG]
        assert book.find_invoice("no-such-key") is None
    finally:
        book.close()
    assert emulator.auth.refresh_count == 0


@pytest.mark.usefixtures("env")
def test_a_grant_reaching_several_organisations_is_saved_for_the_one_chosen(
        served: tuple[DineroEmulator, str], tmp_path: Path) -> None:
    """Both organisations are listed; the grant is saved under the chosen one only."""
    emulator, base = served
    store = tmp_path / "ledgerlink.db"
    _, state = _start(base, store)
    result = _finish(base, store, _callback(code=emulator.authorize(ORG, OTHER), state=state),
                     "--organisation-id", OTHER)
    assert result.exit_code == 0, result.output
    assert f"  {ORG}  Tømrer ApS" in result.output
    assert f"* {OTHER}  Maler ApS  (no Pro plan" in result.output
    assert _stored(store, f"dinero:{OTHER}") is not None
    assert _stored(store, f"dinero:{ORG}") is None


@pytest.mark.usefixtures("env")
def test_several_organisations_are_chosen_at_the_prompt(
        served: tuple[DineroEmulator, str], tmp_path: Path) -> None:
    """Without --organisation-id the user picks one of the ids listed."""
    emulator, base = served
    store = tmp_path / "ledgerlink.db"
    _, state = _start(base, store)
    result = _finish(base, store, _callback(code=emulator.authorize(ORG, OTHER), state=state),
                     input=f"{ORG}\n")
    assert result.exit_code == 0, result.output
    assert _stored(store, f"dinero:{ORG}") is not None
    assert _stored(store, f"dinero:{OTHER}") is None


@pytest.mark.usefixtures("env")
def test_no_choice_among_several_organisations_saves_nothing(
        served: tuple[DineroEmulator, str], tmp_path: Path) -> None:
    """No answer at the prompt: refused with the way out; no key holds the grant."""
    emulator, base = served
    store = tmp_path / "ledgerlink.db"
    _, state = _start(base, store)
    result = _finish(base, store, _callback(code=emulator.authorize(ORG, OTHER), state=state))
    assert result.exit_code == 1
    assert "connect again with --organisation-id" in result.output
    assert _stored(store, f"dinero:{ORG}") is None
    assert _stored(store, f"dinero:{OTHER}") is None


@pytest.mark.usefixtures("env")
def test_an_organisation_the_grant_does_not_reach_is_refused(
        served: tuple[DineroEmulator, str], tmp_path: Path) -> None:
    """--organisation-id outside the grant names what it does reach; nothing is saved."""
    emulator, base = served
    store = tmp_path / "ledgerlink.db"
    _, state = _start(base, store)
    result = _finish(base, store, _callback(code=emulator.authorize(ORG), state=state),
                     "--organisation-id", OTHER)
    assert result.exit_code == 1
    assert f"does not reach organisation {OTHER} (it reaches {ORG})" in result.output
    assert _stored(store, f"dinero:{OTHER}") is None


@pytest.mark.usefixtures("env")
def test_a_form_post_callback_body_can_be_pasted(
        served: tuple[DineroEmulator, str], tmp_path: Path) -> None:
    """With response_mode=form_post the body code=...&state=... finishes the connection."""
    emulator, base = served
    store = tmp_path / "ledgerlink.db"
    started, state = _start(base, store, "--response-mode", "form_post")
    query = parse_qs(urlsplit(re.findall(consent(base), started.output)[0]).query)
    assert query["response_mode"] == ["form_post"]
    body = urlencode({"code": emulator.authorize(ORG), "state": state})
    result = _finish(base, store, body)
    assert result.exit_code == 0, result.output
    assert _stored(store, f"dinero:{ORG}") is not None


_VALUES = st.text(st.characters(codec="utf-8"), min_size=1)


@given(code=_VALUES, state=_VALUES)
def test_a_pasted_form_body_carries_the_same_parameters_as_a_url(code: str, state: str
                                                                  ) -> None:
    """Whatever the code and state hold, the pasted body and the full URL read the same."""
    body = urlencode({"code": code, "state": state})
    for pasted in (body, f" {_callback(code=code, state=state)} "):
        url = callback_url(pasted, REDIRECT_URI)
        assert url.startswith(REDIRECT_URI + "?")
        assert parse_qs(urlsplit(url).query) == {"code": [code], "state": [state]}


def test_a_started_connection_expires_after_an_hour(tmp_path: Path) -> None:
    """A state older than PENDING_TTL is refused as stale; a fresh one is returned."""
    with Store(tmp_path / "ledgerlink.db") as store:
        save_pending(store, "dinero:authorize:x", state="s1", redirect_uri=REDIRECT_URI,
                     clock=1_000.0)
        fresh = load_pending(store, "dinero:authorize:x", provider="dinero", start_hint="go",
                             now=1_000.0 + PENDING_TTL)
        assert (fresh.state, fresh.redirect_uri) == ("s1", REDIRECT_URI)
        with pytest.raises(AuthError, match="over an hour old"):
            load_pending(store, "dinero:authorize:x", provider="dinero", start_hint="go",
                         now=1_000.0 + PENDING_TTL + 1)


@pytest.mark.usefixtures("env")
def test_a_callback_with_another_state_is_refused(
        served: tuple[DineroEmulator, str], tmp_path: Path) -> None:
    """A forged or stale callback saves nothing and says why."""
    emulator, base = served
    store = tmp_path / "ledgerlink.db"
    _start(base, store)
    result = _finish(base, store, _callback(code=emulator.authorize(ORG), state="forged"))
    assert result.exit_code == 1
    assert "state does not match" in result.output
    assert _stored(store, f"dinero:{ORG}") is None


@pytest.mark.usefixtures("env")
def test_a_callback_is_used_once(served: tuple[DineroEmulator, str], tmp_path: Path) -> None:
    """Finishing twice with the same callback is refused: the started state was consumed."""
    emulator, base = served
    store = tmp_path / "ledgerlink.db"
    _, state = _start(base, store)
    redirect = _callback(code=emulator.authorize(ORG), state=state)
    assert _finish(base, store, redirect).exit_code == 0
    again = _finish(base, store, redirect)
    assert again.exit_code == 1
    assert "run `ledgerlink dinero connect` without --redirect-url first" in again.output


@pytest.mark.usefixtures("env")
def test_the_users_refusal_and_a_refused_code_keep_the_providers_words(
        served: tuple[DineroEmulator, str], tmp_path: Path) -> None:
    """error=access_denied and the token endpoint's invalid_grant reach the user."""
    _, base = served
    store = tmp_path / "ledgerlink.db"
    _, state = _start(base, store)
    denied = _finish(base, store, _callback(error="access_denied", state=state,
                                            error_description="The user did not consent"))
    assert denied.exit_code == 1
    assert "The user did not consent" in denied.output
    _, state = _start(base, store)
    refused = _finish(base, store, _callback(code="never-issued-code", state=state))
    assert refused.exit_code == 1
    assert "invalid_grant" in refused.output
    assert "never-issued-code" not in refused.output
    assert _stored(store, f"dinero:{ORG}") is None


def test_a_wrong_client_secret_is_refused_and_never_printed(
        served: tuple[DineroEmulator, str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The secret typed at the hidden prompt is neither echoed nor in the refusal."""
    emulator, base = served
    secret = "wrong-secret-8d31e7"
    monkeypatch.setenv(dinero_cli.CLIENT_ID_ENV, DEFAULT_CLIENT_ID)
    store = tmp_path / "ledgerlink.db"
    started = _invoke("connect", "--redirect-uri", REDIRECT_URI, "--base-url", base,
                      "--store", str(store), input=f"{secret}\n")
    state = parse_qs(urlsplit(re.findall(consent(base), started.output)[0]).query)["state"][0]
    code = emulator.authorize(ORG)
    result = _finish(base, store, _callback(code=code, state=state), input=f"{secret}\n")
    assert result.exit_code == 1
    assert "invalid_client" in result.output
    for output in (started.output, result.output):
        assert secret not in output
        assert code not in output


@pytest.mark.usefixtures("env")
def test_status_and_organisations_show_no_secret(
        served: tuple[DineroEmulator, str], tmp_path: Path) -> None:
    """status reads the store only; organisations lists again, refreshing an expired token."""
    emulator, base = served
    store = tmp_path / "ledgerlink.db"
    _, state = _start(base, store)
    code = emulator.authorize(ORG, OTHER)
    connected = _finish(base, store, _callback(code=code, state=state), "--organisation-id",
                        ORG)
    token = _stored(store, f"dinero:{ORG}")
    assert token is not None
    status = _invoke("status", "--organisation-id", ORG, "--store", str(store))
    assert status.exit_code == 0, status.output
    assert f"organisation {ORG}: connected" in status.output
    assert "valid for 59 more minutes" in status.output
    assert f"scopes: {DEFAULT_SCOPES}" in status.output
    emulator.auth.expire_access_tokens()
    listed = _invoke("organisations", "--organisation-id", ORG, "--base-url", base,
                     "--store", str(store))
    assert listed.exit_code == 0, listed.output
    assert f"* {ORG}  Tømrer ApS" in listed.output
    assert f"  {OTHER}  Maler ApS" in listed.output
    assert emulator.auth.refresh_count == 1
    rotated = _stored(store, f"dinero:{ORG}")
    assert rotated is not None and rotated["refresh_token"] != token["refresh_token"]
    for output in (connected.output, status.output, listed.output):
        for secret in (code, DEFAULT_CLIENT_SECRET, token["access_token"],
                       token["refresh_token"], rotated["refresh_token"]):
            assert str(secret) not in output


@pytest.mark.usefixtures("env")
def test_disconnect_forgets_the_tokens(served: tuple[DineroEmulator, str],
                                      tmp_path: Path) -> None:
    """After disconnect nothing usable is stored; status and a second disconnect say so."""
    emulator, base = served
    store = tmp_path / "ledgerlink.db"
    _, state = _start(base, store)
    assert _finish(base, store, _callback(code=emulator.authorize(ORG), state=state)
                   ).exit_code == 0
    before = _stored(store, f"dinero:{ORG}")
    assert before is not None
    refused = _invoke("disconnect", "--organisation-id", ORG, "--store", str(store), "--json")
    assert refused.exit_code == 2  # --json never asks: without --yes nothing happens
    assert json.loads(refused.stdout)["error"]["field"] == "--yes"
    assert _stored(store, f"dinero:{ORG}") == before
    result = _invoke("disconnect", "--organisation-id", ORG, "--store", str(store), "-y")
    assert result.exit_code == 0, result.output
    assert "not revoked" in result.output
    after = _stored(store, f"dinero:{ORG}") or {}
    assert not after.get("refresh_token")
    assert before["access_token"] not in after.values()
    status = _invoke("status", "--organisation-id", ORG, "--store", str(store))
    assert status.exit_code == 1
    assert "not connected" in status.output
    unusable = _invoke("organisations", "--organisation-id", ORG, "--base-url", base,
                       "--store", str(store))
    assert unusable.exit_code == 1
    assert "no refresh token" in unusable.output
    again = _invoke("disconnect", "--organisation-id", ORG, "--store", str(store))
    assert again.exit_code == 1
    assert f"no Dinero organisation {ORG} is connected" in again.output


def test_commands_on_a_missing_store_create_nothing(tmp_path: Path) -> None:
    """status and disconnect refuse a journal path that does not exist, without creating it."""
    missing = tmp_path / "nowhere.db"
    for command in ("status", "disconnect"):
        result = _invoke(command, "--organisation-id", ORG, "--store", str(missing))
        assert result.exit_code == 1
        assert "no journal store" in result.output
    assert not missing.exists()


def test_ledgerlink_help_lists_the_dinero_commands() -> None:
    """The plugin's commands come through the hook; disconnect says it cannot revoke."""
    top = CliRunner().invoke(main, ["--help"])
    assert top.exit_code == 0
    assert re.search(r"^  dinero\s", top.output, re.MULTILINE)
    group = _invoke("--help")
    for command in ("connect", "disconnect", "status", "organisations"):
        assert re.search(rf"^  {command}\s", group.output, re.MULTILINE)
    assert "no revocation endpoint" in _invoke("disconnect", "--help").output
    assert "hunter2" not in display_store("postgresql+psycopg://u:hunter2@db/books")


def test_connect_interactively_through_the_installed_command(
        served: tuple[DineroEmulator, str], tmp_path: Path) -> None:
    """The real `ledgerlink` program prints the URL, reads the pasted redirect and connects."""
    emulator, base = served
    program = shutil.which("ledgerlink")
    assert program, "the ledgerlink console script is installed with the project"
    store = tmp_path / "ledgerlink.db"
    environ = {**os.environ, dinero_cli.CLIENT_ID_ENV: DEFAULT_CLIENT_ID,
               dinero_cli.CLIENT_SECRET_ENV: DEFAULT_CLIENT_SECRET,
               dinero_cli.REDIRECT_URI_ENV: REDIRECT_URI, "PYTHONUNBUFFERED": "1"}
    with subprocess.Popen([program, "dinero", "connect", "--base-url", base, "--store",
                           str(store)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, env=environ) as child:
        assert child.stdout is not None and child.stdin is not None
        # The child waits for the pasted URL: a missing consent line must not hang the test.
        watchdog = threading.Timer(60, child.kill)
        watchdog.start()
        seen = []
        for line in child.stdout:
            seen.append(line)
            if f"{base}/connect/authorize?" in line:
                break
        watchdog.cancel()
        state = parse_qs(urlsplit(seen[-1].strip()).query)["state"][0]
        child.stdin.write(_callback(code=emulator.authorize(ORG), state=state) + "\n")
        child.stdin.flush()
        out, err = child.communicate(timeout=60)
    assert child.returncode == 0, out + err
    assert f"Connected Dinero organisation {ORG}" in out
    assert DEFAULT_CLIENT_SECRET not in "".join(seen) + out + err
    assert _stored(store, f"dinero:{ORG}") is not None


def test_a_refused_organisations_list_quoting_the_fresh_token_does_not_repeat_it() -> None:
    """Connecting: Dinero refuses the organisations list and quotes the access token just
    granted; the AuthError keeps its words, not the token."""
    token = "fresh-access-token-0042"

    def answer(request: httpx.Request) -> httpx.Response:
        said = request.headers["authorization"].removeprefix("Bearer ")
        return httpx.Response(400, json={"code": 45, "message": f"token {said} lacks a scope"})

    with httpx.Client(transport=httpx.MockTransport(answer)) as client, \
            pytest.raises(AuthError) as caught:
        dinero_cli._organisations(client, "https://api.dinero.test", token)
    assert token not in str(caught.value) and token not in repr(caught.value)
    assert "lacks a scope" in caught.value.message
