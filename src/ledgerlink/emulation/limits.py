"""Internal: per-account limits of an emulated provider: requests per minute and per second,
requests in flight, and batch calls per window, on sliding windows.

The windows are read against an injectable clock and scaled by the emulator's
``time_scale`` (a benchmark that runs ten times faster also gets minutes ten
times shorter). What an account is differs by provider (a QuickBooks realm; a
Dinero organisation and client id): any hashable key. What a refused call is
answered with is the provider's (:attr:`AccountLimits.refuse`).

A fresh account's windows are empty, so its first client gets a window's worth
at once; :meth:`AccountLimits.fill` puts an account in the state a client running
at the limits leaves it (a benchmark measures from there, not from the burst).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Hashable

import attrs

from ledgerlink.emulation.messages import EmuResponse

__all__ = ["AccountLimits", "Limits"]

#: Seconds in the "minute" window before scaling.
MINUTE = 60.0
#: Seconds in the "second" window before scaling.
SECOND = 1.0


@attrs.frozen
class Limits:
    """What one account may do; None means no cap. Windows are scaled by ``time_scale``.

    Attributes:
        per_minute: Requests accepted per ``window``.
        in_flight: Requests processed at the same time.
        batch_per_minute: Batch calls accepted per ``window`` (they count as requests too).
        per_second: Requests accepted per ``second``.
        window: Length of the "minute" window in seconds.
        second: Length of the "second" window in seconds.
    """

    per_minute: int | None = None
    in_flight: int | None = None
    batch_per_minute: int | None = None
    per_second: int | None = None
    window: float = MINUTE
    second: float = SECOND

    def scaled(self, time_scale: float) -> Limits:
        """The same limits with both windows multiplied by ``time_scale``."""
        return attrs.evolve(self, window=self.window * time_scale,
                            second=self.second * time_scale)


def _spread(now: float, cap: int, window: float) -> list[float]:
    """``cap`` moments evenly over the ``window`` ending ``now``, the oldest first."""
    step = window / cap
    return [now - window + step * (i + 1) for i in range(cap)]


def _full(log: deque[float], cap: int | None, window: float, now: float) -> bool:
    """Forget what left the window; True when ``cap`` requests are still in it."""
    while log and log[0] <= now - window:
        log.popleft()
    return cap is not None and len(log) >= cap


@attrs.define
class _Account:
    minute: deque[float] = attrs.field(factory=deque)
    second: deque[float] = attrs.field(factory=deque)
    batches: deque[float] = attrs.field(factory=deque)
    flying: int = 0


class AccountLimits:
    """Sliding-window counters per account key; thread-safe.

    Args:
        limits: The limits, windows already scaled (see :meth:`Limits.scaled`).
        clock: Epoch seconds (tests pass a fake one).
        refuse: Shapes the provider's answer to a refused call, given the limits.
    """

    def __init__(self, limits: Limits, clock: Callable[[], float],
                 refuse: Callable[[Limits], EmuResponse]) -> None:
        self.limits = limits
        self.clock = clock
        self._refuse = refuse
        self.rejected = 0
        self._lock = threading.Lock()
        self._accounts: dict[Hashable, _Account] = {}

    def acquire(self, key: Hashable, *, batch: bool = False) -> bool:
        """Admit one request (holding an in-flight slot until :meth:`release`), or
        return False for a refusal; a refused call counts against nothing."""
        limits, now = self.limits, self.clock()
        with self._lock:
            account = self._accounts.setdefault(key, _Account())
            refused = (
                _full(account.minute, limits.per_minute, limits.window, now)
                | _full(account.second, limits.per_second, limits.second, now)
                | (_full(account.batches, limits.batch_per_minute, limits.window, now) and batch)
                or (limits.in_flight is not None and account.flying >= limits.in_flight)
            )
            if refused:
                self.rejected += 1
                return False
            account.minute.append(now)
            account.second.append(now)
            if batch:
                account.batches.append(now)
            account.flying += 1
            return True

    def fill(self, key: Hashable) -> None:
        """Fill the account's windows as a client running at the limits leaves them:
        each holds its cap, spread evenly over it, so from now one slot frees every
        window / cap seconds (in-flight slots are left as they are)."""
        limits, now = self.limits, self.clock()
        with self._lock:
            account = self._accounts.setdefault(key, _Account())
            for log, cap, window in ((account.minute, limits.per_minute, limits.window),
                                     (account.second, limits.per_second, limits.second),
                                     (account.batches, limits.batch_per_minute, limits.window)):
                log.clear()
                if cap is not None:
                    log.extend(_spread(now, cap, window))

    def release(self, key: Hashable) -> None:
        """Free the in-flight slot taken by :meth:`acquire`."""
        with self._lock:
            account = self._accounts.get(key)
            if account is not None:
                account.flying = max(0, account.flying - 1)

    def admit(self, key: Hashable) -> bool:
        """Count a request that holds no in-flight slot (acquired and released at once)."""
        admitted = self.acquire(key)
        if admitted:
            self.release(key)
        return admitted

    def refusal(self) -> EmuResponse:
        """The provider's answer to a refused call."""
        return self._refuse(self.limits)
