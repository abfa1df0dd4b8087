"""Visma Connect's token endpoint: authorization codes, access tokens, rotating refresh tokens.

A grant belongs to a user and reaches every organisation the user may see,
so an access token resolves to a :class:`Grant` (client, organisations,
scopes). Refresh tokens rotate and a consumed one is refused
(``invalid_grant``), which is what the notes ask clients to respect.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import threading
from collections.abc import Iterable
from urllib.parse import parse_qs

import attrs

from ledgerlink_dinero.emulator.wire import EmuRequest, EmuResponse, json_response

TOKEN_PATH = "/connect/token"
ACCESS_TOKEN_TTL = 3600.0
READ_SCOPE = "dineropublicapi:read"
WRITE_SCOPE = "dineropublicapi:write"
OFFLINE_SCOPE = "offline_access"
DEFAULT_SCOPES = f"{READ_SCOPE} {WRITE_SCOPE} {OFFLINE_SCOPE}"
DEFAULT_CLIENT_ID = "isv_ledgerlink_emulator"  # Visma Connect client ids start with isv_
DEFAULT_CLIENT_SECRET = "emulator-client-secret"  # a public test credential


@attrs.frozen
class Grant:
    """What a token stands for.

    Attributes:
        client_id: The integration (rate limits are counted per client id).
        organisations: Organisation ids the user consented for.
        scopes: Granted scopes.
    """

    client_id: str
    organisations: frozenset[str]
    scopes: frozenset[str]


@attrs.define
class TokenServer:
    """Token bookkeeping; thread-safe.

    Attributes:
        access_ttl: Seconds an access token lives.
        clients: Registered client ids and their secrets.
        refresh_count: Successful refresh grants so far.
    """

    access_ttl: float = ACCESS_TOKEN_TTL
    clients: dict[str, str] = attrs.field(
        factory=lambda: {DEFAULT_CLIENT_ID: DEFAULT_CLIENT_SECRET}
    )
    refresh_count: int = 0
    _codes: dict[str, Grant] = attrs.field(factory=dict)
    _access: dict[str, tuple[Grant, float]] = attrs.field(factory=dict)
    _refresh: dict[str, Grant] = attrs.field(factory=dict)
    _lock: threading.Lock = attrs.field(factory=threading.Lock)

    def authorize(
        self,
        organisations: Iterable[str],
        *,
        client_id: str = DEFAULT_CLIENT_ID,
        scopes: str = DEFAULT_SCOPES,
    ) -> str:
        """Simulate the user's consent: a one-time authorization code."""
        code = secrets.token_hex(16)
        grant = Grant(client_id, frozenset(organisations), frozenset(scopes.split()))
        with self._lock:
            self._codes[code] = grant
        return code

    def issue(self, grant: Grant, now: float) -> dict[str, object]:
        """A token response for ``grant`` without the HTTP dance."""
        with self._lock:
            return self._issue(grant, now)

    def _issue(self, grant: Grant, now: float) -> dict[str, object]:
        access = "eyJdinero." + secrets.token_urlsafe(32)
        self._access[access] = (grant, now + self.access_ttl)
        body: dict[str, object] = {
            "access_token": access,
            "expires_in": int(self.access_ttl),
            "token_type": "Bearer",
            "scope": " ".join(sorted(grant.scopes)),
        }
        if OFFLINE_SCOPE in grant.scopes:  # refresh tokens only with offline_access
            refresh = secrets.token_hex(32).upper()
            self._refresh[refresh] = grant
            body["refresh_token"] = refresh
        return body

    def grant_of(self, bearer: str, now: float) -> Grant | None:
        """The grant an unexpired access token stands for, else None."""
        with self._lock:
            entry = self._access.get(bearer)
        if entry is None or entry[1] <= now:
            return None
        return entry[0]

    def expire_access_tokens(self) -> None:
        """Make every issued access token expire now (to exercise refresh-on-401)."""
        with self._lock:
            self._access = {t: (g, 0.0) for t, (g, _) in self._access.items()}

    def handle_token(self, request: EmuRequest, now: float) -> EmuResponse:
        """Answer ``POST /connect/token`` (authorization_code and refresh_token grants)."""
        form = {k: v[-1] for k, v in parse_qs(request.body.decode(errors="replace")).items()}
        client_id = self._client(request, form)
        if client_id is None:
            return json_response(400, {"error": "invalid_client"})
        grant_type = form.get("grant_type")
        with self._lock:
            if grant_type == "authorization_code":
                grant = self._codes.pop(form.get("code", ""), None)
                if grant is None or grant.client_id != client_id:
                    return json_response(400, {"error": "invalid_grant"})
                return json_response(200, self._issue(grant, now))
            if grant_type == "refresh_token":
                token = form.get("refresh_token", "")
                grant = self._refresh.get(token)
                if grant is None or grant.client_id != client_id:
                    return json_response(400, {"error": "invalid_grant"})
                del self._refresh[token]  # rotation: a refresh token works once
                self.refresh_count += 1
                return json_response(200, self._issue(grant, now))
        return json_response(400, {"error": "unsupported_grant_type"})

    def _client(self, request: EmuRequest, form: dict[str, str]) -> str | None:
        """Client credentials from the form body or HTTP Basic, if they are registered."""
        client_id, secret = form.get("client_id"), form.get("client_secret")
        header = request.headers.get("authorization", "")
        if header.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(header[6:]).decode()
            except (binascii.Error, UnicodeDecodeError):
                return None
            client_id, _, secret = decoded.partition(":")
        if client_id is None or self.clients.get(client_id) != secret:
            return None
        return client_id
