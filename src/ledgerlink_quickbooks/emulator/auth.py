"""Intuit's OAuth 2.0 endpoints, as a configuration of the kit's token server.

Facts (NOTES.md §3): access tokens live an hour; refresh tokens have a rolling
lifetime of about 101 days and rotate, the previous one staying usable for
24 hours; revocation takes JSON ``{"token": ...}``; clients authenticate with
HTTP Basic. Refusals are ``{"error": ...}`` JSON, ``invalid_client`` with 401.
"""

from __future__ import annotations

from collections.abc import Mapping

from ledgerlink.emulation import EmuResponse, Issued, TokenRules, TokenServer
from ledgerlink_quickbooks.emulator.wire import json_response

__all__ = [
    "CONSENT_PATH",
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "REVOKE_PATH",
    "SCOPES",
    "TOKEN_PATH",
    "AuthServer",
    "auth_server",
]

TOKEN_PATH = "/oauth2/v1/tokens/bearer"
REVOKE_PATH = "/v2/oauth2/tokens/revoke"
#: The consent page's path (``https://appcenter.intuit.com/connect/oauth2``).
CONSENT_PATH = "/connect/oauth2"
ACCESS_TOKEN_TTL = 3600.0
REFRESH_TOKEN_TTL = 8_726_400.0  # ≈ 101 days, the value current token responses carry
REFRESH_GRACE = 86_400.0  # a rotated refresh token stays usable for 24 hours
DEFAULT_CLIENT_ID = "emulator-client-id"
DEFAULT_CLIENT_SECRET = "emulator-client-secret"  # a public test credential
SCOPES = frozenset({"com.intuit.quickbooks.accounting"})

#: A token server whose subject is the realm (company) a token grants.
AuthServer = TokenServer[str]


def _refuse(status: int, error: str) -> EmuResponse:
    if error == "invalid_grant":
        return json_response(status, {"error": error,
                                      "error_description": "Incorrect or invalid refresh token"})
    return json_response(status, {"error": error})


def _answer(status: int, body: Mapping[str, object]) -> EmuResponse:
    return json_response(status, dict(body))


def _token_body(issued: Issued) -> dict[str, object]:
    return {
        "token_type": "bearer",
        "expires_in": int(issued.access_ttl),
        "access_token": issued.access_token,
        "refresh_token": issued.refresh_token,
        "x_refresh_token_expires_in": int(issued.refresh_ttl or 0),
    }


RULES = TokenRules(
    token_path=TOKEN_PATH, revoke_path=REVOKE_PATH, answer=_answer, refuse=_refuse,
    token_body=_token_body, access_ttl=ACCESS_TOKEN_TTL, refresh_ttl=REFRESH_TOKEN_TTL,
    refresh_grace=REFRESH_GRACE, invalid_client_status=401, code_prefix="AB",
    access_prefix="eyJemu.", refresh_prefix="RT1-",
)


def auth_server() -> AuthServer:
    """A token server knowing the default client."""
    return TokenServer(RULES, {DEFAULT_CLIENT_ID: DEFAULT_CLIENT_SECRET})
