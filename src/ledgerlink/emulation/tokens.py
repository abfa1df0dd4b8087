"""Internal: an OAuth 2.0 token server for emulators: authorization codes, access tokens, rotating
refresh tokens, revocation and the consent page, configured per provider.

What differs between providers is configuration (:class:`TokenRules`): the
token and revoke paths, the lifetimes, how long a rotated refresh token keeps
working (QuickBooks: 24 hours; Visma Connect for Dinero: not at all, a consumed
one is refused), whether client credentials may come in the form body, the
status of an unknown client, and two functions shaping the answers, so every
refusal reads as the provider's own. What a token grants (a QuickBooks realm,
a Dinero user's organisations and scopes) is the provider's *subject*, kept
opaque here.

Only the authorization-code and refresh-token grants are served: they are the
ones both providers document for a public app (Dinero's password grant lives
on another, deprecated host; a client-credentials grant appears only in third-
party code), and an unsupported grant gets ``unsupported_grant_type``.
"""

from __future__ import annotations

import base64
import binascii
import html
import secrets
import threading
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit

import attrs

from ledgerlink.emulation.messages import EmuRequest, EmuResponse

__all__ = ["Issued", "TokenRules", "TokenServer", "consent_redirect"]

Subject = TypeVar("Subject")

#: Seconds an authorization code may be exchanged in (providers allow minutes).
CODE_TTL = 600.0


@attrs.frozen
class Issued:
    """One token response before the provider shapes it.

    Attributes:
        access_token: The new access token.
        access_ttl: Its lifetime in seconds.
        refresh_token: The new refresh token (None when none is issued).
        refresh_ttl: Its lifetime in seconds (None: no expiry).
        scopes: The granted scopes.
    """

    access_token: str
    access_ttl: float
    refresh_token: str | None
    refresh_ttl: float | None
    scopes: frozenset[str]


#: Shapes an OAuth error: (status, error code such as ``invalid_grant``) -> answer.
Refuse = Callable[[int, str], EmuResponse]
#: Shapes a JSON answer: (status, body) -> answer.
Answer = Callable[[int, Mapping[str, object]], EmuResponse]


@attrs.frozen
class TokenRules:
    """How one provider's token endpoint behaves.

    Attributes:
        token_path: Path of the token endpoint (``POST``, form body).
        answer: Shapes a JSON answer in the provider's way (headers, encoding).
        refuse: Shapes an OAuth error answer.
        token_body: Turns an :class:`Issued` into the provider's token response.
        revoke_path: Path of the revocation endpoint, if the provider has one.
        access_ttl: Seconds an access token lives.
        refresh_ttl: Rolling lifetime of a refresh token (None: no expiry).
        refresh_grace: Seconds a rotated refresh token keeps working (0: used once).
        client_in_form: Client credentials may come in the form body, not only HTTP Basic.
        invalid_client_status: Status of the ``invalid_client`` answer.
        refresh_scope: Refresh tokens are issued only when this scope is granted.
        code_prefix: Start of an authorization code.
        access_prefix: Start of an access token.
        refresh_prefix: Start of a refresh token.
    """

    token_path: str
    answer: Answer
    refuse: Refuse
    token_body: Callable[[Issued], dict[str, object]]
    revoke_path: str | None = None
    access_ttl: float = 3600.0
    refresh_ttl: float | None = None
    refresh_grace: float = 0.0
    client_in_form: bool = False
    invalid_client_status: int = 401
    refresh_scope: str | None = None
    code_prefix: str = ""
    access_prefix: str = "emu."
    refresh_prefix: str = "rt-"


@attrs.define
class _Grant(Generic[Subject]):
    subject: Subject
    client_id: str
    scopes: frozenset[str]


@attrs.define
class _Code(Generic[Subject]):
    grant: _Grant[Subject]
    redirect_uri: str | None
    expires_at: float


@attrs.define
class _Refresh(Generic[Subject]):
    grant: _Grant[Subject]
    expires_at: float | None
    superseded_at: float | None = None
    successor: str | None = None


