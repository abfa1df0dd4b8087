"""e-conomic's limits followed from its answers: the token bucket and the fair-use day.

Every answer carries the agreement's token bucket, as observed [E14 (3p)]:
``X-RateLimiting: token-limit-10000-per-60-seconds: 147/10000`` (tokens spent of
the limit) and ``X-CallCost: <tokens>``. :class:`Gauge` keeps its own copy of
the bucket, set from the answers: every call takes its tokens from the copy
when it is sent, and a call the copy cannot pay for waits its turn (its tokens
reserved, so calls in many threads queue up in order instead of all waking at
once), so a bulk run keeps to the refill rate instead of meeting 429s. Each
answer can only lower the copy: to what e-conomic had left when it took the
call, plus what refilled since, less the calls sent after it (other programs
on the same agreement spend from the same bucket). Until the first answer only
one call is sent, so a run that starts on an empty bucket does not open with a
burst of 429s. A 429 that comes anyway is retried by the shared layer after its
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
        clock: seconds on a monotonic clock (a test passes a fake).
    """

    #: Longest a call waits for the first answer before going anyway.
    FIRST_ANSWER_WAIT = 5.0

    def __init__(self, *, per_day: int = FAIR_USE_PER_DAY, reserve: int = FAIR_USE_RESERVE,
                 used: tuple[str, int] | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 today: Callable[[], str] = _today,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.per_day = per_day
        self.reserve = reserve
        self.sleep = sleep
        self.today = today
        self.clock = clock
        self._lock = threading.Lock()
        self._day, self._calls = used if used is not None else (today(), 0)
        self.reading: Reading | None = None
        self.waited = 0.0
        # The copy of the bucket: tokens at ``_at`` (negative: reserved by waiting calls).
        self._tokens = 0.0
        self._at = 0.0
        self._sent = 0
        self._first_answer = threading.Event()
        self._probing = False

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
        first = False
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
            if self.reading is None and not self._probing:
                self._probing = first = True
        if self.reading is None and not first and not self._first_answer.wait(
                self.FIRST_ANSWER_WAIT):
            # The first call got no answer (its connection failed): hold no call back again.
            self._first_answer.set()
        with self._lock:
            wait = 0.0
            now = self.clock()
            if self.reading is not None:
                reading = self.reading
                rate = reading.limit / reading.window
                self._tokens = min(float(reading.limit),
                                   self._tokens + (now - self._at) * rate) - reading.cost
                self._at = now
                wait = max(0.0, -self._tokens / rate)
            self._sent += 1
            # Send order and time, for the answer to tell which calls went after it.
            request.extensions["ledgerlink_bucket"] = (self._sent, now + wait)
        if wait:
            self.waited += wait
            self.sleep(wait)

    def after(self, response: httpx.Response) -> None:
        """Lower the copy of the bucket to what the answer says e-conomic has left."""
        reading = parse_rate_limiting(response.headers)
        sent = response.request.extensions.get("ledgerlink_bucket")
        if reading is not None:
            with self._lock:
                now = self.clock()
                rate = reading.limit / reading.window
                sent_number, sent_at = sent if sent is not None else (self._sent, now)
                left = (reading.limit - reading.spent + (now - sent_at) * rate
                        - (self._sent - sent_number))
                if self.reading is None:
                    self._tokens, self._at = min(float(reading.limit), left), now
                else:
                    current = min(float(reading.limit),
                                  self._tokens + (now - self._at) * rate)
                    self._tokens, self._at = min(current, left), now
                self.reading = reading
        self._first_answer.set()

    def install(self, client: httpx.Client) -> None:
        """Hook into every request ``client`` sends (each retry counts as a call)."""
        hooks = client.event_hooks
        client.event_hooks = {"request": [*hooks.get("request", []), self.before],
                              "response": [*hooks.get("response", []), self.after]}
