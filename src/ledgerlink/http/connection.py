"""What every OAuth2 HTTP connector builds from its options: the checked options, the
token store, the authenticated client under the account's limits, and closing them.

A connector's ``__init__`` states what is its own (paths, hosts, limits, error
parser) and leaves the assembly here::

    options = required_options("QuickBooks", realm_id=realm_id, client_id=client_id,
                               client_secret=client_secret)
    self.connection = oauth_connection(
        provider="quickbooks", account=f"quickbooks-{realm}", api_base=host + path,
        endpoints=endpoints, client_id=..., client_secret=..., token_key=f"quickbooks:{realm}",
        token_store=token_store, store=store, transport=transport,
        limits=settings.LIMITS, parse=parse_fault, limiters=limiters)

Options arrive as Python values or as the strings ``ledgerlink run -o key=value``
passes, so :func:`flag` reads a yes/no either way.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import attrs
import httpx

from ledgerlink.errors import ValidationError
from ledgerlink.http.client import ProviderClient, make_client
from ledgerlink.http.errors import ErrorParser
from ledgerlink.http.limits import Limit, LimiterRegistry
from ledgerlink.http.oauth import ClientCredentials, OAuth2Auth, OAuthEndpoints, TokenStore

__all__ = ["DEFAULT_STORE", "Connection", "flag", "oauth_connection", "required_options"]

#: The journal store tokens live in when a connector is given no token store.
DEFAULT_STORE = "ledgerlink.db"
#: Options whose value an error must never show.
_SECRET_OPTIONS = frozenset({"client_secret", "api_key", "password", "token"})


def required_options(label: str, **values: object) -> dict[str, str]:
    """Each option as stripped text; a missing or blank one is a ValidationError naming it
    (a secret's value is never shown)."""
    checked = {}
    for field, value in values.items():
        if not isinstance(value, str) or not value.strip():
            shown = None if field in _SECRET_OPTIONS else value
            raise ValidationError(f"required {label} option", field=field, value=shown)
        checked[field] = value.strip()
    return checked


def flag(value: bool | str, field: str) -> bool:
    """A yes/no option, also as ``-o drafts=true`` passes it."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("", "0", "false", "no", "off"):
        return False
    raise ValidationError("expected true or false", field=field, value=value)


@attrs.define
class Connection:
    """One account's HTTP connection and what was opened for it.

    Attributes:
        http: requests to the account under its limits, retries and error mapping.
        token_client: the client the token endpoint is reached through when a
            transport was given (an emulator in-process); None otherwise.
        own_store: the journal store opened for the tokens, when none was given.
    """

    http: ProviderClient
    token_client: httpx.Client | None = None
    own_store: Any = None

    def close(self) -> None:
        """Close the clients and the store this connection opened (not a given one)."""
        self.http.close()
        if self.token_client is not None:
            self.token_client.close()
        if self.own_store is not None and hasattr(self.own_store, "close"):
            self.own_store.close()


def oauth_connection(
    *,
    provider: str,
    account: str,
    api_base: str,
    endpoints: OAuthEndpoints,
    client_id: str,
    client_secret: str,
    token_key: str,
    token_store: TokenStore | None,
    store: str | os.PathLike[str] = DEFAULT_STORE,
    transport: httpx.BaseTransport | None = None,
    limits: Mapping[str, Limit] | None = None,
    parse: ErrorParser | None = None,
    limiters: LimiterRegistry | None = None,
    params: Mapping[str, str] | None = None,
) -> Connection:
    """An OAuth2-authenticated :class:`~ledgerlink.http.ProviderClient` for one account.

    Args:
        provider: the connector name errors and limits carry.
        account: the provider account the limits are kept for.
        api_base: every request's base URL.
        endpoints: the token (and authorize) endpoints.
        client_id: the app's OAuth client id.
        client_secret: the app's OAuth client secret.
        token_key: where the account's tokens live in the token store.
        token_store: where tokens live; None: the journal store at ``store``.
        store: the journal store path or URL used when ``token_store`` is None.
        transport: an httpx transport for API and token requests alike (an emulator).
        limits: the account's named limits.
        parse: the connector's error-body reader.
        limiters: a private limiter registry (default: the process-wide one).
        params: query parameters every request carries (a minor version).
    """
    own_store = None
    if token_store is None:
        from ledgerlink.store import Store  # the store pulls in SQLAlchemy; only when used

        token_store = own_store = Store(os.fspath(store))
    token_client = make_client(transport=transport) if transport is not None else None
    auth = OAuth2Auth(endpoints, ClientCredentials(client_id, client_secret), token_store,
                      token_key, provider=provider, token_client=token_client)
    client = make_client(api_base, transport=transport, auth=auth)
    if params:
        client.params = client.params.merge(params)
    http = ProviderClient(provider, account, client, limits=limits, parse=parse,
                          limiters=limiters)
    return Connection(http, token_client, own_store)
