"""Reading Pipedrive's answers: its error bodies (errors.json) into faults, and the burst
window's headers into waits."""

from __future__ import annotations

import httpx
import pytest

from ledgerlink.errors import QuotaExhaustedError
from ledgerlink_pipedrive.client import BurstWindow, parse_fault
from tests.clocks import FakeClock

REQUEST = httpx.Request("GET", "https://api.pipedrive.com/api/v2/deals")


def _answer(status: int, body: bytes = b"", **headers: str) -> httpx.Response:
    return httpx.Response(status, content=body, headers=headers, request=REQUEST)


def test_pipedrive_s_error_text_and_code_are_kept() -> None:
    """A 401 body's error and errorCode become the fault's message and code."""
    fault = parse_fault(_answer(401, b'{"success": false, "error": "unauthorized access", '
                                     b'"errorCode": 401, "error_info": "see docs"}'))
    assert fault is not None and (fault.message, fault.code) == ("unauthorized access", "401")


def test_success_false_under_a_2xx_status_is_an_error() -> None:
    """An answer saying success: false is a fault even under 200."""
    fault = parse_fault(_answer(200, b'{"success": false, "error": "Deal not found"}'))
    assert fault is not None and fault.message == "Deal not found"
    assert parse_fault(_answer(200, b'{"success": true, "data": []}')) is None


def test_a_body_that_is_not_pipedrive_s_keeps_a_short_excerpt() -> None:
    """A proxy's page under 502 is kept as a short, one-line excerpt; an empty body leaves
    the status to speak."""
    fault = parse_fault(_answer(502, b"<html>\n  Bad   gateway\n</html>" + b"x" * 1000))
    assert fault is not None and fault.message.startswith("<html> Bad gateway </html>")
    assert len(fault.message) <= 300
    assert parse_fault(_answer(502)) is None


def test_a_used_up_window_is_waited_out_before_the_next_call() -> None:
    """After an answer saying nothing is left in the window, the next call first waits the
    seconds it said; an answer with calls left makes no wait."""
    clock = FakeClock()
    window = BurstWindow(clock.sleep)
    window.after(_answer(200, **{"x-ratelimit-remaining": "5", "x-ratelimit-reset": "2"}))
    window.before(REQUEST)
    assert clock.slept == 0
    window.after(_answer(200, **{"x-ratelimit-remaining": "0", "x-ratelimit-reset": "2"}))
    window.before(REQUEST)
    window.before(REQUEST)
    assert clock.slept == 2 and window.waited == 2


def test_a_429_asking_for_hours_is_a_spent_day_and_one_asking_for_seconds_is_not() -> None:
    """Retry-After beyond any burst window raises QuotaExhaustedError; a short one is left
    to the shared layer's retries."""
    window = BurstWindow(FakeClock().sleep)
    window.after(_answer(429, **{"retry-after": "2"}))
    with pytest.raises(QuotaExhaustedError, match="daily token budget"):
        window.after(_answer(429, **{"retry-after": "40000"}))
