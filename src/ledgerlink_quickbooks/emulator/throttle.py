"""Per-realm throttling: requests per minute, requests in flight and batch calls per minute."""

from __future__ import annotations

import collections
import threading
from collections.abc import Callable

import attrs

REQUESTS_PER_MINUTE = 500
MAX_IN_FLIGHT = 10
BATCH_CALLS_PER_MINUTE = 40
WINDOW_SECONDS = 60.0


@attrs.frozen
class Limits:
    """Throttling limits of one realm; ``window`` is scaled by the emulator's time scale.

    Attributes:
        per_minute: Requests accepted per window.
        in_flight: Requests processed at the same time.
        batch_per_minute: Batch calls accepted per window.
        window: Window length in seconds.
    """

    per_minute: int = REQUESTS_PER_MINUTE
    in_flight: int = MAX_IN_FLIGHT
    batch_per_minute: int = BATCH_CALLS_PER_MINUTE
    window: float = WINDOW_SECONDS


@attrs.define
class Throttle:
    """Sliding-window counters per realm, read against an injectable clock."""

    limits: Limits
    clock: Callable[[], float]
    _lock: threading.Lock = attrs.field(factory=threading.Lock)
    _calls: dict[str, collections.deque[float]] = attrs.field(factory=dict)
    _batches: dict[str, collections.deque[float]] = attrs.field(factory=dict)
    _flying: dict[str, int] = attrs.field(factory=dict)
    rejected: int = 0

    def acquire(self, realm_id: str, *, batch: bool) -> bool:
        """Admit one request (and hold an in-flight slot) or return False for a 429."""
        now = self.clock()
        with self._lock:
            calls = self._window(self._calls, realm_id, now)
            batches = self._window(self._batches, realm_id, now)
            flying = self._flying.get(realm_id, 0)
            if (
                len(calls) >= self.limits.per_minute
                or flying >= self.limits.in_flight
                or (batch and len(batches) >= self.limits.batch_per_minute)
            ):
                self.rejected += 1
                return False
            calls.append(now)
            if batch:
                batches.append(now)
            self._flying[realm_id] = flying + 1
            return True

    def release(self, realm_id: str) -> None:
        """Free the in-flight slot taken by :meth:`acquire`."""
        with self._lock:
            self._flying[realm_id] = max(0, self._flying.get(realm_id, 0) - 1)

    def _window(
        self, table: dict[str, collections.deque[float]], realm_id: str, now: float
    ) -> collections.deque[float]:
        queue = table.setdefault(realm_id, collections.deque())
        while queue and queue[0] <= now - self.limits.window:
            queue.popleft()
        return queue
