"""Internal: what every provider emulator object holds besides its data: time, latency, faults.

``clock`` returns epoch seconds (inject a fake to move time without
sleeping); ``time_scale`` multiplies the limits' windows and the injected
latency alike; ``sleep`` is called for latency; ``latency_fn`` (when set) picks
the latency per request instead of the fixed ``latency``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from ledgerlink.emulation.carriers import Serving
from ledgerlink.emulation.faults import Faults
from ledgerlink.emulation.messages import EmuRequest

__all__ = ["EmulatorBase"]


class EmulatorBase(Serving):
    """Base of a provider emulator: the clock, latency and faults it is driven by."""

    def __init__(self, *, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep, time_scale: float = 1.0,
                 latency: float = 0.0) -> None:
        self.clock = clock
        self.sleep = sleep
        self.time_scale = time_scale
        self.latency = latency
        self.latency_fn: Callable[[EmuRequest], float] | None = None
        self.faults = Faults()
        self._lock = threading.Lock()

    def delay_and_fault(self, request: EmuRequest) -> int | None:
        """Take this call's injected error status (if any), then wait its latency."""
        status = self.faults.take_error()
        delay = self.latency_fn(request) if self.latency_fn else self.latency
        if delay > 0:
            self.sleep(delay * self.time_scale)
        return status
