"""Faults waiting to be injected: 5xx answers and connections cut after a committed write."""

from __future__ import annotations

import threading

import attrs


@attrs.define
class Faults:
    """Pending faults, consumed by the next API calls (thread-safe)."""

    _lock: threading.Lock = attrs.field(factory=threading.Lock)
    _errors: list[int] = attrs.field(factory=list)
    _drops: int = 0

    def fail_next(self, count: int = 1, status: int = 503) -> None:
        """Answer the next ``count`` API calls with HTTP ``status`` without doing them."""
        with self._lock:
            self._errors.extend([status] * count)

    def drop_after_commit(self, count: int = 1) -> None:
        """Cut the connection on the next ``count`` successful writes, after they committed."""
        with self._lock:
            self._drops += count

    def clear(self) -> None:
        """Forget every pending fault."""
        with self._lock:
            self._errors.clear()
            self._drops = 0

    def take_error(self) -> int | None:
        """The status of the next injected error, if any."""
        with self._lock:
            return self._errors.pop(0) if self._errors else None

    def take_drop(self) -> bool:
        """True (once per pending drop) when this write's answer must be cut."""
        with self._lock:
            if self._drops <= 0:
                return False
            self._drops -= 1
            return True
