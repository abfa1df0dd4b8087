"""A connection authenticated by one static token in a request header (no OAuth).

Some providers hand each company a token that never expires and is sent as a
header on every request (Billy's ``X-Access-Token``). The connector states its
header, host, limits and error reader; this module keeps the token where the
other connectors keep theirs (the journal store, under the provider's token
key, as the ``connect`` command saved it: ``{"access_token": ...}``), builds
the client under the account's limits, and registers the token as a known
secret, so no error, log line or cassette repeats it::

    self.connection = header_token_connection(
        provider="billy", account=f"billy-{org}", api_base=host, header="X-Access-Token",
        token=access_token, token_key=token_keys.token_key("billy", org),
        token_store=token_store, store=store, transport=transport,
        limits=settings.LIMITS, parse=parse_fault, limiters=limiters)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import httpx

from ledgerlink.errors import AuthError
from ledgerlink.http.client import ProviderClient, make_client
from ledgerlink.http.connection import DEFAULT_STORE, Connection
from ledgerlink.http.errors import ErrorParser
from ledgerlink.http.limits import Limit, LimiterRegistry
from ledgerlink.http.oauth import TokenStore
from ledgerlink.http.redact import KnownSecrets

__all__ = ["TOKEN_FIELD", "header_token_connection", "stored_token"]

#: The field of the stored document that holds the token.
TOKEN_FIELD = "access_token"


def stored_token(store: TokenStore, key: str, *, provider: str, hint: str) -> str:
    """The token saved under ``key``; AuthError saying how to connect when there is none."""
    document: Mapping[str, Any] | None = store.load_token(key)
    token = (document or {}).get(TOKEN_FIELD)
    if not isinstance(token, str) or not token:
        raise AuthError(f"no {provider} token is saved under {key!r}; {hint}",
                        provider=provider)
    return token


def header_token_connection(
    *,
    provider: str,
    account: str,
    api_base: str,
    header: str,
    token_key: str,
    token: str | None = None,
    token_store: TokenStore | None = None,
    store: str | os.PathLike[str] = DEFAULT_STORE,
    transport: httpx.BaseTransport | None = None,
    limits: Mapping[str, Limit] | None = None,
    parse: ErrorParser | None = None,
    limiters: LimiterRegistry | None = None,
    connect_hint: str = "connect the account first",
) -> Connection:
    """A :class:`~ledgerlink.http.ProviderClient` sending ``header: <token>`` on every request.

    Args:
        provider: the connector name errors and limits carry.
        account: the provider account the limits are kept for.
        api_base: every request's base URL.
        header: the header the token travels in.
        token_key: where the token is saved in the token store.
        token: the token itself (then the store is not read).
        token_store: where the token is saved; None: the journal store at ``store``.
        store: the journal store path or URL used when ``token_store`` is None.
        transport: an httpx transport (an emulator).
        limits: the account's named limits.
        parse: the connector's error-body reader.
        limiters: a private limiter registry (default: the process-wide one).
        connect_hint: what the error for a missing token tells the user to do.
    """
    own_store = None
    if token is None:
        if token_store is None:
            from ledgerlink.store import Store  # SQLAlchemy, only when the store is read

            token_store = own_store = Store(os.fspath(store))
        try:
            token = stored_token(token_store, token_key, provider=provider, hint=connect_hint)
        except AuthError:
            if own_store is not None:
                own_store.close()
            raise
    client = make_client(api_base, transport=transport, headers={header: token})
    http = ProviderClient(provider, account, client, limits=limits, parse=parse,
                          limiters=limiters, secrets=KnownSecrets(token))
    return Connection(http, None, own_store)
