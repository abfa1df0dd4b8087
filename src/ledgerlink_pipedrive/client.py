"""Requests to one Pipedrive company on the core's shared HTTP layer.

:func:`open_api` builds the connection the source reads through: the API
token in the ``x-api-token`` header, or an OAuth access token as ``Bearer``
(NOTES §2), given as an option or kept in the journal store under
``pipedrive:<company>`` as the connectors keep theirs (an API token as
``{"api_token": ...}``, OAuth tokens as ``{"access_token", "refresh_token",
"expires_at", "api_domain"}``, refreshed through Pipedrive's token endpoint when
the app's client id and secret are given). Every token is a known secret: no
error or log line repeats it.

Limits (NOTES §3): the shared layer keeps the account under its burst window
(:func:`.settings.limits_for`) and retries a 429 after its ``Retry-After``;
:class:`BurstWindow` also follows the window's own headers, waiting out
``x-ratelimit-reset`` once ``x-ratelimit-remaining`` says the window is used up,
so a long read slows down instead of meeting 429s. A 429 asking to wait longer
than a window can last is the company's daily token budget spent: it raises
:class:`~ledgerlink.errors.QuotaExhaustedError` at once.

Errors keep Pipedrive's ``error`` text (errors.json: ``{success, error,
errorCode, error_info}``), mapped by status into the ledgerlink error tree.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import Any

import httpx

from ledgerlink.errors import AuthError, ProviderError, QuotaExhaustedError
from ledgerlink.http import token_keys
from ledgerlink.http.client import ProviderClient, make_client
from ledgerlink.http.connection import (
    DEFAULT_STORE,
    Connection,
    oauth_connection,
    required_options,
)
from ledgerlink.http.errors import Fault
from ledgerlink.http.limits import LimiterRegistry
from ledgerlink.http.oauth import TokenStore
from ledgerlink.http.redact import KnownSecrets, redact_text
from ledgerlink.http.retry import parse_retry_after
from ledgerlink_pipedrive import settings

__all__ = ["BurstWindow", "Credentials", "PipedriveApi", "decode_json", "open_api",
           "parse_fault"]

#: Longest excerpt of an error body that is not Pipedrive's JSON.
_EXCERPT = 300
#: What the error for a company with no saved token tells the user.
CONNECT_HINT = ("pass api_token= (or access_token=), or save one in the store under "
                "'pipedrive:<company>'")


def parse_fault(response: httpx.Response) -> Fault | None:
    """The error a Pipedrive answer carries (errors.json), or None for a success.

    Every answer says ``success``; one under a 2xx status with ``success: false`` is
    an error too (NOTES §12). The class follows the HTTP status.
    """
    try:
        body: Any = json.loads(response.content) if response.content else None
    except ValueError:
        body = None
    failed = isinstance(body, Mapping) and body.get("success") is False
    if not response.is_error and not failed:
        return None
    if isinstance(body, Mapping) and body.get("error"):
        code = body.get("errorCode")
        return Fault(redact_text(str(body["error"])), None if code is None else str(code))
    text = " ".join(response.text.split())[:_EXCERPT]
    return Fault(redact_text(text)) if text else None


class BurstWindow:
    """Follows the burst window's headers: after an answer saying no call is left in the
    window, the next call waits the seconds it said the window has left.

    Also turns a 429 that asks for longer than any window lasts (the day's token
    budget spent, NOTES §3a) into :class:`~ledgerlink.errors.QuotaExhaustedError`.

    Args:
        sleep: how to wait (a test passes a fake clock's).
    """

    def __init__(self, sleep: Callable[[float], None] = time.sleep) -> None:
        self.sleep = sleep
        self.waited = 0.0
        self._lock = threading.Lock()
        self._wait = 0.0

    def install(self, client: httpx.Client) -> None:
        """Hook into ``client``'s requests and answers."""
        client.event_hooks["request"].append(self.before)
        client.event_hooks["response"].append(self.after)

    def before(self, request: httpx.Request) -> None:
        """Wait out a window the last answer said was used up."""
        with self._lock:
            wait, self._wait = self._wait, 0.0
        if wait > 0:
            self.waited += wait
            self.sleep(wait)

    def after(self, response: httpx.Response) -> None:
        """Keep what the answer says of the window; refuse a spent day at once."""
        if response.status_code == 429:
            wait = parse_retry_after(response.headers.get("retry-after"))
            if wait is not None and wait > settings.DAILY_REFUSAL_SECONDS:
                raise QuotaExhaustedError(
                    f"Pipedrive's daily token budget for this company is spent; it renews "
                    f"at the start of the next UTC day (in {wait:.0f} s)",
                    provider=settings.PROVIDER, status=429)
            return
        remaining, reset = (response.headers.get(name) for name in
                            ("x-ratelimit-remaining", "x-ratelimit-reset"))
        try:
            used_up = remaining is not None and int(remaining) <= 0
            wait = float(reset) if used_up and reset is not None else 0.0
        except ValueError:
            return
        with self._lock:
            self._wait = max(wait, 0.0)


class Credentials:
    """How the company is reached: an API token, or an OAuth access token, and the host
    a saved connection names (``api_domain``)."""

    def __init__(self, *, api_token: str | None = None, access_token: str | None = None,
                 api_domain: str | None = None) -> None:
        self.api_token = api_token or None
        self.access_token = access_token or None
        self.api_domain = api_domain or None

    def __repr__(self) -> str:
        kind = "api_token" if self.api_token else "access_token" if self.access_token else None
        return f"Credentials({kind or 'none'}, api_domain={self.api_domain!r})"

    @classmethod
    def stored(cls, store: TokenStore, company: str) -> Credentials:
        """The credentials saved for ``company`` (an API token wins over OAuth tokens, as
        in Pipedrive's SDK).

        Raises:
            AuthError: nothing usable is saved (the message says how to connect).
        """
        key = token_keys.token_key(settings.PROVIDER, company)
        document: Mapping[str, Any] = store.load_token(key) or {}
        found = cls(api_token=_text(document.get(settings.API_TOKEN_FIELD)),
                    access_token=_text(document.get("access_token")),
                    api_domain=_text(document.get("api_domain")))
        if found.api_token is None and found.access_token is None:
            raise AuthError(f"no Pipedrive token is saved under {key!r}; {CONNECT_HINT}",
                            provider=settings.PROVIDER)
        return found


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _header_connection(credentials: Credentials, base_url: str, account: str,
                       transport: httpx.BaseTransport | None,
                       limiters: LimiterRegistry | None, own_store: Any) -> Connection:
    if credentials.api_token is not None:
        secret, headers = credentials.api_token, {settings.API_TOKEN_HEADER:
                                                  credentials.api_token}
    else:
        secret = credentials.access_token or ""
        headers = {"Authorization": f"Bearer {secret}"}
    client = make_client(base_url + settings.V2_PATH, transport=transport, headers=headers)
    http = ProviderClient(settings.PROVIDER, account, client,
                          limits=settings.limits_for(credentials.api_token is None),
                          parse=parse_fault, limiters=limiters, secrets=KnownSecrets(secret))
    return Connection(http, None, own_store)


def open_api(
    *, company: str | None, credentials: Credentials, base_url: str | None,
    token_store: TokenStore | None, store: str | os.PathLike[str] = DEFAULT_STORE,
    client_id: str | None = None, client_secret: str | None = None,
    transport: httpx.BaseTransport | None = None, limiters: LimiterRegistry | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> PipedriveApi:
    """The company's API: tokens from ``credentials`` or, when it holds none, the store.

    Raises:
        AuthError: no token given and none saved for ``company``.
        ValidationError: neither a token nor a company to look one up for.
    """
    account = f"{settings.PROVIDER}-{company or 'token'}"
    own_store = None
    if credentials.api_token is None and credentials.access_token is None:
        company = required_options("Pipedrive", company=company)["company"]
        if token_store is None:
            from ledgerlink.store import Store  # SQLAlchemy, only when the store is read

            token_store = own_store = Store(os.fspath(store))
        try:
            credentials = Credentials.stored(token_store, company)
        except AuthError:
            if own_store is not None:
                own_store.close()
            raise
        if credentials.api_token is None and client_id and client_secret:
            host = (base_url or credentials.api_domain or settings.API_ORIGIN).rstrip("/")
            # Saved OAuth tokens with the app's credentials: refreshed before they expire.
            connection = oauth_connection(
                provider=settings.PROVIDER, account=account,
                api_base=host + settings.V2_PATH, endpoints=settings.OAUTH,
                client_id=client_id, client_secret=client_secret,
                token_key=token_keys.token_key(settings.PROVIDER, company),
                token_store=token_store, transport=transport,
                limits=settings.limits_for(True), parse=parse_fault, limiters=limiters)
            connection.own_store = own_store
            return PipedriveApi(connection, sleep=sleep)
    host = (base_url or credentials.api_domain or settings.API_ORIGIN).rstrip("/")
    connection = _header_connection(credentials, host, account, transport, limiters, own_store)
    return PipedriveApi(connection, sleep=sleep)


def decode_json(response: httpx.Response) -> Any:
    """The answer's JSON, amounts as Decimal straight from the text: no float holds money."""
    return json.loads(response.content, parse_float=Decimal)


class PipedriveApi:
    """GETs of one company's v2 endpoints, lists followed across their cursor pages.

    Args:
        connection: the company's connection (limits, retries, token, error mapping).
        sleep: how the burst window is waited out.
        page_size: items asked for per page (at most 500).
    """

    def __init__(self, connection: Connection, *, sleep: Callable[[float], None] = time.sleep,
                 page_size: int = settings.MAX_PAGE_SIZE) -> None:
        self.connection = connection
        self.http = connection.http
        self.page_size = page_size
        self.burst = BurstWindow(sleep)
        self.burst.install(self.http.client)

    def _data(self, response: httpx.Response, what: str) -> Any:
        try:
            body = decode_json(response)
        except ValueError:
            body = None
        if not isinstance(body, Mapping) or "data" not in body:
            raise ProviderError(f"the answer to {what} is not Pipedrive's JSON envelope",
                                provider=settings.PROVIDER, status=response.status_code)
        return body

    def get(self, path: str) -> Any:
        """One record's ``data`` (``/deals/7`` under the v2 root)."""
        return self._data(self.http.get(path), f"GET {path}")["data"]

    def pages(self, path: str, params: Mapping[str, str] | None = None
              ) -> Iterator[dict[str, Any]]:
        """Every item of a v2 list, page after page until ``next_cursor`` is null."""
        query = {**(params or {}), "limit": str(self.page_size)}
        while True:
            body = self._data(self.http.get(path, params=query), f"GET {path}")
            yield from body["data"] or ()
            cursor = (body.get("additional_data") or {}).get("next_cursor")
            if not cursor:
                return
            query["cursor"] = str(cursor)

    def close(self) -> None:
        """Close the client and the store opened for the tokens."""
        self.connection.close()
