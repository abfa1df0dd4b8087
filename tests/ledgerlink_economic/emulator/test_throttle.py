"""The token bucket's headers and 429, the fair-use day count, injected faults and latency."""

from __future__ import annotations

import httpx

from ledgerlink_economic.emulator import Bucket, EconomicEmulator
from tests.ledgerlink_economic.emulator.support import FakeClock, client_for, customer_body


def _small(clock: FakeClock, **shape: object) -> tuple[EconomicEmulator, httpx.Client]:
    emu = EconomicEmulator(clock=clock, sleep=clock.sleep,
                           bucket=Bucket(limit=3, window=60.0, **shape))  # type: ignore[arg-type]
    return emu, client_for(emu, emu.create_agreement("Lille ApS"))


def test_every_answer_carries_the_bucket_and_the_call_cost(client: httpx.Client) -> None:
    """X-RateLimiting names the bucket and what is spent; X-CallCost the call's tokens."""
    first = client.get("/customers")
    assert first.headers["x-ratelimiting"] == "token-limit-10000-per-60-seconds: 1/10000"
    assert first.headers["x-callcost"] == "1"
    refused = client.post("/customers", json={})
    assert refused.status_code == 400
    assert refused.headers["x-ratelimiting"].endswith("2/10000")


def test_an_empty_bucket_answers_429_with_retry_after(clock: FakeClock) -> None:
    """The fourth call in a 3-token bucket is 429 with Retry-After; it refills with time."""
    emu, client = _small(clock)
    assert [client.get("/layouts").status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get("/layouts")
    assert refused.status_code == 429
    assert refused.json()["httpStatusCode"] == 429
    assert int(refused.headers["retry-after"]) == 20
    clock.advance(20)
    assert client.get("/layouts").status_code == 200
    assert emu.throttle.rejected == 1


def test_writes_can_cost_more_than_reads(clock: FakeClock) -> None:
    """With a write cost of 2, one write and one read empty a 3-token bucket."""
    _, client = _small(clock, write_cost=2)
    assert client.post("/customers", json=customer_body()).headers["x-callcost"] == "2"
    assert client.get("/customers").status_code == 200
    assert client.get("/customers").status_code == 429


def test_the_fair_use_calls_are_counted_per_agreement_and_day(
        emu: EconomicEmulator, client: httpx.Client, clock: FakeClock) -> None:
    """Each answered call counts toward the day's 50,000; a new UTC day starts at 0."""
    for _ in range(4):
        client.get("/layouts")
    assert emu.calls_today(1_000_001) == 4
    clock.advance(86400)
    assert emu.calls_today(1_000_001) == 0


def test_fair_use_is_refused_past_the_day_when_enforced(clock: FakeClock) -> None:
    """With enforcement on, the call past the day's budget answers 429 until the next day."""
    assert Bucket().fair_use_per_day == 50_000
    emu = EconomicEmulator(clock=clock, bucket=Bucket(enforce_fair_use=True,
                                                      fair_use_per_day=2))
    grant = emu.create_agreement("Travl ApS")
    with client_for(emu, grant) as client:
        assert [client.get("/layouts").status_code for _ in range(3)] == [200, 200, 429]
        clock.advance(86400)
        assert client.get("/layouts").status_code == 200


def test_faults_and_latency_come_from_the_kit(emu: EconomicEmulator, client: httpx.Client,
                                              clock: FakeClock) -> None:
    """fail_next answers a 500 in the error shape; latency advances the fake clock."""
    emu.faults.fail_next(1, 500)
    failed = client.get("/customers")
    assert failed.status_code == 500 and failed.json()["httpStatusCode"] == 500
    emu.latency = 0.5
    before = clock.now
    assert client.get("/customers").status_code == 200
    assert (clock.now - before).total_seconds() == 0.5
