"""Pipedrive's token-based rate limit (NOTES §3): a daily token budget per company and a
burst window of 2 seconds per token.

Every call costs tokens from the company's daily budget, shared by all its users
and apps, which resets at the start of the next UTC day; an exhausted budget
refuses calls until then. Costs and the budget follow the third-party summary
the notes cite (a single GET 2, a list GET 20, a write 10; 30,000 base tokens
times plan multiplier times seats), configurable in :class:`Plan`. The burst
window counts calls per token in 2 seconds (API token: 20 on the entry plan,
OAuth token: 80; the older request-based table, inferred to hold for bursts).

Every answer past authentication carries ``x-ratelimit-limit``,
``x-ratelimit-remaining`` and ``x-ratelimit-reset`` (seconds left in the
window) for the burst window (RL's header names; whether the token-based model
kept them is open, NOTES §14). A refused call is answered 429
``{"success": false, "error": "Request over limit"}`` with those headers and
``Retry-After`` (inferred, NOTES §3b).
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import attrs

from ledgerlink_pipedrive.emulator.wire import PipedriveError

__all__ = ["OVER_LIMIT", "Budget", "Plan"]

#: The 429 answer's error text (errors.json, inferred).
OVER_LIMIT = "Request over limit"


@attrs.frozen
class Plan:
    """The limits of a company's plan.

    Attributes:
        daily_tokens: Tokens a company may spend per UTC day (30,000 x 1 x 1 seat).
        single_cost: Tokens a GET of one record costs.
        list_cost: Tokens a GET of a list costs.
        write_cost: Tokens a POST, PATCH or DELETE costs.
        burst_api_token: Calls per window with an API token.
        burst_oauth: Calls per window with an OAuth access token.
        window: Seconds in the burst window.
    """

    daily_tokens: int = 30_000
    single_cost: int = 2
    list_cost: int = 20
    write_cost: int = 10
    burst_api_token: int = 20
    burst_oauth: int = 80
    window: float = 2.0

    def cost(self, method: str, listing: bool) -> int:
        """What a call costs."""
        if method != "GET":
            return self.write_cost
        return self.list_cost if listing else self.single_cost


class Budget:
    """Daily token budgets per company and burst windows per token; thread-safe."""

    def __init__(self, plan: Plan, clock: Callable[[], datetime], time_scale: float = 1.0
                 ) -> None:
        self.plan = plan
        self.clock = clock
        self.time_scale = time_scale
        self.rejected = 0
        self._spent: dict[int, tuple[str, int]] = {}
        self._windows: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def spent_today(self, company_id: int) -> int:
        """Tokens the company spent on the clock's current UTC day."""
        day = self.clock().astimezone(UTC).date().isoformat()
        with self._lock:
            counted_day, spent = self._spent.get(company_id, (day, 0))
        return spent if counted_day == day else 0

    def take(self, company_id: int, token: str, *, oauth: bool, cost: int) -> dict[str, str]:
        """Count one call of ``cost`` tokens; the headers to answer with.

        Raises:
            PipedriveError: 429 when the token's window is full or the company's day's
                budget cannot pay for the call.
        """
        now = self.clock()
        instant = now.timestamp()
        window = self.plan.window * self.time_scale
        cap = self.plan.burst_oauth if oauth else self.plan.burst_api_token
        day = now.astimezone(UTC).date().isoformat()
        with self._lock:
            calls = self._windows.setdefault(token, deque())
            while calls and calls[0] <= instant - window:
                calls.popleft()
            counted_day, spent = self._spent.get(company_id, (day, 0))
            spent = spent if counted_day == day else 0
            reset = math.ceil(calls[0] + window - instant) if calls else math.ceil(window)
            if len(calls) >= cap:
                self.rejected += 1
                raise self._refusal(cap, 0, reset, reset)
            if spent + cost > self.plan.daily_tokens:
                self.rejected += 1
                tomorrow = datetime.combine(now.astimezone(UTC).date() + timedelta(days=1),
                                            datetime.min.time(), UTC)
                wait = max(1, math.ceil((tomorrow - now).total_seconds()))
                raise self._refusal(cap, cap - len(calls), reset, wait)
            calls.append(instant)
            self._spent[company_id] = (day, spent + cost)
            return _headers(cap, cap - len(calls), reset)

    def _refusal(self, cap: int, remaining: int, reset: int, wait: int) -> PipedriveError:
        return PipedriveError(429, OVER_LIMIT, headers={
            **_headers(cap, remaining, reset), "retry-after": str(max(1, wait))})


def _headers(cap: int, remaining: int, reset: int) -> dict[str, str]:
    return {"x-ratelimit-limit": str(cap), "x-ratelimit-remaining": str(remaining),
            "x-ratelimit-reset": str(max(0, reset))}
