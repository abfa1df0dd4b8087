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
#: The Income account a company answers when its emulator does not model Accounts
#: (the Id the emulator puts on Items it is sent without one).
INCOME_ACCOUNTS = ({"Id": "1", "Name": "Sales of Product Income", "AccountType": "Income",
                    "Active": True},)


class IncomeAccounts(httpx.BaseTransport):
    """The emulator's transport, answering the connector's Account query with
    ``accounts`` where the emulator itself refuses it (one that does not model Accounts
    yet), or always (``always=True``); any other request passes through."""

    def __init__(self, inner: httpx.BaseTransport,
                 accounts: tuple[dict[str, Any], ...] = INCOME_ACCOUNTS, *,
                 always: bool = False) -> None:
        self.inner = inner
        self.accounts = accounts
        self.always = always
        self.statements: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        statement = request.url.params.get("query", "")
        if not (request.url.path.endswith("/query") and " FROM Account " in f"{statement} "):
            return self.inner.handle_request(request)
        self.statements.append(statement)
        response = None if self.always else self.inner.handle_request(request)
        if response is not None and response.status_code != 400:
            return response
        if response is not None:
            response.read()
        return httpx.Response(200, json={"QueryResponse": {
            "Account": list(self.accounts), "startPosition": 1,
            "maxResults": len(self.accounts)}}, headers={"intuit_tid": "accounts"})


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
                    realm: str | None = None, **options: Any) -> QuickBooksConnector:
    """A connector on a fresh (or the given), connected realm of ``emulator`` (with a
    default Service item)."""
    realm = realm or fresh_realm()
    emulator.add_realm(realm)
    store = Store(tmp_path / f"tokens-{realm}.db")
    connect_realm(emulator, realm, store)
    if with_item:
        item = emulator.seed(realm, "Item", {"Name": "Services", "Type": "Service"})
        options.setdefault("default_item", item["Id"])
    transport = options.pop("transport", None) or emulator.transport()
    if not isinstance(transport, IncomeAccounts):
        transport = IncomeAccounts(transport)
    return QuickBooksConnector(
        realm_id=realm, client_id=DEFAULT_CLIENT_ID, client_secret=DEFAULT_CLIENT_SECRET,
        token_store=store, base_url=BASE, transport=transport,
        limiters=LimiterRegistry(), **options)