class TokenServer(Generic[Subject]):
    """Token bookkeeping for one emulator; thread-safe.

    Attributes:
        rules: The provider's :class:`TokenRules` (``grace`` changes its grace).
        clients: Registered client ids and their secrets.
        refresh_count: Successful refresh grants so far.
    """

    def __init__(self, rules: TokenRules, clients: Mapping[str, str]) -> None:
        self.rules = rules
        self.clients: dict[str, str] = dict(clients)
        self.refresh_count = 0
        self._codes: dict[str, _Code[Subject]] = {}
        self._access: dict[str, tuple[_Grant[Subject], float]] = {}
        self._refresh: dict[str, _Refresh[Subject]] = {}
        self._lock = threading.Lock()

    @property
    def grace(self) -> float:
        """Seconds a rotated refresh token keeps working."""
        return self.rules.refresh_grace

    @grace.setter
    def grace(self, seconds: float) -> None:
        self.rules = attrs.evolve(self.rules, refresh_grace=seconds)

    # ------------------------------------------------------------ without HTTP

    def authorize(self, subject: Subject, client_id: str, scopes: frozenset[str], now: float,
                  redirect_uri: str | None = None) -> str:
        """The user's consent: a one-time authorization code granting ``subject``."""
        code = self.rules.code_prefix + secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = _Code(_Grant(subject, client_id, scopes), redirect_uri,
                                      now + CODE_TTL)
        return code

    def issue(self, subject: Subject, client_id: str, scopes: frozenset[str],
              now: float) -> dict[str, object]:
        """A token response for ``subject`` without the HTTP exchange."""
        with self._lock:
            return self._issue(_Grant(subject, client_id, scopes), now, None)

    def subject_of(self, bearer: str, now: float) -> Subject | None:
        """What an unexpired access token grants, else None."""
        found = self.grant_of_token(bearer, now)
        return None if found is None else found[0]

    def grant_of_token(self, bearer: str, now: float) -> tuple[Subject, str, frozenset[str]] | None:
        """(subject, client id, scopes) of an unexpired access token, else None."""
        with self._lock:
            entry = self._access.get(bearer)
        if entry is None or entry[1] <= now:
            return None
        grant = entry[0]
        return grant.subject, grant.client_id, grant.scopes

    def expire_access_tokens(self) -> None:
        """Make every issued access token expire now (to exercise refresh-on-401)."""
        with self._lock:
            self._access = {t: (g, 0.0) for t, (g, _) in self._access.items()}

    def dump(self) -> dict[str, Any]:
        """The issued tokens, JSON-ready, so a restarted emulator still knows them."""
        def grant(g: _Grant[Subject]) -> list[Any]:
            return [g.subject, g.client_id, sorted(g.scopes)]

        with self._lock:
            return {
                "access": [[token, *grant(g), expires] for token, (g, expires)
                           in self._access.items()],
                "refresh": [[token, *grant(r.grant), r.expires_at, r.superseded_at, r.successor]
                            for token, r in self._refresh.items()],
                "refresh_count": self.refresh_count,
            }

    def load(self, data: Mapping[str, Any], subject: Callable[[Any], Subject]) -> None:
        """Know the tokens :meth:`dump` returned again; ``subject`` rebuilds a subject."""
        def grant(row: list[Any]) -> _Grant[Subject]:
            return _Grant(subject(row[0]), str(row[1]), frozenset(row[2]))

        with self._lock:
            for token, *row, expires in data.get("access", []):
                self._access[token] = (grant(row), float(expires))
            for token, *row, expires, superseded, successor in data.get("refresh", []):
                self._refresh[token] = _Refresh(grant(row), expires, superseded, successor)
            self.refresh_count = int(data.get("refresh_count", self.refresh_count))

    # ------------------------------------------------------------ over HTTP

    def handle_token(self, request: EmuRequest, now: float) -> EmuResponse:
        """Answer the token endpoint: the authorization_code and refresh_token grants."""
        form = dict(parse_qsl(request.body.decode(errors="replace"), keep_blank_values=True))
        client_id = self.client_of(request, form)
        if client_id is None:
            return self.rules.refuse(self.rules.invalid_client_status, "invalid_client")
        grant_type = form.get("grant_type")
        with self._lock:
            if grant_type == "authorization_code":
                return self._exchange(form, client_id, now)
            if grant_type == "refresh_token":
                return self._rotate(form.get("refresh_token", ""), client_id, now)
        return self.rules.refuse(400, "unsupported_grant_type")

    def handle_revoke(self, request: EmuRequest) -> EmuResponse:
        """Revoke a refresh or access token (JSON ``{"token": ...}`` or a form body)."""
        form = dict(parse_qsl(request.body.decode(errors="replace")))
        if self.client_of(request, form) is None:
            return self.rules.refuse(self.rules.invalid_client_status, "invalid_client")
        try:
            body = request.json()
        except ValueError:
            body = None
        token = str(body.get("token", "")) if isinstance(body, dict) else form.get("token", "")
        with self._lock:
            self._access.pop(token, None)
            self._refresh.pop(token, None)
        return self.rules.answer(200, {})

    def client_of(self, request: EmuRequest, form: Mapping[str, str]) -> str | None:
        """The registered client the request authenticates as (HTTP Basic, or the form)."""
        client_id: str | None = None
        secret: str | None = None
        if self.rules.client_in_form:
            client_id, secret = form.get("client_id"), form.get("client_secret")
        header = request.headers.get("authorization", "")
        if header[:6].lower() == "basic ":
            try:
                decoded = base64.b64decode(header[6:], validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                return None
            client_id, _, secret = decoded.partition(":")
        if client_id is None or secret is None or self.clients.get(client_id) != secret:
            return None
        return client_id

    # ------------------------------------------------------------ under the lock

    def _exchange(self, form: Mapping[str, str], client_id: str, now: float) -> EmuResponse:
        code = self._codes.pop(form.get("code", ""), None)
        if code is None or code.grant.client_id != client_id or code.expires_at <= now:
            return self.rules.refuse(400, "invalid_grant")
        if code.redirect_uri is not None and form.get("redirect_uri") != code.redirect_uri:
            return self.rules.refuse(400, "invalid_grant")
        return self.rules.answer(200, self._issue(code.grant, now, None))

    def _rotate(self, token: str, client_id: str, now: float) -> EmuResponse:
        entry = self._refresh.get(token)
        if (entry is None or entry.grant.client_id != client_id
                or (entry.expires_at is not None and entry.expires_at <= now)):
            return self.rules.refuse(400, "invalid_grant")
        if entry.superseded_at is not None:
            if now - entry.superseded_at >= self.rules.refresh_grace:
                return self.rules.refuse(400, "invalid_grant")
            # Within the grace the old token still works: rotate from the newest one.
            while entry.successor is not None and entry.successor in self._refresh:
                token, entry = entry.successor, self._refresh[entry.successor]
        successor = self._new_refresh_token()
        body = self._issue(entry.grant, now, successor)
        entry.superseded_at = now
        entry.successor = successor
        if self.rules.refresh_grace <= 0:
            del self._refresh[token]  # used once: nothing left to keep
        self.refresh_count += 1
        return self.rules.answer(200, body)

    def _new_refresh_token(self) -> str:
        return self.rules.refresh_prefix + secrets.token_urlsafe(32)

    def _issue(self, grant: _Grant[Subject], now: float, refresh: str | None) -> dict[str, object]:
        rules = self.rules
        access = rules.access_prefix + secrets.token_urlsafe(32)
        self._access[access] = (grant, now + rules.access_ttl)
        if rules.refresh_scope is None or rules.refresh_scope in grant.scopes:
            refresh = refresh or self._new_refresh_token()
            expires = None if rules.refresh_ttl is None else now + rules.refresh_ttl
            self._refresh[refresh] = _Refresh(grant, expires)
        else:
            refresh = None
        return rules.token_body(Issued(access, rules.access_ttl, refresh, rules.refresh_ttl,
                                       grant.scopes))


def consent_redirect(request: EmuRequest, server: TokenServer[Subject], now: float, *,
                     subject: Subject, extra: Mapping[str, str] | None = None) -> EmuResponse:
    """The consent screen, consented at once: redirect to ``redirect_uri`` with a ``code``.

    Reads ``client_id``, ``redirect_uri``, ``state``, ``scope`` and
    ``response_mode`` from the query as a real authorize URL carries them.
    The code is bound to ``redirect_uri`` (the exchange must repeat it) and
    the redirect carries ``state`` back plus ``extra`` (QuickBooks' ``realmId``).
    With ``response_mode=form_post`` the answer is a page whose form posts the
    same fields, and shows them as a form body to paste.
    An unknown client or a missing redirect URI is answered 400 (text), as
    an authorization server shows an error page rather than redirecting.
    """
    query = request.query
    client_id = query.get("client_id", "")
    redirect_uri = query.get("redirect_uri", "")
    if client_id not in server.clients or not redirect_uri.startswith(("http://", "https://")):
        return EmuResponse(400, {"content-type": "text/plain; charset=utf-8"},
                           b"unknown client_id or missing redirect_uri")
    scopes = frozenset(query.get("scope", "").replace("+", " ").split())
    code = server.authorize(subject, client_id, scopes, now, redirect_uri=redirect_uri)
    fields = {"code": code, **({"state": query["state"]} if "state" in query else {}),
              **(extra or {})}
    if query.get("response_mode") == "form_post":
        inputs = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                         for k, v in fields.items())
        page = (f'<html><body onload="document.forms[0].submit()"><form method="post" '
                f'action="{html.escape(redirect_uri)}">{inputs}</form>'
                f"<pre>{html.escape(urlencode(fields))}</pre>"
                f"</body></html>")
        return EmuResponse(200, {"content-type": "text/html; charset=utf-8"}, page.encode())
    joiner = "&" if urlsplit(redirect_uri).query else "?"
    return EmuResponse(302, {"location": redirect_uri + joiner + urlencode(fields)}, b"")
