"""OAuth2 (authorization code + rotating refresh tokens) as an ``httpx.Auth``.

The wire format of the grant URL and token requests comes from authlib
(``prepare_grant_uri``, ``prepare_token_request``, ``ClientAuth`` for
``client_secret_basic``, ``generate_token`` for ``state``): the RFC 6749
details are authlib's, the policy around them is ours:

- the access token rides in ``Authorization: Bearer``; it is refreshed
  :data:`REFRESH_SKEW` seconds before it expires, and once on a 401;
- refreshes of one token key are serialised by one lock per process, and the
  token is re-read from the :class:`TokenStore` under that lock, so 50 threads
  at expiry (or a second client of the same account) cause one refresh;
- a rotated refresh token is saved through the store *before* the new access
  token is used. If saving fails, the new tokens are dropped and the previous
  refresh token is kept and tried again next time: providers such as
  QuickBooks keep a rotated-out refresh token valid for a while (24 h), so a
  crash between the provider's rotation and our commit is recovered from;
- the client secret and every token loaded or refreshed are registered in the
  auth's :class:`~ledgerlink.http.redact.KnownSecrets`, which the
  :class:`~ledgerlink.http.ProviderClient` scrubs its errors and logs with;
  a token call's own errors lose the secrets it sent (code, refresh token).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Generator, Mapping, Sequence
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlsplit

import attrs
import httpx
from authlib.common.security import generate_token
from authlib.oauth2.auth import ClientAuth
from authlib.oauth2.rfc6749.errors import MismatchingStateException, MissingCodeException
from authlib.oauth2.rfc6749.parameters import (
    parse_authorization_code_response,
    prepare_grant_uri,
    prepare_token_request,
)

from ledgerlink.errors import ProviderError, StoreError, TransientProviderError
from ledgerlink.http.client import make_client
from ledgerlink.http.errors import AuthError
from ledgerlink.http.redact import SECRET_FIELDS, KnownSecrets, mask, redact_text

__all__ = [
    "REFRESH_SKEW",
    "TOKEN_TIMEOUT",
    "ClientCredentials",
    "MemoryTokenStore",
    "OAuth2Auth",
    "OAuthEndpoints",
    "Token",
    "TokenStore",
    "authorization_url",
    "exchange_code",
    "parse_callback",
]

#: Refresh this many seconds before the access token expires.
REFRESH_SKEW = 300.0
#: Timeout for token endpoint calls, in seconds.
TOKEN_TIMEOUT = 30.0
#: Length of a generated ``state`` value.
STATE_LENGTH = 32


@attrs.frozen(repr=False)
class ClientCredentials:
    """An OAuth2 client id and secret (the secret never appears in a repr)."""

    client_id: str
    client_secret: str = attrs.field(eq=False)

    def __repr__(self) -> str:
        return (f"ClientCredentials(client_id={self.client_id!r}, "
                f"client_secret={mask(self.client_secret)})")


@attrs.frozen
class OAuthEndpoints:
    """Where a provider's OAuth2 flows happen.

    Attributes:
        authorize_url: where the user grants access.
        token_url: where codes and refresh tokens become tokens.
        scopes: scopes requested by default.
        token_headers: extra headers on token calls (QuickBooks:
            ``x-include-refresh-token-hard-expires-in``).
    """

    authorize_url: str
    token_url: str
    scopes: tuple[str, ...] = ()
    token_headers: Mapping[str, str] = attrs.field(factory=dict)

    def on_host(self, base_url: str) -> OAuthEndpoints:
        """The same endpoints at their own paths on another host (an emulator), so the
        consent page and the token endpoint are both that host's."""
        host = base_url.rstrip("/")
        return attrs.evolve(self, authorize_url=host + urlsplit(self.authorize_url).path,
                            token_url=host + urlsplit(self.token_url).path)


