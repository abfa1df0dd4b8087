"""Pipedrive's hosts, auth headers, paging and limits, as named constants.

The source configures the core's shared HTTP layer with these; nothing here
re-implements retries or limits. Every value cites the research notes
(``shared/crm/pipedrive/NOTES.md``, by section).
"""

from __future__ import annotations

from ledgerlink.http.limits import Limit
from ledgerlink.http.oauth import OAuthEndpoints

__all__ = [
    "API_ORIGIN",
    "API_TOKEN_FIELD",
    "API_TOKEN_HEADER",
    "BURST_API_TOKEN",
    "BURST_OAUTH",
    "DAILY_REFUSAL_SECONDS",
    "MAX_PAGE_SIZE",
    "OAUTH",
    "PROVIDER",
    "V2_PATH",
    "limits_for",
]

#: The name errors, limits and stored tokens carry.
PROVIDER = "pipedrive"

#: The SDK's default host; an OAuth token's ``api_domain`` replaces it (§1).
API_ORIGIN = "https://api.pipedrive.com"
#: Where the v2 endpoints live on either host (§1).
V2_PATH = "/api/v2"

#: The API token travels in this header on every call (the SDK's way; §2). The older
#: ``?api_token=`` query parameter is never used: a token in a URL ends up in logs.
API_TOKEN_HEADER = "x-api-token"
#: The field of the stored document that holds an API token (an OAuth connection keeps
#: ``access_token`` and ``refresh_token`` as the other connectors do).
API_TOKEN_FIELD = "api_token"

#: Pipedrive's OAuth endpoints (§2): an access token lasts an hour and is refreshed with
#: the app's client id and secret.
OAUTH = OAuthEndpoints(authorize_url="https://oauth.pipedrive.com/oauth/authorize",
                       token_url="https://oauth.pipedrive.com/oauth/token")

#: v2 lists take ``limit`` up to 500 (§4): the fewest calls, so the fewest tokens spent.
MAX_PAGE_SIZE = 500

#: Calls per 2-second window per token on the entry plan (§3b): API token 20, OAuth 80.
#: The client keeps under half of each per second, and follows the window headers too.
BURST_API_TOKEN = 20
BURST_OAUTH = 80

#: A 429 asking to wait longer than this is the day's token budget spent, not the burst
#: window (which frees within 2 seconds, §3a/§3b): raised at once, never waited out.
DAILY_REFUSAL_SECONDS = 60.0


def limits_for(oauth: bool) -> dict[str, Limit]:
    """The account's limits: half the burst window's calls per second, 4 at once."""
    burst = BURST_OAUTH if oauth else BURST_API_TOKEN
    return {"default": Limit(per_second=burst // 2, in_flight=4)}
