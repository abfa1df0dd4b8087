"""e-conomic's hosts, token headers, limits and paging rules, as named constants.

The connector configures the core's shared HTTP layer with these. Every value
cites the research notes (``shared/providers/NOTES-danish.md`` §3, tags ``[En]``).
"""

from __future__ import annotations

from ledgerlink.http.limits import Limit

__all__ = [
    "API_ORIGIN",
    "APP_SECRET_HEADER",
    "DEFAULT_LIMIT",
    "FAIR_USE_PER_DAY",
    "FAIR_USE_RESERVE",
    "GRANT_HEADER",
    "IDEMPOTENCY_HEADER",
    "IDEMPOTENCY_HOURS",
    "MAX_PAGE_SIZE",
    "PROVIDER",
    "limits_for",
]

#: The connector's registered name.
PROVIDER = "economic"

#: The legacy REST API every call of this connector goes to [E1].
API_ORIGIN = "https://restapi.e-conomic.com"

#: The app's own secret and the agreement's grant, both sent on every call [E3][E5].
APP_SECRET_HEADER = "X-AppSecretToken"
GRANT_HEADER = "X-AgreementGrantToken"

#: Sent on every non-GET; e-conomic keeps the answer an hour and replays it with
#: ``X-ResultFromCache: true`` [E5][E10][E13].
IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_HOURS = 1

#: The fair-use policy: 50,000 calls per agreement per 24 hours [E9].
FAIR_USE_PER_DAY = 50_000
#: Calls kept back from the day's budget: past ``FAIR_USE_PER_DAY - FAIR_USE_RESERVE`` the
#: connector refuses to call (so status reads and a person's own work still fit).
FAIR_USE_RESERVE = 500

#: ``pagesize`` may be at most 1000 (1001 is refused, E04810) [E1][E13].
MAX_PAGE_SIZE = 1000

#: e-conomic's limit is the token bucket it reports on every answer, followed from the
#: headers by :mod:`.budget` (an observed bucket holds 10,000 tokens a minute [E14 (3p)]);
#: so no client-side window by default (a guess below the bucket would only slow a bulk
#: run), and 8 requests in flight (``requests_per_minute`` and ``in_flight`` set others).
DEFAULT_LIMIT = Limit(per_minute=None, in_flight=8)


def limits_for(per_minute: int | str | None, in_flight: int | str | None) -> dict[str, Limit]:
    """The agreement's limits from the connector's options (None: the default's value)."""
    minute = DEFAULT_LIMIT.per_minute if per_minute in (None, "") else int(per_minute)
    # None: no window of our own, the bucket e-conomic reports is followed.
    flight = DEFAULT_LIMIT.in_flight if in_flight in (None, "") else int(in_flight)
    return {"default": Limit(per_minute=minute, in_flight=flight)}
