"""QuickBooks Online's hosts, OAuth endpoints and limits, as named constants.

The connector configures the core's shared HTTP layer with these; nothing here
re-implements retries, limits or OAuth.
"""

from __future__ import annotations

from typing import Literal

from ledgerlink.http.limits import Limit
from ledgerlink.http.oauth import OAuthEndpoints

__all__ = [
    "API_BASE",
    "BATCH_LIMIT",
    "DEFAULT_LIMIT",
    "ENDPOINTS",
    "LIMITS",
    "MAX_BATCH_ITEMS",
    "MAX_REQUEST_ID",
    "MINOR_VERSION",
    "PROVIDER",
    "SCOPE_ACCOUNTING",
    "WEB_APP",
    "WEB_APP_CREDIT_MEMO",
    "Environment",
    "endpoints_at",
]

#: The connector's registered name.
PROVIDER = "quickbooks"

Environment = Literal["production", "sandbox"]

#: API hosts; the company's path is /v3/company/{realmId}.
API_BASE: dict[Environment, str] = {
    "production": "https://quickbooks.api.intuit.com",
    "sandbox": "https://sandbox-quickbooks.api.intuit.com",
}
#: Where an invoice opens in the QuickBooks web app (by Id; community practice).
WEB_APP: dict[Environment, str] = {
    "production": "https://app.qbo.intuit.com/app/invoice?txnId={id}",
    "sandbox": "https://app.sandbox.qbo.intuit.com/app/invoice?txnId={id}",
}
#: Where a credit memo opens in the web app.
WEB_APP_CREDIT_MEMO: dict[Environment, str] = {
    "production": "https://app.qbo.intuit.com/app/creditmemo?txnId={id}",
    "sandbox": "https://app.sandbox.qbo.intuit.com/app/creditmemo?txnId={id}",
}

#: Sent on every call: 75 is the floor since 2025-08-01; lower values are ignored.
MINOR_VERSION = "75"
#: The OAuth scope for the accounting API.
SCOPE_ACCOUNTING = "com.intuit.quickbooks.accounting"
#: Intuit's OAuth 2.0 endpoints (the same for production and sandbox companies).
ENDPOINTS = OAuthEndpoints(
    authorize_url="https://appcenter.intuit.com/connect/oauth2",
    token_url="https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer",
    scopes=(SCOPE_ACCOUNTING,),
)
#: Token-endpoint path, for endpoints on another host (the emulator).
TOKEN_PATH = "/oauth2/v1/tokens/bearer"

#: Per realm: 500 requests a minute, 10 a second and 10 at once; batch calls also 40 a
#: minute (NOTES.md §11).
DEFAULT_LIMIT = Limit(per_minute=500, in_flight=10, per_second=10)
BATCH_LIMIT = Limit(per_minute=40, in_flight=10)
LIMITS = {"default": DEFAULT_LIMIT, "batch": BATCH_LIMIT}
#: Operations in one batch request.
MAX_BATCH_ITEMS = 30
#: Longest requestid QuickBooks accepts (36 for batch requests).
MAX_REQUEST_ID = 50


def endpoints_at(base_url: str) -> OAuthEndpoints:
    """Intuit's endpoints at their own paths on ``base_url`` (an emulator): the consent
    page as well as the token endpoint."""
    return ENDPOINTS.on_host(base_url)
