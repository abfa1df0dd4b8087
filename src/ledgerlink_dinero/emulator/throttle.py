"""Dinero's rate limit, as a configuration of the kit's account limits: 100 requests a
minute per organisation, counted per client id; no concurrency cap is documented.
A refused call is answered 429 with plain text."""

from __future__ import annotations

from collections.abc import Callable

import attrs

from ledgerlink.emulation import AccountLimits
from ledgerlink.emulation import Limits as KitLimits
from ledgerlink_dinero.emulator.wire import text_response

__all__ = ["Limits", "quota_message", "throttle"]

REQUESTS_PER_MINUTE = 100
# The notes quote the body as "API calls quota exceeded! (…)"; the bracket's text is ours.
QUOTA_EXCEEDED = "API calls quota exceeded! (maximum admitted {limit} per {window:g}s)"


@attrs.frozen
class Limits(KitLimits):
    """Rate limit of one organisation and client id; ``window`` is scaled by ``time_scale``."""

    per_minute: int | None = REQUESTS_PER_MINUTE


def quota_message(limits: KitLimits) -> str:
    """The 429 body."""
    return QUOTA_EXCEEDED.format(limit=limits.per_minute, window=limits.window)


def throttle(limits: KitLimits, clock: Callable[[], float], time_scale: float) -> AccountLimits:
    """Counters per (organisation, client id) for ``limits``, windows scaled by ``time_scale``."""
    return AccountLimits(limits.scaled(time_scale), clock,
                         lambda scaled: text_response(429, quota_message(scaled)))
