"""Visma Connect's token endpoint: authorization codes, access tokens, rotating refresh tokens.

A grant belongs to a user and reaches every organisation the user may see,
so an access token resolves to a :class:`Grant` (client, organisations,
scopes). Refresh tokens rotate and a consumed one is refused
(``invalid_grant``), which is what the notes ask clients to respect: no grace,
unlike QuickBooks. No refresh token expiry is documented, so none is modelled.
Client credentials come in the form body or as HTTP Basic; an unknown client is
answered 400 ``invalid_client``. Only the authorization-code and refresh-token
grants are served: the password grant lives on Dinero's deprecated personal-
integration host, and client credentials appear only in third-party code.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from ledgerlink.emulation import EmuResponse, Issued, TokenRules
from ledgerlink.emulation import TokenServer as KitTokenServer
from ledgerlink_dinero.emulator.wire import json_response

TOKEN_PATH = "/connect/token"
#: The consent page's path (``https://connect.visma.com/connect/authorize``).
CONSENT_PATH = "/connect/authorize"
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


def _answer(status: int, body: Mapping[str, object]) -> EmuResponse:
    return json_response(status, dict(body))


def _refuse(status: int, error: str) -> EmuResponse:
    return json_response(status, {"error": error})


def _token_body(issued: Issued) -> dict[str, object]:
    body: dict[str, object] = {
        "access_token": issued.access_token,
        "expires_in": int(issued.access_ttl),
        "token_type": "Bearer",
        "scope": " ".join(sorted(issued.scopes)),
    }
    if issued.refresh_token is not None:  # refresh tokens only with offline_access
        body["refresh_token"] = issued.refresh_token
    return body


RULES = TokenRules(
    token_path=TOKEN_PATH, answer=_answer, refuse=_refuse, token_body=_token_body,
    access_ttl=ACCESS_TOKEN_TTL, refresh_ttl=None, refresh_grace=0.0, client_in_form=True,
    invalid_client_status=400, refresh_scope=OFFLINE_SCOPE, access_prefix="eyJdinero.",
    refresh_prefix="",
)


class TokenServer(KitTokenServer[frozenset[str]]):
    """Visma Connect's token bookkeeping: a token's subject is the organisations it reaches."""

    def __init__(self) -> None:
        super().__init__(RULES, {DEFAULT_CLIENT_ID: DEFAULT_CLIENT_SECRET})

    def grant_of(self, bearer: str, now: float) -> Grant | None:
        """The grant an unexpired access token stands for, else None."""
        found = self.grant_of_token(bearer, now)
        return None if found is None else Grant(found[1], found[0], found[2])

    def issue_grant(self, grant: Grant, now: float) -> dict[str, object]:
        """A token response for ``grant`` without the HTTP exchange."""
        return self.issue(grant.organisations, grant.client_id, grant.scopes, now)
