"""Per-account rate limits: requests per minute and requests in flight.

Providers throttle per account (a QuickBooks realm: 500 requests a minute, 10 at
once, and 40 batch calls a minute on top). A connector declares its limits as
named :class:`Limit` constants; each request names the limits it counts
against (a batch call counts against ``"default"`` and ``"batch"``). All
clients of one (provider, account) share one :class:`AccountLimiter` through a
:class:`LimiterRegistry`, so every thread of a runner draws from the same budget.

A connector states its limits once, as named constants::

    QBO_LIMITS = {"default": Limit(per_minute=500, in_flight=10),
                  "batch": Limit(per_minute=40)}
    client.post("/batch", json=..., limits=("default", "batch"), idempotent=True)

Why not a library: the rate limiters on PyPI (pyrate-limiter, limits) count
requests per window but do not cap requests in flight, and this shape needs
both checked and taken together, atomically, for several named limits at once
(taking them one by one could hold a concurrency slot while waiting for a
window slot of another limit). This module is that one condition variable and
nothing more: a sliding one-minute log per limit plus an in-flight counter.

A request is logged in the window when its answer arrives, and counts as in
the window while it runs. The provider counts it when it arrives there, which
is after the client sent it and before the answer came back; counting from the
answer therefore never lets the client run ahead of the provider's window
(counting from the send would, by as much as the request took to reach the
provider, and a throttled provider answers that with a 429). The price is one
request's latency per window of throughput.

A new limiter knows nothing of the calls made before it; :meth:`AccountLimiter.fill`
tells it the account's windows are spent (as a run at the limits leaves them), so
a benchmark that starts the provider from a spent budget starts its client there too.
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager

import attrs

from ledgerlink.errors import RateLimitTimeout

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_WAIT",
    "WINDOW",
    "AccountLimiter",
    "Limit",
    "LimiterRegistry",
    "RateLimitTimeout",
    "shared_limiters",
    "use_limiters",
    "window_wait",
]

#: The limit a request counts against when it names none.
DEFAULT_LIMIT = "default"
#: Length of the requests-per-minute window, in seconds.
WINDOW = 60.0
#: Longest a request waits for its limits before :class:`RateLimitTimeout`.
MAX_WAIT = 120.0


@attrs.frozen
class Limit:
    """One named limit of a provider account.

    Attributes:
        per_minute: requests in any sliding 60 s window (None: no cap); a request
            counts from its start and stays logged until 60 s after its answer.
        in_flight: requests running at once (None: no cap).
        per_second: requests in any sliding 1 s window, counted like ``per_minute``
            (None: no cap).
    """

    per_minute: int | None = attrs.field(default=None)
    in_flight: int | None = attrs.field(default=None)
    per_second: int | None = attrs.field(default=None)

    @per_minute.validator
    @in_flight.validator
    @per_second.validator
    def _positive(self, attribute: attrs.Attribute[int | None], value: int | None) -> None:
        if value is not None and value < 1:
            raise ValueError(f"{attribute.name} must be at least 1, got {value}")


def window_wait(limit: Limit, window: float, running: int, answered: Sequence[float],
                now: float) -> float | None:
    """0 when a request may start now, seconds until the window frees, None if only a
    release can help (the in-flight cap, or a window full of running requests).

    ``answered``: when the answers still in the window arrived, oldest first.
    """
    if limit.in_flight is not None and running >= limit.in_flight:
        return None
    if limit.per_minute is not None and running + len(answered) >= limit.per_minute:
        return answered[0] + window - now if answered else None
    if limit.per_second is not None:
        second = window / WINDOW  # one second, scaled as the minute is
        recent = 0
        for moment in reversed(answered):
            if moment <= now - second:
                break
            recent += 1
        if running + recent >= limit.per_second:
            return answered[-recent] + second - now if recent else None
    return 0.0


class _State:
    def __init__(self, limit: Limit, window: float) -> None:
        self.limit = limit
        self.window = window
        # When the answers of finished requests arrived (in order: logged under the lock).
        self.answered: deque[float] = deque()
        self.running = 0

    def wait_needed(self, now: float) -> float | None:
        """As :func:`window_wait`, after dropping the answers that left the window."""
        while self.answered and self.answered[0] <= now - self.window:
            self.answered.popleft()
        return window_wait(self.limit, self.window, self.running, self.answered, now)


class AccountLimiter:
    """The shared limits of one provider account; thread-safe.

    Args:
        limits: limit name → :class:`Limit`.
        clock: a monotonic clock in seconds (tests pass a fake one).
        window: the length of a "minute" in seconds; shorter only where time is
            scaled (benchmarks against an emulator scaled the same way).
    """

    def __init__(self, limits: Mapping[str, Limit],
                 clock: Callable[[], float] = time.monotonic, *,
                 window: float = WINDOW) -> None:
        if window <= 0:
            raise ValueError(f"window must be positive, got {window}")
        self.limits = dict(limits)
        self._clock = clock
        self._states = {name: _State(limit, window) for name, limit in self.limits.items()}
        self._changed = threading.Condition()

    def fill(self) -> None:
        """Log every limit's window as spent by a run at the limits: its cap of answers
        (per minute, else per second) spread evenly over the window ending now, so one
        slot frees every window / cap seconds from now."""
        with self._changed:
            now = self._clock()
            for state in self._states.values():
                cap, window = state.limit.per_minute, state.window
                if cap is None:
                    # One second, scaled as the minute is (as window_wait counts it).
                    cap, window = state.limit.per_second, state.window / WINDOW
                state.answered.clear()
                if cap is not None:
                    step = window / cap
                    state.answered.extend(now - window + step * (i + 1) for i in range(cap))
            self._changed.notify_all()

    def in_flight(self, name: str = DEFAULT_LIMIT) -> int:
        """Requests counted against ``name`` that are running now."""
        with self._changed:
            return self._states[name].running

    @contextmanager
    def acquire(self, names: Sequence[str] = (DEFAULT_LIMIT,),
                max_wait: float = MAX_WAIT) -> Iterator[None]:
        """Block until every limit in ``names`` allows one more request, then hold it.

        Limits not declared for the account are ignored, so a connector may name
        a limit (``"batch"``) that a test configuration leaves out.

        Raises:
            RateLimitTimeout: the limits would not allow the request within
                ``max_wait`` seconds (raised at once when the window alone
                already needs longer).
        """
        states = [self._states[n] for n in dict.fromkeys(names) if n in self._states]
        deadline = self._clock() + max_wait
        with self._changed:
            while True:
                now = self._clock()
                waits = [s.wait_needed(now) for s in states]
                if all(w == 0.0 for w in waits):
                    for s in states:
                        s.running += 1
                    break
                remaining = deadline - now
                window = max((w for w in waits if w is not None), default=0.0)
                if remaining <= 0 or window > remaining:
                    raise RateLimitTimeout(
                        f"rate limits {list(names)} did not allow a request within "
                        f"{max_wait:g} s")
                self._changed.wait(timeout=max(window, 0.0) or remaining)
        try:
            yield
        finally:
            with self._changed:
                answered = self._clock()
                for s in states:
                    s.running -= 1
                    s.answered.append(answered)
                self._changed.notify_all()


class LimiterRegistry:
    """One :class:`AccountLimiter` per (provider, account), created on first use.

    ``window`` is passed to every limiter it creates (see :class:`AccountLimiter`).
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic, *,
                 window: float = WINDOW) -> None:
        self._clock = clock
        self._window = window
        self._lock = threading.Lock()
        self._limiters: dict[tuple[str, str], AccountLimiter] = {}

    def fill(self) -> None:
        """:meth:`AccountLimiter.fill` every limiter made so far."""
        with self._lock:
            limiters = list(self._limiters.values())
        for limiter in limiters:
            limiter.fill()

    def get(self, provider: str, account: str, limits: Mapping[str, Limit]) -> AccountLimiter:
        """The limiter of ``(provider, account)``; ``limits`` configure it the first time."""
        with self._lock:
            limiter = self._limiters.get((provider, account))
            if limiter is None:
                limiter = self._limiters[(provider, account)] = AccountLimiter(
                    limits, self._clock, window=self._window)
            return limiter


_SHARED: LimiterRegistry | None = None
_SHARED_LOCK = threading.Lock()
#: A store (path or URL) whose counts every process started with it shares
#: (:mod:`ledgerlink.http.shared_limits`); unset: each process counts alone.
LIMITS_STORE_VARIABLE = "LEDGERLINK_LIMITS_STORE"


def shared_limiters() -> LimiterRegistry:
    """The process-wide registry: every client of one account shares its limits.

    Counted in this process, or in the store named by ``LEDGERLINK_LIMITS_STORE``
    (shared with every process on the account), or as :func:`use_limiters` set.
    """
    global _SHARED
    with _SHARED_LOCK:
        if _SHARED is None:
            target = os.environ.get(LIMITS_STORE_VARIABLE)
            if target:
                from ledgerlink.http.shared_limits import StoreLimiterRegistry
                from ledgerlink.store import Store

                _SHARED = StoreLimiterRegistry(Store(target))
            else:
                _SHARED = LimiterRegistry()
        return _SHARED


def use_limiters(registry: LimiterRegistry) -> None:
    """Make ``registry`` the process-wide one (clients created from now on use it)."""
    global _SHARED
    with _SHARED_LOCK:
        _SHARED = registry
