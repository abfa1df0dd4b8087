"""QuickBooks' limits per realm, as a configuration of the kit's account limits.

Facts (NOTES.md §11): 500 requests a minute, 10 a second and 10 at once per
realm; batch calls 40 a minute on top. A refused call is answered 429 with the
XML ``ThrottleExceeded`` fault (code 3001) even when JSON was asked for.

:class:`Limits` leaves the 10 a second off by default and
:data:`DOCUMENTED_LIMITS` has it on: in-process tests drive the emulator from
a fake clock that stands still (every call would fall in one second), and the
connector's own limits do not pace requests per second yet. A served emulator
(``ledgerlink emulate quickbooks``) enforces all of them.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

from ledgerlink.emulation import AccountLimits
from ledgerlink.emulation import Limits as KitLimits
from ledgerlink_quickbooks.emulator.wire import throttled

__all__ = ["DOCUMENTED_LIMITS", "Limits", "throttle"]


@attrs.frozen
class Limits(KitLimits):
    """QuickBooks' limits of one realm (override any of them); no cap a second unless set."""

    per_minute: int | None = 500
    in_flight: int | None = 10
    batch_per_minute: int | None = 40
    per_second: int | None = None


#: Every documented limit of a realm, 10 requests a second included.
DOCUMENTED_LIMITS = Limits(per_second=10)


def throttle(limits: Limits | KitLimits, clock: Callable[[], float],
             time_scale: float) -> AccountLimits:
    """Counters per realm for ``limits``, windows scaled by ``time_scale``."""
    return AccountLimits(limits.scaled(time_scale), clock, lambda _: throttled(clock()))
