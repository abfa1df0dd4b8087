"""`ledgerlink economic connect|status|disconnect` against the emulator on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result

from ledgerlink.cli import main
from ledgerlink.http.limits import LimiterRegistry
from ledgerlink.store import Store
from ledgerlink.testing.factories import make_customer
from ledgerlink_economic import EconomicConnector
from ledgerlink_economic.cli import APP_SECRET_ENV
from ledgerlink_economic.connection import token_key
from ledgerlink_economic.emulator import Agreement, EconomicEmulator
from ledgerlink_economic.grant import consent_url


@pytest.fixture
def served() -> Iterator[tuple[Agreement, str]]:
    """An emulator agreement on 127.0.0.1; yields the agreement and the base URL."""
    emulator = EconomicEmulator()
    agreement = emulator.create_agreement("Tømrer ApS")
    with emulator.serve() as server:
        yield agreement, server.base_url


def _invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, ["economic", *args], env=env)


def test_connect_with_a_grant_token_saves_both_tokens(served: tuple[Agreement, str],
                                                      tmp_path: Path) -> None:
    """A grant given for scripts is checked with GET /self, saved with the app secret under
    economic:<agreement number>, never printed; the connector then works from the store."""
    agreement, base = served
    store = str(tmp_path / "journal.db")
    result = _invoke("connect", "--grant-token", agreement.agreement_grant_token,
                     "--base-url", base, "--store", store,
                     env={APP_SECRET_ENV: agreement.app_secret_token})
    assert result.exit_code == 0, result.output
    assert agreement.agreement_grant_token not in result.output
    assert agreement.app_secret_token not in result.output
    number = str(agreement.agreement_number)
    assert f"Connected e-conomic agreement {number} (Tømrer ApS)" in result.output
    with Store(store) as opened:
        saved = opened.load_token(token_key(number)) or {}
    assert saved["access_token"] == agreement.agreement_grant_token
    assert saved["app_secret_token"] == agreement.app_secret_token
    with EconomicConnector(agreement=number, store=store, base_url=base,
                           limiters=LimiterRegistry()) as book:
        assert book.find_customer(make_customer()) is None


def test_connect_receives_the_grant_on_the_local_callback(
        served: tuple[Agreement, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a grant, connect serves 127.0.0.1, prints the installation URL pointing back
    at it, and saves the grant the browser brings to the callback."""
    agreement, base = served
    store = str(tmp_path / "journal.db")
    visits: list[httpx.Response] = []
    browser: list[threading.Thread] = []

    def shown(installation_url: str, callback: str) -> str:
        # The person opens the printed address; e-conomic sends the browser back.
        def visit() -> None:
            visits.append(httpx.get(callback, params={
                "token": agreement.agreement_grant_token}))

        browser.append(threading.Thread(target=visit))
        browser[-1].start()
        return consent_url(installation_url, callback)

    monkeypatch.setattr("ledgerlink_economic.cli.consent_url", shown)
    result = _invoke("connect", "--installation-url",
                     "https://secure.e-conomic.com/install?appId=7", "--wait", "20",
                     "--base-url", base, "--store", store, "--json",
                     env={APP_SECRET_ENV: agreement.app_secret_token})
    browser[0].join(20)
    assert result.exit_code == 0, result.output
    assert [visit.status_code for visit in visits] == [200]
    assert "redirectUrl=http%3A%2F%2F127.0.0.1%3A" in result.stderr
    assert json.loads(result.stdout)["agreement"] == str(agreement.agreement_number)
    with Store(store) as opened:
        saved = opened.load_token(token_key(str(agreement.agreement_number))) or {}
    assert saved["access_token"] == agreement.agreement_grant_token


def test_consent_url_points_back_at_the_callback() -> None:
    """The installation URL keeps its own query and gains the URL-encoded redirect."""
    url = consent_url("https://secure.e-conomic.com/install?appId=7",
                      "http://127.0.0.1:5000/callback")
    assert url == ("https://secure.e-conomic.com/install?appId=7&redirectUrl="
                   "http%3A%2F%2F127.0.0.1%3A5000%2Fcallback")


def test_connect_refuses_wrong_tokens_and_saves_nothing(served: tuple[Agreement, str],
                                                        tmp_path: Path) -> None:
    """Tokens e-conomic refuses are an error; nothing is saved and nothing secret printed."""
    agreement, base = served
    store = str(tmp_path / "journal.db")
    wrong = "not-the-grant-0123456789"
    result = _invoke("connect", "--grant-token", wrong, "--base-url", base, "--store", store,
                     env={APP_SECRET_ENV: agreement.app_secret_token})
    assert result.exit_code != 0
    assert "refused the tokens" in result.output
    assert wrong not in result.output and agreement.app_secret_token not in result.output
    with Store(store) as opened:
        assert opened.load_token(token_key(str(agreement.agreement_number))) is None


def test_status_shows_the_days_calls_and_disconnect_forgets(served: tuple[Agreement, str],
                                                            tmp_path: Path) -> None:
    """status reports the calls a run made today and what is left of the 50,000; after
    disconnect the agreement is no longer connected (exit 1)."""
    agreement, base = served
    store = str(tmp_path / "journal.db")
    number = str(agreement.agreement_number)
    assert _invoke("connect", "--grant-token", agreement.agreement_grant_token, "--base-url",
                   base, "--store", store,
                   env={APP_SECRET_ENV: agreement.app_secret_token}).exit_code == 0
    with EconomicConnector(agreement=number, store=store, base_url=base,
                           limiters=LimiterRegistry()) as book:
        for _ in range(3):
            book.find_customer(make_customer())  # one filtered read each (CVR-less: e-mail)
    shown = _invoke("status", "--agreement", number, "--store", store, "--json")
    assert shown.exit_code == 0, shown.output
    facts = json.loads(shown.stdout)
    assert (facts["calls_today"], facts["calls_left_today"]) == (3, 50_000 - 3)
    gone = _invoke("disconnect", "--agreement", number, "--store", store, "--yes")
    assert gone.exit_code == 0, gone.output
    after = _invoke("status", "--agreement", number, "--store", store)
    assert after.exit_code == 1 and "not connected" in after.output
