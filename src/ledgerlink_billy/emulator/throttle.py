"""The emulator's rate limit, as a configuration of the kit's account limits.

Billy documents no rate limit for API v2 (the old v1 docs had one) [B1][B7].
The emulator still refuses a client that hammers it, so a connector's
handling of 429 is exercised: by default 120 requests a minute per access
token (our conservative choice, not Billy's figure; pass
``BillyEmulator(limits=Limits(per_minute=...))`` or ``Limits(per_minute=None)``
for none). A refused call is answered 429 in Billy's error shape, without
``Retry-After`` (none is documented, (inferred)).
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

from ledgerlink.emulation import AccountLimits
from ledgerlink.emulation import Limits as KitLimits
from ledgerlink_billy.emulator.wire import TOO_MANY_REQUESTS, BillyError, error_response

__all__ = ["REQUESTS_PER_MINUTE", "Limits", "throttle"]

#: The default cap per access token per minute (ours: Billy documents none).
REQUESTS_PER_MINUTE = 120


@attrs.frozen
class Limits(KitLimits):
    """The rate limit of one access token; the window is scaled by ``time_scale``."""

    per_minute: int | None = REQUESTS_PER_MINUTE


def throttle(limits: KitLimits, clock: Callable[[], float], time_scale: float) -> AccountLimits:
    """Counters per access token for ``limits``, windows scaled by ``time_scale``."""
    return AccountLimits(limits.scaled(time_scale), clock, lambda scaled: error_response(
        BillyError(429, TOO_MANY_REQUESTS,
                   f"Too many requests: at most {scaled.per_minute} per {scaled.window:g}s.")))
