"""Helpers for the Dinero connector tests: fresh organisations connected by OAuth code exchange."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from ledgerlink.http.limits import LimiterRegistry
from ledgerlink.http.oauth import ClientCredentials, exchange_code
from ledgerlink.store import Store
from ledgerlink_dinero import DineroConnector
from ledgerlink_dinero.emulator import (
    DEFAULT_ACCOUNTS,
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    Account,
    DineroEmulator,
)
from ledgerlink_dinero.settings import PROVIDER, endpoints_at
from tests.paths import SHARED

BASE = "https://dinero-emulator.test"
REDIRECT = "https://app.example/callback"
#: A 12 % sales account besides the standard 25 % and 0 % ones, for rates other books use.
TWELVE = Account(1012, "Salg m/12 % moms", Decimal(12))
ACCOUNTS = {**DEFAULT_ACCOUNTS, TWELVE.number: TWELVE}
VAT_ACCOUNTS = "25=1000,12=1012,0=1100"


def fresh_organisation() -> str:
    """An organisation id no other test uses."""
    return str(uuid.uuid4().int)[:9]


def connect_organisation(emulator: DineroEmulator, organisation: str, store: Store) -> None:
    """Run the OAuth code exchange for ``organisation`` and keep the tokens in ``store``."""
    with httpx.Client(transport=emulator.transport(), base_url=BASE) as client:
        exchange_code(client, endpoints_at(BASE),
                      ClientCredentials(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
                      code=emulator.authorize(organisation), redirect_uri=REDIRECT, store=store,
                      key=f"{PROVIDER}:{organisation}", provider=PROVIDER)


def build_connector(emulator: DineroEmulator, tmp_path: Path, *,
                    organisation: str | None = None, **options: Any) -> DineroConnector:
    """A connector on a fresh (or the given), connected organisation of ``emulator``."""
    organisation = organisation or fresh_organisation()
    emulator.add_organisation(organisation, accounts=ACCOUNTS)
    store = Store(tmp_path / f"tokens-{organisation}.db")
    connect_organisation(emulator, organisation, store)
    options.setdefault("vat_accounts", VAT_ACCOUNTS)
    transport = options.pop("transport", None) or emulator.transport()
    limiters = options.pop("limiters", None) or LimiterRegistry()
    return DineroConnector(
        organisation_id=organisation, client_id=DEFAULT_CLIENT_ID,
        client_secret=DEFAULT_CLIENT_SECRET, token_store=store, base_url=BASE,
        transport=transport, limiters=limiters, **options)


def endpoint_matrix() -> Any:
    """The official endpoint matrix, skipping the test when it is absent."""
    path = SHARED / "providers" / "dinero" / "spec-extract" / "endpoint-matrix.json"
    if not path.is_file():
        pytest.skip(f"official Dinero material not found at {path} (set LEDGERLINK_SHARED)")
    return json.loads(path.read_text(encoding="utf-8"))
