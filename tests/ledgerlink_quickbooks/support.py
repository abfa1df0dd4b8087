"""Helpers for the QuickBooks connector tests: fresh realms connected by OAuth code exchange."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx

from ledgerlink.http.limits import LimiterRegistry
from ledgerlink.http.oauth import ClientCredentials, exchange_code
from ledgerlink.store import Store
from ledgerlink_quickbooks import QuickBooksConnector
from ledgerlink_quickbooks.emulator import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    QuickBooksEmulator,
)
from ledgerlink_quickbooks.settings import endpoints_at

BASE = "https://qbo-emulator.test"
REDIRECT = "https://app.example/callback"


def fresh_realm() -> str:
    """A realm id no other test uses (the rate limits are shared per realm in a process)."""
    return str(uuid.uuid4().int)[:16]


def connect_realm(emulator: QuickBooksEmulator, realm: str, store: Store) -> None:
    """Run the OAuth code exchange for ``realm`` and keep the tokens in ``store``."""
    with httpx.Client(transport=emulator.transport(), base_url=BASE) as client:
        exchange_code(client, endpoints_at(BASE), ClientCredentials(DEFAULT_CLIENT_ID,
                                                                    DEFAULT_CLIENT_SECRET),
                      code=emulator.authorize(realm), redirect_uri=REDIRECT, store=store,
                      key=f"quickbooks:{realm}", provider="quickbooks")


def build_connector(emulator: QuickBooksEmulator, tmp_path: Path, *, with_item: bool = True,
                    realm: str | None = None,
                    accounts: tuple[tuple[str, str, str, str, str], ...] | None = None,
                    **options: Any) -> QuickBooksConnector:
    """A connector on a fresh (or the given), connected realm of ``emulator`` (with a
    default Service item, and ``accounts`` as its chart when given)."""
    realm = realm or fresh_realm()
    emulator.add_realm(realm, accounts=accounts)
    store = Store(tmp_path / f"tokens-{realm}.db")
    connect_realm(emulator, realm, store)
    if with_item:
        item = emulator.seed(realm, "Item", {"Name": "Services", "Type": "Service"})
        options.setdefault("default_item", item["Id"])
    transport = options.pop("transport", None) or emulator.transport()
    return QuickBooksConnector(
        realm_id=realm, client_id=DEFAULT_CLIENT_ID, client_secret=DEFAULT_CLIENT_SECRET,
        token_store=store, base_url=BASE, transport=transport,
        limiters=LimiterRegistry(), **options)
