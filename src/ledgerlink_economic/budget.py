"""e-conomic's limits followed from its answers: the token bucket and the fair-use day.

Every answer carries the agreement's token bucket, as observed [E14 (3p)]:
``X-RateLimiting: token-limit-10000-per-60-seconds: 147/10000`` (tokens spent of
the limit) and ``X-CallCost: <tokens>``. :class:`Gauge` keeps the last reading
and, before the next call, waits as long as the bucket needs to refill enough
for one call of the last cost, so a bulk run slows down instead of meeting
429s; a 429 that comes anyway is retried by the shared layer after its
``Retry-After``. The fair-use policy is 50,000 calls per agreement per 24 hours
[E9]: the gauge counts this connector's calls per UTC day (starting from what
earlier runs saved, :mod:`.usage`) and refuses, with an error saying so, a call
past the budget less a reserve, before e-conomic restricts the app.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

import attrs
import httpx

from ledgerlink.errors import QuotaExhaustedError
from ledgerlink_economic.settings import FAIR_USE_PER_DAY, FAIR_USE_RESERVE, PROVIDER

__all__ = ["Gauge", "Reading", "parse_rate_limiting"]

_BUCKET = re.compile(r"token-limit-(?P<limit>\d+)-per-(?P<window>\d+(?:\.\d+)?)-seconds:\s*"
                     r"(?P<spent>\d+)\s*/\s*(?P<of>\d+)")


@attrs.frozen
class Reading:
    """One ``X-RateLimiting`` reading: ``spent`` of ``limit`` tokens, refilled over
    ``window`` seconds; ``cost`` the last call's ``X-CallCost``."""

    limit: int
    window: float
    spent: int
    cost: int = 1

    def wait(self) -> float:
        """Seconds until the bucket holds one more call of ``cost`` tokens."""
        short = self.spent + self.cost - self.limit
        return 0.0 if short <= 0 else short * self.window / self.limit


def parse_rate_limiting(headers: httpx.Headers) -> Reading | None:
    """The bucket an answer reports, or None when it reports none."""
    found = _BUCKET.search(headers.get("x-ratelimiting", ""))
    if found is None:
        return None
    try:
        cost = int(headers.get("x-callcost", "1"))
    except ValueError:
        cost = 1
    return Reading(int(found["of"]), float(found["window"]), int(found["spent"]), max(cost, 1))


def _today() -> str:
    return datetime.now(UTC).date().isoformat()


class Gauge:
    """The bucket and the day's calls of one agreement (see the module docs).

    Args:
        per_day: the fair-use calls a day.
        reserve: calls kept back from ``per_day``.
        used: calls already made today (by earlier runs), with the day they were made.
        sleep: how to wait for the bucket (a test passes a fake).
        today: the UTC day now, as ``YYYY-MM-DD``.
    """

    def __init__(self, *, per_day: int = FAIR_USE_PER_DAY, reserve: int = FAIR_USE_RESERVE,
                 used: tuple[str, int] | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 today: Callable[[], str] = _today) -> None:
        self.per_day = per_day
        self.reserve = reserve
        self.sleep = sleep
        self.today = today
        self._lock = threading.Lock()
        self._day, self._calls = used if used is not None else (today(), 0)
        self.reading: Reading | None = None
        self.waited = 0.0

    def calls_today(self) -> int:
        """Calls counted on the current UTC day."""
        with self._lock:
            return self._calls if self._day == self.today() else 0

    def usage(self) -> tuple[str, int]:
        """(day, calls) to save for the next run."""
        with self._lock:
            day = self.today()
            return day, (self._calls if self._day == day else 0)

    def before(self, request: httpx.Request) -> None:
        """Count the call, or refuse it past the budget; wait for the bucket first."""
        with self._lock:
            day = self.today()
            if day != self._day:
                self._day, self._calls = day, 0
            if self._calls >= self.per_day - self.reserve:
                raise QuotaExhaustedError(
                    f"{self._calls} calls made today: e-conomic's fair use allows "
                    f"{self.per_day} a day per agreement and {self.reserve} are kept back; "
                    "try again after midnight UTC", provider=PROVIDER)
            self._calls += 1
            wait = self.reading.wait() if self.reading is not None else 0.0
            if wait:
                # The wait is spent on the next call's behalf: the reading is used up.
                self.reading = attrs.evolve(self.reading, spent=0) if self.reading else None
        if wait:
            self.waited += wait
            self.sleep(wait)

    def after(self, response: httpx.Response) -> None:
        """Keep the bucket the answer reports."""
        reading = parse_rate_limiting(response.headers)
        if reading is not None:
            with self._lock:
                self.reading = reading

    def install(self, client: httpx.Client) -> None:
        """Hook into every request ``client`` sends (each retry counts as a call)."""
        hooks = client.event_hooks
        client.event_hooks = {"request": [*hooks.get("request", []), self.before],
                              "response": [*hooks.get("response", []), self.after]}
