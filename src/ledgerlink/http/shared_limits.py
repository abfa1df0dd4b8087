"""Provider rate limits shared through the journal store by every process on an account.

:class:`~ledgerlink.http.limits.AccountLimiter` keeps an account's budget in one
process; workers on several processes or hosts (``ledgerlink worker``), or a
status refresh beside a run, would each spend the whole budget and together
overrun it. :class:`StoreLimiterRegistry` keeps the same counts in the store
instead (:mod:`ledgerlink.store.rate_windows`): each request takes its slots in
one short transaction under the account's row lock, and marks them answered
when its answer arrives. The rule per limit is the in-process one, unchanged.

Turn it on for a process with :func:`ledgerlink.http.limits.use_limiters`, or
for every process started with ``LEDGERLINK_LIMITS_STORE=<store URL or path>``
(``ledgerlink worker`` does it for its own store). It costs two small database
transactions per request, which is little beside a provider's latency.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager

from ledgerlink.errors import RateLimitTimeout
from ledgerlink.http.limits import (
    DEFAULT_LIMIT,
    MAX_WAIT,
    WINDOW,
    AccountLimiter,
    Limit,
    LimiterRegistry,
    window_wait,
)
from ledgerlink.store import Store, rate_windows
from ledgerlink.store.leases import new_holder

__all__ = ["HOLD", "POLL", "StoreAccountLimiter", "StoreLimiterRegistry"]

#: Longest a request counts as running without an answer; past it, its process is
#: taken for dead and its slot freed. Longer than any request's timeout.
HOLD = 300.0
#: Pause between tries while only another process's answer can free a slot, in seconds.
POLL = 0.02


class StoreAccountLimiter(AccountLimiter):
    """An account's limits counted in ``store``, shared with every process using it.

    Args:
        store: the journal store holding the counts.
        key: the account's key (``provider:account``).
        limits: limit name → :class:`Limit`.
        clock: wall-clock seconds, the same on every host (tests pass a fake one).
        window: the length of a "minute" in seconds (scaled only in benchmarks).
        sleep: how to wait between tries.
    """

    def __init__(self, store: Store, key: str, limits: Mapping[str, Limit],
                 clock: Callable[[], float] = time.time, *, window: float = WINDOW,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        super().__init__(limits, clock, window=window)
        self.store = store
        self.key = key
        self.window = window
        self.holder = new_holder()
        self._sleep = sleep

    def in_flight(self, name: str = DEFAULT_LIMIT) -> int:
        """Requests of every process counted against ``name`` that are running now."""
        with self.store.engine.connect() as conn:
            return rate_windows.count(conn, self.key, name, self._clock(), self.window)[0]

    def _decide(self, names: Sequence[str], now: float) -> Callable[[rate_windows.Counts],
                                                                     float | None]:
        def decide(counts: rate_windows.Counts) -> float | None:
            waits = [window_wait(self.limits[n], self.window, running, answered, now)
                     for n, (running, answered) in counts.items()]
            if all(w == 0.0 for w in waits):
                return 0.0
            known = [w for w in waits if w is not None]
            return max(known) if len(known) == len(waits) else None
        return decide

    @contextmanager
    def acquire(self, names: Sequence[str] = (DEFAULT_LIMIT,),
                max_wait: float = MAX_WAIT) -> Iterator[None]:
        """Block until every limit in ``names`` allows one more request across all
        processes, then hold it; as :meth:`AccountLimiter.acquire`."""
        wanted = [n for n in dict.fromkeys(names) if n in self.limits]
        if not wanted:  # nothing to count: no database round trip
            yield
            return
        deadline = self._clock() + max_wait
        while True:
            now = self._clock()
            taken, wait = rate_windows.take(
                self.store.engine, self.key, wanted, holder=self.holder, now=now,
                window=self.window, hold=HOLD, decide=self._decide(wanted, now))
            if wait == 0.0:
                break
            remaining = deadline - now
            if remaining <= 0 or (wait is not None and wait > remaining):
                raise RateLimitTimeout(f"rate limits {list(names)} did not allow a request "
                                       f"within {max_wait:g} s")
            self._sleep(min(wait if wait else POLL, remaining))
        try:
            yield
        finally:
            rate_windows.release(self.store.engine, taken, self._clock())


class StoreLimiterRegistry(LimiterRegistry):
    """One :class:`StoreAccountLimiter` per (provider, account), all counting in ``store``."""

    def __init__(self, store: Store, clock: Callable[[], float] = time.time, *,
                 window: float = WINDOW, sleep: Callable[[float], None] = time.sleep) -> None:
        super().__init__(clock, window=window)
        self.store = store
        self._sleep = sleep

    def get(self, provider: str, account: str, limits: Mapping[str, Limit]) -> AccountLimiter:
        """The limiter of ``(provider, account)``; ``limits`` configure it the first time."""
        with self._lock:
            limiter = self._limiters.get((provider, account))
            if limiter is None:
                limiter = self._limiters[(provider, account)] = StoreAccountLimiter(
                    self.store, f"{provider}:{account}", limits, self._clock,
                    window=self._window, sleep=self._sleep)
            return limiter
