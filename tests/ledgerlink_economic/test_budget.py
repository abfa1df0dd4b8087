"""The connector's copy of e-conomic's token bucket: calls take tokens when sent, wait
their turn in order when the copy is empty, and answers only ever lower the copy."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgerlink.testing.factories import make_customer
from ledgerlink_economic.budget import Gauge
from ledgerlink_economic.emulator import Bucket, EconomicEmulator
from tests.ledgerlink_economic.support import build_connector


class Ticking:
    """A clock that moves only when the gauge sleeps; records each sleep."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)


def answer(request: httpx.Request, spent: int, limit: int = 10, window: int = 10
           ) -> httpx.Response:
    return httpx.Response(200, request=request, headers={
        "X-RateLimiting": f"token-limit-{limit}-per-{window}-seconds: {spent}/{limit}",
        "X-CallCost": "1"})


def send(gauge: Gauge) -> httpx.Request:
    request = httpx.Request("GET", "https://restapi.e-conomic.com/customers")
    gauge.before(request)
    return request


def test_calls_on_an_empty_bucket_reserve_their_turns_in_order() -> None:
    """Once e-conomic says the bucket is spent, each further call waits one token's refill
    longer than the call before it (1 token a second here): they queue, not stampede."""
    clock = Ticking()
    gauge = Gauge(sleep=clock.sleep, clock=clock)
    gauge.after(answer(send(gauge), spent=10))
    for _ in range(4):
        send(gauge)
    assert clock.sleeps == pytest.approx([1.0, 2.0, 3.0, 4.0])


def test_a_full_bucket_lets_calls_go_until_it_is_spent() -> None:
    """With 7 of 10 tokens left, 7 calls go at once and the 8th waits a token's refill."""
    clock = Ticking()
    gauge = Gauge(sleep=clock.sleep, clock=clock)
    gauge.after(answer(send(gauge), spent=3))
    for _ in range(8):
        send(gauge)
    assert clock.sleeps == pytest.approx([1.0])


@given(spent_elsewhere=st.integers(0, 10), ahead=st.integers(0, 10))
def test_an_answer_lowers_the_copy_by_what_others_spent(spent_elsewhere: int,
                                                        ahead: int) -> None:
    """Tokens another program spent show in the next answer and are taken off the copy;
    calls sent after the answered one still count as spent; an answer never raises it."""
    clock = Ticking()
    gauge = Gauge(sleep=clock.sleep, clock=clock)
    first = send(gauge)
    gauge.after(answer(first, spent=0, limit=100, window=100))
    probe = send(gauge)
    for _ in range(ahead):
        send(gauge)
    # e-conomic took the probe after another program spent ``spent_elsewhere`` tokens.
    gauge.after(answer(probe, spent=2 + spent_elsewhere, limit=100, window=100))
    left = 100 - 2 - spent_elsewhere - ahead
    for _ in range(left):
        send(gauge)
    assert clock.sleeps == []
    send(gauge)
    assert clock.sleeps == pytest.approx([1.0])


def test_threads_keep_to_the_refill_rate_without_a_429(tmp_path: Path) -> None:
    """Eight threads making 120 calls on a bucket of 40 tokens a second: e-conomic (the
    emulator, on the wall clock) refuses none of them, as each waits its turn."""
    emulator = EconomicEmulator(bucket=Bucket(limit=40, window=1.0))
    with build_connector(emulator, tmp_path, in_flight=8) as book:
        gate = threading.Barrier(8)

        def look_up(_: int) -> None:
            gate.wait(timeout=10)
            for _ in range(15):
                book.find_customer(make_customer())

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(look_up, range(8)))
        waited = book.gauge.waited
    assert emulator.throttle.rejected == 0
    assert waited > 0


def test_calls_wait_for_the_first_answer_once_at_most() -> None:
    """Until the first answer only that call goes; if it never answers, the next call waits
    out the limit once and no later call is held back again."""
    clock = Ticking()
    gauge = Gauge(sleep=clock.sleep, clock=clock)
    gauge.FIRST_ANSWER_WAIT = 0.05
    send(gauge)  # the first call: its connection fails, no answer comes
    waited = threading.Event()

    def second() -> None:
        send(gauge)
        waited.set()

    worker = threading.Thread(target=second)
    worker.start()
    worker.join(timeout=5)
    assert waited.is_set()
    # Were a third call held back again, it would now wait a minute, past the join below.
    gauge.FIRST_ANSWER_WAIT = 60.0
    waited.clear()
    third = threading.Thread(target=second, daemon=True)
    third.start()
    third.join(timeout=5)
    assert waited.is_set()
    assert clock.sleeps == []
