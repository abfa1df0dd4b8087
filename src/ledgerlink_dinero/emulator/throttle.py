"""Dinero's rate limit: 100 requests a minute per organisation, counted per client id."""

from __future__ import annotations

import collections
import threading
from collections.abc import Callable

import attrs

REQUESTS_PER_MINUTE = 100
WINDOW_SECONDS = 60.0
# The notes quote the body as "API calls quota exceeded! (…)"; the bracket's text is ours.
QUOTA_EXCEEDED = "API calls quota exceeded! (maximum admitted {limit} per {window:g}s)"


@attrs.frozen
class Limits:
    """Rate limit of one organisation and client id; ``window`` is scaled by ``time_scale``.

    Attributes:
        per_minute: Requests accepted per window.
        window: Window length in seconds.
    """

    per_minute: int = REQUESTS_PER_MINUTE
    window: float = WINDOW_SECONDS


@attrs.define
class Throttle:
    """Sliding-window counters keyed by (organisation, client id), on an injectable clock."""

    limits: Limits
    clock: Callable[[], float]
    rejected: int = 0
    _lock: threading.Lock = attrs.field(factory=threading.Lock)
    _calls: dict[tuple[str, str], collections.deque[float]] = attrs.field(factory=dict)

    def admit(self, organisation: str, client_id: str) -> bool:
        """Count one request, or return False when the window is full (a 429)."""
        now = self.clock()
        with self._lock:
            calls = self._calls.setdefault((organisation, client_id), collections.deque())
            while calls and calls[0] <= now - self.limits.window:
                calls.popleft()
            if len(calls) >= self.limits.per_minute:
                self.rejected += 1
                return False
            calls.append(now)
            return True

    def message(self) -> str:
        """The 429 body."""
        return QUOTA_EXCEEDED.format(limit=self.limits.per_minute, window=self.limits.window)
