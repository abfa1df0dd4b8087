"""Dinero's hosts, OAuth endpoints, limits and paging rules, as named constants.

The connector configures the core's shared HTTP layer with these; nothing here
re-implements retries, limits or OAuth. Every value cites the research notes
(``shared/providers/NOTES-danish.md``, section 1, source tags ``[Dn]``).
"""

from __future__ import annotations

from typing import NewType

from ledgerlink.http.limits import Limit
from ledgerlink.http.oauth import OAuthEndpoints

__all__ = [
    "API_ORIGIN",
    "DEFAULT_LIMIT",
    "DEFAULT_PAGE_SIZE",
    "ENDPOINTS",
    "FIRST_PAGE",
    "LIMITS",
    "MAX_EXTERNAL_REFERENCE",
    "MAX_PAGE_SIZE",
    "PDF_ACCEPT",
    "PDF_LINK_PLACEHOLDER",
    "PROVIDER",
    "SCOPES",
    "SCOPE_OFFLINE",
    "SCOPE_READ",
    "SCOPE_WRITE",
    "TOKEN_PATH",
    "Timestamp",
    "endpoints_at",
    "endpoints_for",
    "organization_path",
]

#: The connector's registered name.
PROVIDER = "dinero"

#: Every call goes to this origin; paths carry a version and the organisation:
#: ``/v1/{organizationId}/...`` (some operations only exist on ``/v1.2`` or ``/v2``) [D13].
API_ORIGIN = "https://api.dinero.dk"

#: Scopes of a public integration; ``offline_access`` brings refresh tokens [D1][D2][D3].
SCOPE_READ = "dineropublicapi:read"
SCOPE_WRITE = "dineropublicapi:write"
SCOPE_OFFLINE = "offline_access"
SCOPES = (SCOPE_READ, SCOPE_WRITE, SCOPE_OFFLINE)

#: Visma Connect's authorization-code endpoints; the callback is a form POST and
#: refresh uses ``grant_type=refresh_token`` at the same token URL [D1][D19].
ENDPOINTS = OAuthEndpoints(
    authorize_url="https://connect.visma.com/connect/authorize",
    token_url="https://connect.visma.com/connect/token",
    scopes=SCOPES,
)
#: Token-endpoint path, for endpoints on another host (the emulator).
TOKEN_PATH = "/connect/token"

#: "100 request a minute pr. organization, on a ClientID basis"; overflow is a 429
#: "API calls quota exceeded!" [D5][D6]. No concurrency cap is documented.
DEFAULT_LIMIT = Limit(per_minute=100)
LIMITS = {"default": DEFAULT_LIMIT}

#: Paging is 0-based; ``pageSize`` defaults to 100 and may be at most 1000 [D13][D15][D18].
FIRST_PAGE = 0
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000

#: ``ExternalReference`` on an invoice holds at most 128 characters [D16].
MAX_EXTERNAL_REFERENCE = 128

#: A PDF is the invoice GET with this Accept header, for booked invoices only [D8].
PDF_ACCEPT = "application/octet-stream"
#: An email ``Message``, when set, must contain this placeholder [D10].
PDF_LINK_PLACEHOLDER = "[link-to-pdf]"

#: Dinero's optimistic-concurrency token (``TimeStamp`` on reads, ``Timestamp`` in
#: write bodies), e.g. ``"0000000008766398"`` [D8][D18]. It is opaque: sent back
#: exactly as last read on update, book, delete, payment and email; never
#: compared for order, parsed or refreshed inside a write. A stale one answers
#: error code 58, after which the object is re-read and the change decided
#: again [D9][D6][D14].
Timestamp = NewType("Timestamp", str)


def organization_path(organization_id: str, rest: str, *, version: str = "v1") -> str:
    """``/{version}/{organizationId}/{rest}``: the path of an organisation's resource."""
    if not organization_id or "/" in organization_id:
        raise ValueError(f"not an organisation id: {organization_id!r}")
    return f"/{version}/{organization_id}/{rest.lstrip('/')}"


def endpoints_at(base_url: str) -> OAuthEndpoints:
    """Visma Connect's endpoints at their own paths on ``base_url`` (an emulator): the consent
    page as well as the token endpoint."""
    return ENDPOINTS.on_host(base_url)


def endpoints_for(base_url: str | None) -> OAuthEndpoints:
    """Visma Connect's endpoints, or those of another host (``base_url``: an emulator)."""
    return endpoints_at(base_url) if base_url else ENDPOINTS
