"""e-conomic's rate limits: the token bucket per agreement and the fair-use day count.

Every answer carries the bucket as observed [E14 (3p)]:
``X-RateLimiting: token-limit-10000-per-60-seconds: 147/10000`` (tokens
spent out of the limit; inferred: the capture does not say whether it counts
spent or left) and ``X-CallCost: <tokens>``; an empty bucket answers 429 with
``Retry-After`` (seconds until the call's cost has refilled). The fair-use
policy is 50,000 calls per agreement per 24 hours [E9]: counted per UTC day
(:meth:`Throttle.calls_today`); e-conomic "may restrict" an app above it
without a documented answer, so the emulator refuses (429) only when asked to
(``enforce_fair_use``).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from datetime import UTC, datetime

import attrs

from ledgerlink_economic.emulator.wire import EconomicError

__all__ = ["FAIR_USE_PER_DAY", "Bucket", "Throttle"]

FAIR_USE_PER_DAY = 50_000


@attrs.frozen
class Bucket:
    """The token bucket's shape.

    Attributes:
        limit: Tokens the bucket holds.
        window: Seconds in which an empty bucket refills completely.
        read_cost: Tokens a GET costs.
        write_cost: Tokens any other call costs (inferred: the captures show costs
            but not per verb).
        enforce_fair_use: Refuse calls past ``fair_use_per_day`` in a day.
        fair_use_per_day: The day's calls per agreement (e-conomic's is
            :data:`FAIR_USE_PER_DAY`).
    """

    limit: int = 10_000
    window: float = 60.0
    read_cost: int = 1
    write_cost: int = 1
    enforce_fair_use: bool = False
    fair_use_per_day: int = FAIR_USE_PER_DAY

    def label(self, time_scale: float = 1.0) -> str:
        """The header's name for the bucket. Time-scaled, the window is given in real
        seconds, as ``Retry-After`` is: a client lives on the wall clock."""
        return f"token-limit-{self.limit}-per-{self.window * time_scale:g}-seconds"


class Throttle:
    """The buckets of every agreement and their day counts."""

    def __init__(self, bucket: Bucket, clock: Callable[[], float], time_scale: float = 1.0
                 ) -> None:
        self.bucket = bucket
        self.clock = clock
        self.time_scale = time_scale
        self.rejected = 0
        self._tokens: dict[int, tuple[float, float]] = {}
        self._days: dict[int, tuple[str, int]] = {}
        self._lock = threading.Lock()

    def _refill(self, agreement: int, now: float) -> float:
        tokens, since = self._tokens.get(agreement, (float(self.bucket.limit), now))
        rate = self.bucket.limit / (self.bucket.window * self.time_scale)
        return min(float(self.bucket.limit), tokens + (now - since) * rate)

    def spend_all(self, agreement: int) -> None:
        """Empty the agreement's bucket now, as a run that just used it would leave it
        (a benchmark starts from the rate the bucket refills at, not a full bucket)."""
        with self._lock:
            self._tokens[agreement] = (0.0, self.clock())

    def take(self, agreement: int, method: str) -> dict[str, str]:
        """Spend this call's tokens and count it; the headers to answer with.

        Raises:
            EconomicError: 429 when the bucket cannot pay for the call (or the day's
                fair use is spent and enforced).
        """
        cost = self.bucket.read_cost if method == "GET" else self.bucket.write_cost
        now = self.clock()
        day = datetime.fromtimestamp(now, UTC).date().isoformat()
        with self._lock:
            tokens = self._refill(agreement, now)
            counted_day, calls = self._days.get(agreement, (day, 0))
            calls = calls if counted_day == day else 0
            if self.bucket.enforce_fair_use and calls >= self.bucket.fair_use_per_day:
                self.rejected += 1
                raise self._refusal(tokens, cost, "The agreement has used its "
                                    f"{self.bucket.fair_use_per_day} calls for today.", 3600)
            if tokens < cost:
                self._tokens[agreement] = (tokens, now)
                self.rejected += 1
                rate = self.bucket.limit / (self.bucket.window * self.time_scale)
                raise self._refusal(tokens, cost, "Too many requests.",
                                    max(1, math.ceil((cost - tokens) / rate)))
            tokens -= cost
            self._tokens[agreement] = (tokens, now)
            self._days[agreement] = (day, calls + 1)
        return self.headers(tokens, cost)

    def headers(self, tokens: float, cost: int) -> dict[str, str]:
        spent = math.ceil(self.bucket.limit - tokens)
        label = self.bucket.label(self.time_scale)
        return {"x-ratelimiting": f"{label}: {spent}/{self.bucket.limit}",
                "x-callcost": str(cost)}

    def _refusal(self, tokens: float, cost: int, message: str, wait: int) -> EconomicError:
        return EconomicError(429, message, "You are over your quota. Check info in the "
                             "response headers and retry after Retry-After seconds.",
                             headers={**self.headers(tokens, cost), "retry-after": str(wait)})

    def calls_today(self, agreement: int) -> int:
        """Calls the agreement made on the clock's current UTC day."""
        day = datetime.fromtimestamp(self.clock(), UTC).date().isoformat()
        with self._lock:
            counted_day, calls = self._days.get(agreement, (day, 0))
        return calls if counted_day == day else 0
