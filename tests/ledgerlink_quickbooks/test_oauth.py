"""The core OAuth2 support against the QuickBooks emulator, tokens kept in the journal store."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx

from ledgerlink.http.oauth import ClientCredentials, OAuth2Auth, exchange_code
from ledgerlink.store import Store
from ledgerlink_quickbooks.emulator import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    QuickBooksEmulator,
)
from ledgerlink_quickbooks.settings import MINOR_VERSION, endpoints_at

BASE = "https://emulator.test"
CREDENTIALS = ClientCredentials(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET)


def _connected(tmp_path: Path) -> tuple[QuickBooksEmulator, Store, httpx.Client]:
    emulator = QuickBooksEmulator()
    emulator.add_realm("9130")
    store = Store(tmp_path / "journal.db")
    client = httpx.Client(transport=emulator.transport(), base_url=BASE)
    exchange_code(client, endpoints_at(BASE), CREDENTIALS, code=emulator.authorize("9130"),
                  redirect_uri="https://app.example/callback", store=store,
                  key="quickbooks:9130", provider="quickbooks")
    return emulator, store, client


def _api(emulator: QuickBooksEmulator, client: httpx.Client, store: Store,
         **kwargs: object) -> httpx.Client:
    auth = OAuth2Auth(endpoints_at(BASE), CREDENTIALS, store, "quickbooks:9130",
                      provider="quickbooks", token_client=client, **kwargs)  # type: ignore[arg-type]
    return httpx.Client(transport=emulator.transport(), base_url=f"{BASE}/v3/company/9130",
                        auth=auth, params={"minorversion": MINOR_VERSION})


def test_an_exchanged_code_authorises_api_calls(tmp_path: Path) -> None:
    """The code exchange stores tokens in the journal, and API calls carry the bearer token."""
    emulator, store, client = _connected(tmp_path)
    assert store.load_token("quickbooks:9130") is not None
    api = _api(emulator, client, store)
    response = api.get("/query", params={"query": "select * from Customer"})
    assert response.status_code == 200
    assert "QueryResponse" in response.json()


def test_fifty_callers_at_expiry_make_one_refresh_and_the_rotation_is_persisted(
    tmp_path: Path,
) -> None:
    """All tokens expire; 50 threads call at once; one refresh; the new refresh token is stored."""
    emulator, store, client = _connected(tmp_path)
    before = store.load_token("quickbooks:9130")
    api = _api(emulator, client, store)
    emulator.auth.expire_access_tokens()
    statuses: list[int] = []

    def call() -> None:
        statuses.append(api.get("/query", params={"query": "select * from Item"}).status_code)

    threads = [threading.Thread(target=call) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert statuses == [200] * 50
    assert api.auth.refreshes == 1  # type: ignore[union-attr]
    after = store.load_token("quickbooks:9130")
    assert after is not None
    assert before is not None
    assert after["refresh_token"] != before["refresh_token"]  # rotated, and kept


def test_a_second_process_picks_up_the_rotated_token_from_the_store(tmp_path: Path) -> None:
    """A fresh auth object (another worker) reads the persisted, rotated token and works."""
    emulator, store, client = _connected(tmp_path)
    emulator.auth.expire_access_tokens()
    first = _api(emulator, client, store)
    assert first.get("/query", params={"query": "select * from Item"}).status_code == 200
    second = _api(emulator, client, Store(tmp_path / "journal.db"))
    assert second.get("/query", params={"query": "select * from Item"}).status_code == 200
    assert second.auth.refreshes == 0  # type: ignore[union-attr]
