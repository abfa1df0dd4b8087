"""The agreement's connection: both tokens from the store, the client and the call gauge.

``ledgerlink economic connect`` keeps one document per agreement in the journal
store, under the token key ``economic:<agreement>``:
``{"access_token": <agreement grant>, "app_secret_token": <app secret>}``. Both
are sent on every request (``X-AgreementGrantToken``, ``X-AppSecretToken``
[E3][E5]) and registered as secrets, so no error, log line or cassette repeats
them. The day's call count is kept beside them (``economic-usage:<agreement>``)
so ``ledgerlink economic status`` and the next run know what was used today.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import httpx

from ledgerlink.errors import AuthError
from ledgerlink.http import token_keys
from ledgerlink.http.client import ProviderClient, make_client
from ledgerlink.http.connection import Connection
from ledgerlink.http.limits import Limit, LimiterRegistry
from ledgerlink.http.oauth import TokenStore
from ledgerlink.http.redact import KnownSecrets
from ledgerlink.http.token_header import TOKEN_FIELD
from ledgerlink_economic import settings
from ledgerlink_economic.budget import Gauge
from ledgerlink_economic.faults import parse_fault

__all__ = ["APP_SECRET_FIELD", "Tokens", "load_usage", "open_connection", "save_usage",
           "token_key", "usage_key"]

#: The field of the stored document that holds the app's secret token.
APP_SECRET_FIELD = "app_secret_token"
CONNECT_HINT = "run: ledgerlink economic connect"


def token_key(agreement: str) -> str:
    """Where the agreement's tokens are kept."""
    return token_keys.token_key(settings.PROVIDER, agreement)


def usage_key(agreement: str) -> str:
    """Where the agreement's day of calls is kept."""
    return f"{settings.PROVIDER}-usage:{agreement}"


class Tokens:
    """The app's secret and the agreement's grant."""

    def __init__(self, app_secret: str, grant: str) -> None:
        self.app_secret = app_secret
        self.grant = grant

    @classmethod
    def stored(cls, store: TokenStore, agreement: str) -> Tokens:
        """The tokens saved for ``agreement``; AuthError saying how to connect otherwise."""
        document: Mapping[str, Any] = store.load_token(token_key(agreement)) or {}
        grant, app = document.get(TOKEN_FIELD), document.get(APP_SECRET_FIELD)
        if not isinstance(grant, str) or not grant or not isinstance(app, str) or not app:
            raise AuthError(f"no e-conomic tokens are saved for agreement {agreement!r}; "
                            f"{CONNECT_HINT}", provider=settings.PROVIDER)
        return cls(app, grant)

    def document(self) -> dict[str, str]:
        """The stored document."""
        return {TOKEN_FIELD: self.grant, APP_SECRET_FIELD: self.app_secret}


def load_usage(store: TokenStore | None, agreement: str) -> tuple[str, int] | None:
    """(day, calls) saved by an earlier run, if any."""
    if store is None:
        return None
    document = store.load_token(usage_key(agreement)) or {}
    day, calls = document.get("day"), document.get("calls")
    if isinstance(day, str) and isinstance(calls, int):
        return day, calls
    return None


def save_usage(store: TokenStore | None, agreement: str, gauge: Gauge) -> None:
    """Keep the day's calls for the next run and ``status``."""
    if store is not None:
        day, calls = gauge.usage()
        store.save_token(usage_key(agreement), {"day": day, "calls": calls})


def open_connection(
    *, agreement: str, api_base: str, tokens: Tokens | None, token_store: TokenStore | None,
    store: str | os.PathLike[str], transport: httpx.BaseTransport | None,
    limits: Mapping[str, Limit], limiters: LimiterRegistry | None,
) -> tuple[Connection, Gauge, TokenStore | None]:
    """The connection (tokens from ``tokens`` or the store), its gauge and the store used."""
    own_store = None
    if token_store is None and tokens is None:
        from ledgerlink.store import Store  # SQLAlchemy, only when the store is read

        token_store = own_store = Store(os.fspath(store))
    try:
        if tokens is None:
            assert token_store is not None
            tokens = Tokens.stored(token_store, agreement)
        gauge = Gauge(used=load_usage(token_store, agreement))
    except BaseException:
        if own_store is not None:
            own_store.close()
        raise
    client = make_client(api_base, transport=transport, headers={
        settings.APP_SECRET_HEADER: tokens.app_secret, settings.GRANT_HEADER: tokens.grant})
    gauge.install(client)
    http = ProviderClient(settings.PROVIDER, f"{settings.PROVIDER}-{agreement}", client,
                          limits=limits, parse=parse_fault, limiters=limiters,
                          secrets=KnownSecrets(tokens.app_secret, tokens.grant),
                          request_id_headers=("x-logid", "x-request-id"))
    return Connection(http, None, own_store), gauge, token_store
