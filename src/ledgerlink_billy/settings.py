"""Billy's host, token header, limits and paging rules, as named constants.

The connector configures the core's shared HTTP layer with these; nothing here
re-implements retries or limits. Every value cites the research notes
(``shared/providers/NOTES-danish.md`` §2, source tags ``[Bn]``).
"""

from __future__ import annotations

from ledgerlink.http.limits import Limit

__all__ = [
    "API_ORIGIN",
    "DEFAULT_LIMIT",
    "DEFAULT_PAGE_SIZE",
    "FIRST_PAGE",
    "LIMITS",
    "MAX_PAGE_SIZE",
    "PROVIDER",
    "TOKEN_HEADER",
    "limits_for",
]

#: The connector's registered name.
PROVIDER = "billy"

#: Every call goes to this origin, paths ``/v2/...`` [B1].
API_ORIGIN = "https://api.billysbilling.com"

#: A company's access token travels in this header; tokens never expire and belong to
#: one company [B1].
TOKEN_HEADER = "X-Access-Token"

#: Billy documents no rate limit for v2 [B1][B7] (the old V1 docs had one). So a
#: conservative default (inferred): 120 requests a minute and 4 in flight per company,
#: about what Dinero allows, configurable with the ``requests_per_minute`` and
#: ``in_flight`` options. A 429 or 5xx is retried by the shared layer.
DEFAULT_LIMIT = Limit(per_minute=120, in_flight=4)
LIMITS = {"default": DEFAULT_LIMIT}

#: Paging is 1-based; ``pageSize`` defaults to and may be at most 1000 [B1][B2].
FIRST_PAGE = 1
DEFAULT_PAGE_SIZE = 1000
MAX_PAGE_SIZE = 1000


def limits_for(per_minute: int | str | None, in_flight: int | str | None) -> dict[str, Limit]:
    """The account's limits from the connector's options (None: the default's value)."""
    minute = DEFAULT_LIMIT.per_minute if per_minute in (None, "") else int(per_minute)
    flight = DEFAULT_LIMIT.in_flight if in_flight in (None, "") else int(in_flight)
    return {"default": Limit(per_minute=minute, in_flight=flight)}
