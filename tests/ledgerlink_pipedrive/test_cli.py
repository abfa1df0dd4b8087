"""`ledgerlink pipedrive connect|status|disconnect` against the emulator on 127.0.0.1: the
API token checked, kept in the journal store for the source, and never printed."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from ledgerlink.cli import main
from ledgerlink.emulation import EmulatorServer
from ledgerlink.http.limits import LimiterRegistry
from ledgerlink.sources import open_source
from ledgerlink.store import Store
from ledgerlink_pipedrive.cli import TOKEN_ENV
from ledgerlink_pipedrive.emulator import Company, PipedriveEmulator


def _invoke(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, ["pipedrive", *args], input=input, env=env)


def test_connect_saves_the_checked_token_for_the_source(
        emu: PipedriveEmulator, company: Company, served: EmulatorServer,
        tmp_path: Path) -> None:
    """A pasted token is checked, saved under pipedrive:<company> and never printed; the
    source then reads the deals from the store alone."""
    emu.seed_deal(company, "Website")
    store = str(tmp_path / "journal.db")
    result = _invoke("connect", "--company", "acme", "--store", store, "--base-url",
                     served.base_url, input=f"{company.api_token}\n")
    assert result.exit_code == 0, result.output
    assert company.api_token not in result.output
    assert "Connected Pipedrive company acme" in result.output
    with Store(store) as opened:
        assert opened.load_token("pipedrive:acme")["api_token"] == company.api_token
    with open_source("pipedrive", company="acme", store=store,
                     limiters=LimiterRegistry()) as source:
        assert [deal.title for deal in source.deals()] == ["Website"]


def test_connect_refuses_a_wrong_token_and_saves_nothing(
        served: EmulatorServer, tmp_path: Path) -> None:
    """A token Pipedrive refuses is an error in Pipedrive's words; nothing is saved, and
    the token is not printed."""
    store = tmp_path / "journal.db"
    wrong = "0123456789abcdef" * 2
    result = _invoke("connect", "--company", "acme", "--store", str(store), "--base-url",
                     served.base_url, "--json", env={TOKEN_ENV: wrong})
    assert result.exit_code != 0
    assert "unauthorized access" in result.output and wrong not in result.output
    assert not store.exists() or Store(str(store)).load_token("pipedrive:acme") is None


def test_status_and_disconnect_say_what_the_store_holds(
        company: Company, served: EmulatorServer, tmp_path: Path) -> None:
    """status says connected (exit 0) then, after disconnect --yes, not connected (exit 1)."""
    store = str(tmp_path / "journal.db")
    connected = _invoke("connect", "--company", "acme", "--store", store, "--base-url",
                        served.base_url, env={TOKEN_ENV: company.api_token})
    assert connected.exit_code == 0, connected.output
    status = _invoke("status", "--company", "acme", "--store", store, "--json")
    assert status.exit_code == 0, status.output
    assert json.loads(status.stdout)["token"] == "api_token"
    assert company.api_token not in status.output
    gone = _invoke("disconnect", "--company", "acme", "--store", store, "--yes")
    assert gone.exit_code == 0, gone.output
    after = _invoke("status", "--company", "acme", "--store", store, "--json")
    assert after.exit_code == 1 and json.loads(after.stdout)["connected"] is False
    again = _invoke("disconnect", "--company", "acme", "--store", store, "--yes")
    assert again.exit_code != 0 and "no Pipedrive company acme" in again.output
