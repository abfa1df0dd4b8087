"""The OAuth 2.0 side: apps, authorization codes, access tokens and rotating refresh tokens."""

from __future__ import annotations

import base64
import binascii
import secrets
import threading
from urllib.parse import parse_qs

import attrs

from ledgerlink_quickbooks.emulator.wire import EmuRequest, EmuResponse, json_response

TOKEN_PATH = "/oauth2/v1/tokens/bearer"
REVOKE_PATH = "/v2/oauth2/tokens/revoke"
ACCESS_TOKEN_TTL = 3600.0
REFRESH_TOKEN_TTL = 8_726_400.0  # ≈ 101 days, the value current token responses carry
REFRESH_GRACE = 86_400.0  # a rotated refresh token stays usable for 24 hours
DEFAULT_CLIENT_ID = "emulator-client-id"
DEFAULT_CLIENT_SECRET = "emulator-client-secret"  # a public test credential


@attrs.define
class _Refresh:
    realm_id: str
    client_id: str
    expires_at: float
    superseded_at: float | None = None
    successor: str | None = None


@attrs.define
class AuthServer:
    """Token bookkeeping; thread-safe.

    Attributes:
        access_ttl: Seconds an access token lives.
        refresh_ttl: Rolling lifetime of a refresh token.
        grace: Seconds a rotated (previous) refresh token keeps working.
    """

    access_ttl: float = ACCESS_TOKEN_TTL
    refresh_ttl: float = REFRESH_TOKEN_TTL
    grace: float = REFRESH_GRACE
    clients: dict[str, str] = attrs.field(
        factory=lambda: {DEFAULT_CLIENT_ID: DEFAULT_CLIENT_SECRET}
    )
    _codes: dict[str, tuple[str, str]] = attrs.field(factory=dict)
    _access: dict[str, tuple[str, float]] = attrs.field(factory=dict)
    _refresh: dict[str, _Refresh] = attrs.field(factory=dict)
    _lock: threading.Lock = attrs.field(factory=threading.Lock)
    refresh_count: int = 0

    def authorize(self, realm_id: str, client_id: str = DEFAULT_CLIENT_ID) -> str:
        """Simulate the user's consent: return a one-time authorization code for ``realm_id``."""
        code = "AB" + secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = (realm_id, client_id)
        return code

    def issue(
        self, realm_id: str, now: float, client_id: str = DEFAULT_CLIENT_ID
    ) -> dict[str, object]:
        """Issue a fresh token pair for ``realm_id`` without the HTTP dance."""
        with self._lock:
            return self._issue(realm_id, client_id, now, None)

    def _issue(
        self, realm_id: str, client_id: str, now: float, refresh_token: str | None
    ) -> dict[str, object]:
        access = "eyJemu." + secrets.token_urlsafe(32)
        self._access[access] = (realm_id, now + self.access_ttl)
        if refresh_token is None:
            refresh_token = "RT1-" + secrets.token_urlsafe(24)
        self._refresh[refresh_token] = _Refresh(realm_id, client_id, now + self.refresh_ttl)
        return {
            "token_type": "bearer",
            "expires_in": int(self.access_ttl),
            "access_token": access,
            "refresh_token": refresh_token,
            "x_refresh_token_expires_in": int(self.refresh_ttl),
        }

    def realm_of(self, bearer: str, now: float) -> str | None:
        """Return the realm an unexpired access token grants, else None."""
        with self._lock:
            entry = self._access.get(bearer)
        if entry is None or entry[1] <= now:
            return None
        return entry[0]

    def expire_access_tokens(self) -> None:
        """Make every issued access token expire now (to exercise refresh-on-401)."""
        with self._lock:
            self._access = {t: (r, 0.0) for t, (r, _) in self._access.items()}

    def handle_token(self, request: EmuRequest, now: float) -> EmuResponse:
        """Answer the token endpoint (authorization_code and refresh_token grants)."""
        client_id = self._client(request)
        if client_id is None:
            return json_response(401, {"error": "invalid_client"})
        form = {k: v[-1] for k, v in parse_qs(request.body.decode()).items()}
        grant = form.get("grant_type")
        with self._lock:
            if grant == "authorization_code":
                found = self._codes.pop(form.get("code", ""), None)
                if found is None or found[1] != client_id:
                    return _invalid_grant()
                return json_response(200, self._issue(found[0], client_id, now, None))
            if grant == "refresh_token":
                return self._rotate(form.get("refresh_token", ""), client_id, now)
        return json_response(400, {"error": "unsupported_grant_type"})

    def _rotate(self, token: str, client_id: str, now: float) -> EmuResponse:
        entry = self._refresh.get(token)
        if entry is None or entry.client_id != client_id or entry.expires_at <= now:
            return _invalid_grant()
        if entry.superseded_at is not None:
            if now - entry.superseded_at > self.grace:
                return _invalid_grant()
            # Within the grace window the old token still works; answer with the newest one.
            newest = token
            while self._refresh[newest].successor is not None:
                newest = self._refresh[newest].successor or newest
            token, entry = newest, self._refresh[newest]
        successor = "RT1-" + secrets.token_urlsafe(24)
        body = self._issue(entry.realm_id, client_id, now, successor)
        entry.superseded_at = now
        entry.successor = successor
        self.refresh_count += 1
        return json_response(200, body)

    def handle_revoke(self, request: EmuRequest) -> EmuResponse:
        """Revoke a refresh or access token (body ``{"token": ...}``)."""
        if self._client(request) is None:
            return json_response(401, {"error": "invalid_client"})
        token = str((request.json() or {}).get("token", ""))
        with self._lock:
            self._access.pop(token, None)
            self._refresh.pop(token, None)
        return json_response(200, {})

    def _client(self, request: EmuRequest) -> str | None:
        header = request.headers.get("authorization", "")
        if not header.lower().startswith("basic "):
            return None
        try:
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        if self.clients.get(client_id) != secret:
            return None
        return client_id


def _invalid_grant() -> EmuResponse:
    return json_response(
        400, {"error": "invalid_grant", "error_description": "Incorrect or invalid refresh token"}
    )
