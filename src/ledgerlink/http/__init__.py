"""The shared HTTP layer every HTTP connector uses.

Timeouts and the client (:mod:`.client`), retries (:mod:`.retry`), per-account
rate limits (:mod:`.limits`), OAuth2 (:mod:`.oauth`), error mapping
(:mod:`.errors`) and redaction of secrets (:mod:`.redact`). Connectors
configure it with named constants; they do not re-implement it.

Dependencies: httpx (the client), stamina (retries with backoff and a testing
switch that turns waits off), authlib (the RFC 6749 request pieces for OAuth2).
"""

from ledgerlink.http.client import ProviderClient, default_timeout, make_client
from ledgerlink.http.errors import AuthError, ErrorParser, Fault, raise_for_provider
from ledgerlink.http.limits import (
    AccountLimiter,
    Limit,
    LimiterRegistry,
    RateLimitTimeout,
    shared_limiters,
)
from ledgerlink.http.oauth import (
    ClientCredentials,
    MemoryTokenStore,
    OAuth2Auth,
    OAuthEndpoints,
    Token,
    TokenStore,
    authorization_url,
    exchange_code,
    parse_callback,
)
from ledgerlink.http.redact import (
    redact_headers,
    redact_text,
    scrub_cassette_request,
    scrub_cassette_response,
)
from ledgerlink.http.retry import parse_retry_after, send_with_retries

__all__ = [
    "AccountLimiter",
    "AuthError",
    "ClientCredentials",
    "ErrorParser",
    "Fault",
    "Limit",
    "LimiterRegistry",
    "MemoryTokenStore",
    "OAuth2Auth",
    "OAuthEndpoints",
    "ProviderClient",
    "RateLimitTimeout",
    "Token",
    "TokenStore",
    "authorization_url",
    "default_timeout",
    "exchange_code",
    "make_client",
    "parse_callback",
    "parse_retry_after",
    "raise_for_provider",
    "redact_headers",
    "redact_text",
    "scrub_cassette_request",
    "scrub_cassette_response",
    "send_with_retries",
    "shared_limiters",
]