@attrs.frozen(repr=False)
class Token:
    """An access token with its refresh token; secrets never appear in a repr.

    Attributes:
        access_token: sent as ``Bearer``.
        refresh_token: exchanged for the next tokens (may rotate on each refresh).
        expires_at: when the access token expires (seconds since the epoch).
        token_type: normally ``bearer``.
        extra: every other field of the token response, kept for the store.
    """

    access_token: str
    refresh_token: str | None
    expires_at: float | None
    token_type: str = "bearer"
    extra: Mapping[str, Any] = attrs.field(factory=dict)

    def __repr__(self) -> str:
        return (f"Token(access_token={mask(self.access_token)}, "
                f"refresh_token={mask(self.refresh_token)}, expires_at={self.expires_at!r})")

    def expiring(self, now: float, skew: float = REFRESH_SKEW) -> bool:
        """True when the access token expires within ``skew`` seconds of ``now``."""
        return self.expires_at is not None and self.expires_at - skew <= now

    @classmethod
    def from_response(cls, payload: Mapping[str, Any], *, now: float,
                      previous_refresh_token: str | None = None) -> Token:
        """Build from a token endpoint's JSON; keeps the old refresh token if none came back."""
        expires_in = payload.get("expires_in")
        extra = {k: v for k, v in payload.items()
                 if k not in {"access_token", "refresh_token", "token_type", "expires_in"}}
        return cls(
            access_token=str(payload["access_token"]),
            refresh_token=payload.get("refresh_token") or previous_refresh_token,
            expires_at=now + float(expires_in) if expires_in is not None else None,
            token_type=str(payload.get("token_type", "bearer")),
            extra=extra,
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON document a :class:`TokenStore` keeps."""
        return {**self.extra, "access_token": self.access_token,
                "refresh_token": self.refresh_token, "expires_at": self.expires_at,
                "token_type": self.token_type}

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> Token:
        """Read back what :meth:`to_dict` wrote."""
        extra = {k: v for k, v in document.items()
                 if k not in {"access_token", "refresh_token", "expires_at", "token_type"}}
        expires_at = document.get("expires_at")
        return cls(str(document["access_token"]), document.get("refresh_token"),
                   None if expires_at is None else float(expires_at),
                   str(document.get("token_type", "bearer")), extra)


class TokenStore(Protocol):
    """Durable token storage; ``save_token`` must commit atomically before returning."""

    def load_token(self, key: str) -> dict[str, Any] | None:
        """The token document under ``key``, or None."""
        ...

    def save_token(self, key: str, token: Mapping[str, Any]) -> None:
        """Replace the token document under ``key``."""
        ...


class MemoryTokenStore:
    """A :class:`TokenStore` in a dict, for tests and notebooks."""

    def __init__(self, tokens: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        self._tokens = {k: dict(v) for k, v in (tokens or {}).items()}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"MemoryTokenStore(keys={sorted(self._tokens)!r})"

    def load_token(self, key: str) -> dict[str, Any] | None:
        """The token document under ``key``, or None."""
        with self._lock:
            token = self._tokens.get(key)
            return None if token is None else dict(token)

    def save_token(self, key: str, token: Mapping[str, Any]) -> None:
        """Replace the token document under ``key``."""
        with self._lock:
            self._tokens[key] = dict(token)


def authorization_url(
    endpoints: OAuthEndpoints, credentials: ClientCredentials, *, redirect_uri: str,
    scopes: Sequence[str] | None = None, state: str | None = None, **extra: str,
) -> tuple[str, str]:
    """The URL to send the user to, and the ``state`` to check on the callback."""
    state = state or generate_token(STATE_LENGTH)
    url = prepare_grant_uri(endpoints.authorize_url, credentials.client_id, "code",
                            redirect_uri=redirect_uri,
                            scope=list(scopes if scopes is not None else endpoints.scopes),
                            state=state, **extra)
    return str(url), state


def parse_callback(url: str, *, state: str, provider: str) -> dict[str, str]:
    """The query of the redirect back to the app, once its ``state`` is checked.

    Returns every parameter (``code``, plus e.g. QuickBooks' ``realmId``).

    Raises:
        AuthError: the user refused (``error=access_denied``...), the code is
            missing, or ``state`` does not match (a forged or stale callback).
    """
    query = dict(parse_qsl(urlsplit(url).query))
    if "error" in query:
        raise AuthError(query.get("error_description") or query["error"], provider=provider,
                        code=query["error"])
    try:
        params = parse_authorization_code_response(url, state=state)
    except MissingCodeException as exc:
        raise AuthError("the callback carries no authorization code",
                        provider=provider) from exc
    except MismatchingStateException as exc:
        raise AuthError("the callback's state does not match the one sent",
                        provider=provider) from exc
    return {str(k): str(v) for k, v in params.items()}


def _token_problem(payload: Mapping[str, Any]) -> str | None:
    """What is wrong with a success answer of the token endpoint (RFC 6749 §5.1), if anything.

    A token kept with a wrong type would fail later and far away (``"soon"`` as
    ``expires_in`` on the next request), so it is refused where it arrives.
    """
    if not isinstance(payload.get("access_token"), str) or not payload["access_token"]:
        return "access_token is not a non-empty string"
    refresh = payload.get("refresh_token")
    if refresh is not None and (not isinstance(refresh, str) or not refresh):
        return "refresh_token is not a non-empty string"
    expires_in = payload.get("expires_in")
    if expires_in is not None and (isinstance(expires_in, bool)
                                   or not isinstance(expires_in, int | float)
                                   or not 0 <= expires_in < 10**9):
        return f"expires_in is not a number of seconds (got {str(expires_in)[:40]!r})"
    if not isinstance(payload.get("token_type", "bearer"), str):
        return "token_type is not a string"
    return None


def _token_call(
    client: httpx.Client, endpoints: OAuthEndpoints, credentials: ClientCredentials, *,
    provider: str, grant_type: str, secrets: KnownSecrets | None = None, **params: str,
) -> dict[str, Any]:
    known = secrets if secrets is not None else KnownSecrets()
    known.add(credentials.client_secret,
              *(value for name, value in params.items() if name in SECRET_FIELDS))
    body = prepare_token_request(grant_type, **params)
    headers = {"Content-Type": "application/x-www-form-urlencoded",
               "Accept": "application/json", **endpoints.token_headers}
    _, headers, body = ClientAuth(credentials.client_id, credentials.client_secret,
                                  "client_secret_basic").prepare(
        "POST", endpoints.token_url, headers, body)
    try:
        response = client.post(endpoints.token_url, content=body, headers=headers,
                               timeout=TOKEN_TIMEOUT)
    except httpx.TransportError as exc:
        raise TransientProviderError(f"token endpoint unreachable ({type(exc).__name__})",
                                     provider=provider) from exc
    try:
        payload = response.json()
    except (ValueError, RecursionError):
        payload = None
    if response.is_success and isinstance(payload, dict) and "access_token" in payload:
        problem = _token_problem(payload)
        if problem:
            raise ProviderError(f"{grant_type} grant: malformed token answer: {problem}",
                                provider=provider, status=response.status_code)
        return payload
    if response.is_success:
        shown = "not a JSON object" if not isinstance(payload, dict) else "no access_token"
        raise ProviderError(f"{grant_type} grant: malformed token answer: {shown}",
                            provider=provider, status=response.status_code)
    error = payload.get("error") if isinstance(payload, dict) else None
    text = (payload.get("error_description") if isinstance(payload, dict) else None) or error
    message = known.scrub(redact_text(str(text or response.reason_phrase
                                          or "token request failed")))
    cls = TransientProviderError if response.status_code >= 500 else AuthError
    raise cls(f"{grant_type} grant refused: {message}", provider=provider,
              status=response.status_code, code=str(error) if error else None)


def exchange_code(
    client: httpx.Client, endpoints: OAuthEndpoints, credentials: ClientCredentials, *,
    code: str, redirect_uri: str, store: TokenStore, key: str, provider: str,
    clock: Callable[[], float] = time.time,
) -> Token:
    """Trade an authorization code for tokens and save them under ``key``."""
    payload = _token_call(client, endpoints, credentials, provider=provider,
                          grant_type="authorization_code", code=code, redirect_uri=redirect_uri)
    token = Token.from_response(payload, now=clock())
    store.save_token(key, token.to_dict())
    return token


_LOCKS_GUARD = threading.Lock()
_LOCKS: dict[str, threading.Lock] = {}


def _refresh_lock(key: str) -> threading.Lock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(key, threading.Lock())


class OAuth2Auth(httpx.Auth):
    """Bearer auth that refreshes (and persists rotated tokens) when it must.

    Args:
        endpoints: the provider's OAuth endpoints.
        credentials: the app's client id and secret.
        store: where tokens live (the journal :class:`~ledgerlink.store.Store`).
        key: the token's key in the store (``"quickbooks:<realm>"``).
        provider: connector name, for errors.
        token_client: the httpx client for token calls (pass one with an
            emulator transport in tests); one with :data:`TOKEN_TIMEOUT` otherwise.
        clock: wall-clock seconds since the epoch.
        skew: refresh this long before expiry.
    """

    requires_request_body = True

    def __init__(
        self, endpoints: OAuthEndpoints, credentials: ClientCredentials, store: TokenStore,
        key: str, *, provider: str, token_client: httpx.Client | None = None,
        clock: Callable[[], float] = time.time, skew: float = REFRESH_SKEW,
    ) -> None:
        self.endpoints = endpoints
        self.credentials = credentials
        self.store = store
        self.key = key
        self.provider = provider
        self._client = token_client or make_client(timeout=httpx.Timeout(TOKEN_TIMEOUT))
        self._clock = clock
        self._skew = skew
        self._lock = _refresh_lock(key)
        self._token: Token | None = None
        #: How many refresh calls this object made (for tests and metrics).
        self.refreshes = 0
        #: The secret values of this connection, for scrubbing errors and logs.
        self.secrets = KnownSecrets(credentials.client_secret)

    def __repr__(self) -> str:
        return (f"OAuth2Auth(provider={self.provider!r}, key={self.key!r}, "
                f"token={self._token!r})")

    def _stored(self) -> Token | None:
        document = self.store.load_token(self.key)
        if document is None:
            return None
        token = Token.from_dict(document)
        self.secrets.add(token.access_token, token.refresh_token)
        return token

    def token(self) -> Token:
        """A usable token: the current one, or a fresh one if it is missing or expiring."""
        token = self._token
        if token is not None and not token.expiring(self._clock(), self._skew):
            return token
        return self._renew(stale=token.access_token if token else None)

    def refresh(self) -> Token:
        """Force a refresh now (unless another caller just did one)."""
        return self._renew(stale=self._token.access_token if self._token else None)

    def _renew(self, stale: str | None) -> Token:
        with self._lock:
            now = self._clock()
            stored = self._stored()
            # Another thread, client or process may have refreshed meanwhile.
            for candidate in (self._token, stored):
                if (candidate is not None and candidate.access_token != stale
                        and not candidate.expiring(now, self._skew)):
                    self._token = candidate
                    return candidate
            # The store holds the newest refresh token any process saved.
            current = stored or self._token
            if current is None:
                raise AuthError(f"no token stored under {self.key!r}; connect the account first",
                                provider=self.provider)
            if not current.refresh_token:
                raise AuthError("the access token expired and there is no refresh token",
                                provider=self.provider)
            payload = _token_call(self._client, self.endpoints, self.credentials,
                                  provider=self.provider, grant_type="refresh_token",
                                  secrets=self.secrets, refresh_token=current.refresh_token)
            self.refreshes += 1
            fresh = Token.from_response(payload, now=self._clock(),
                                        previous_refresh_token=current.refresh_token)
            self.secrets.add(fresh.access_token, fresh.refresh_token)
            try:
                self.store.save_token(self.key, fresh.to_dict())
            except Exception as exc:
                # The provider rotated, we could not keep it: stay on the previous
                # refresh token (still valid for a while) and try again next time.
                self._token = current
                raise StoreError(
                    f"could not save the refreshed token for {self.key!r} "
                    f"({type(exc).__name__}); the previous refresh token is kept") from exc
            self._token = fresh
            return fresh

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Send with the current token; on a 401 refresh once and resend."""
        token = self.token()
        request.headers["Authorization"] = f"Bearer {token.access_token}"
        response = yield request
        if response.status_code != 401:
            return
        token = self._renew(stale=token.access_token)
        request.headers["Authorization"] = f"Bearer {token.access_token}"
        yield request
