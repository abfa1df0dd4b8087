"""Rate limits: per-minute windows, in-flight caps, named limits, shared per account."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from ledgerlink.http import (
    AccountLimiter,
    Limit,
    LimiterRegistry,
    ProviderClient,
    RateLimitTimeout,
    make_client,
)
from ledgerlink.http.limits import WINDOW

#: How long a test thread may block on a synchronisation point before failing.
BOUND = 5.0


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_per_minute_window_admits_only_that_many_requests() -> None:
    """With 3/min, a fourth request within the minute is refused; after the window it goes."""
    clock = FakeClock()
    limiter = AccountLimiter({"default": Limit(per_minute=3)}, clock)
    for _ in range(3):
        with limiter.acquire():
            pass
    with pytest.raises(RateLimitTimeout, match="default"), limiter.acquire(max_wait=1.0):
        pass
    clock.now += WINDOW
    with limiter.acquire(max_wait=0.0):
        pass


def test_the_per_second_window_admits_that_many_and_frees_a_second_after_each_answer() -> None:
    """With 2/s, a third request in the same second is refused; one second later it goes,
    and a request still running counts as it does for the minute."""
    clock = FakeClock()
    limiter = AccountLimiter({"default": Limit(per_second=2)}, clock)
    with limiter.acquire():
        pass
    clock.now += 0.5
    with limiter.acquire(max_wait=0.0), pytest.raises(RateLimitTimeout), \
            limiter.acquire(max_wait=0.0):
        pass  # the one running and the one answered fill the second
    clock.now += 0.5  # the first answer left the second; the second's has not
    with limiter.acquire(max_wait=0.0):
        pass
    with pytest.raises(RateLimitTimeout), limiter.acquire(max_wait=0.0):
        pass
    scaled = AccountLimiter({"default": Limit(per_second=1)}, clock, window=WINDOW / 10)
    with scaled.acquire():
        pass
    clock.now += 0.1  # a tenth of a second is a scaled second
    with scaled.acquire(max_wait=0.0):
        pass


def test_the_window_slides() -> None:
    """A slot frees exactly one window after the request that took it, not at a minute mark."""
    clock = FakeClock()
    limiter = AccountLimiter({"default": Limit(per_minute=2)}, clock)
    with limiter.acquire():
        pass
    clock.now += 30
    with limiter.acquire():
        pass
    clock.now += 30  # the first slot is free again, the second not yet
    with limiter.acquire(max_wait=0.0):
        pass
    with pytest.raises(RateLimitTimeout), limiter.acquire(max_wait=0.0):
        pass


def test_a_filled_limiter_frees_one_slot_per_window_over_cap() -> None:
    """A filled limiter refuses at once, then lets one request go every window / cap
    seconds, for every named limit (per second where a limit has no minute cap)."""
    clock = FakeClock()
    limiter = AccountLimiter({"default": Limit(per_minute=4), "batch": Limit(per_second=2)},
                             clock)
    with limiter.acquire():
        pass
    limiter.fill()
    for names in (("default",), ("batch",)):
        with pytest.raises(RateLimitTimeout), limiter.acquire(names, max_wait=0.0):
            pass
    clock.now += 0.5  # half a second: one of the second's two answers left it
    with limiter.acquire(("batch",), max_wait=0.0):
        pass
    clock.now += WINDOW / 4 - 0.5  # a quarter window: one of the minute's four left it
    with limiter.acquire(max_wait=0.0):
        pass
    with pytest.raises(RateLimitTimeout), limiter.acquire(max_wait=0.0):
        pass


def test_filling_the_registry_fills_every_account_made_so_far() -> None:
    """LimiterRegistry.fill spends the window of every account it made."""
    clock = FakeClock()
    registry = LimiterRegistry(clock)
    limiters = [registry.get("p", account, {"default": Limit(per_minute=2)})
                for account in ("a", "b")]
    registry.fill()
    for limiter in limiters:
        with pytest.raises(RateLimitTimeout), limiter.acquire(max_wait=0.0):
            pass


def test_a_request_counts_while_it_runs_and_for_a_window_after_its_answer() -> None:
    """The provider counts a request when it arrives, after it was sent: the window
    runs from the answer, so the client is never a moment ahead of the provider."""
    clock = FakeClock()
    limiter = AccountLimiter({"default": Limit(per_minute=1)}, clock)
    with limiter.acquire():
        with pytest.raises(RateLimitTimeout), limiter.acquire(max_wait=0.0):
            pass  # the running request already fills the window
        clock.now += 30  # the answer comes 30 s after the send
    clock.now += WINDOW - 1  # a minute after the send, not yet a minute after the answer
    with pytest.raises(RateLimitTimeout), limiter.acquire(max_wait=0.0):
        pass
    clock.now += 1
    with limiter.acquire(max_wait=0.0):
        pass


def test_a_scaled_window_frees_slots_after_its_own_length() -> None:
    """A registry with a 3 s "minute" (time scaled ×20) frees a slot 3 s after it was taken."""
    clock = FakeClock()
    limiter = LimiterRegistry(clock, window=3.0).get("p", "a", {"default": Limit(per_minute=1)})
    with limiter.acquire():
        pass
    clock.now += 2.9
    with pytest.raises(RateLimitTimeout), limiter.acquire(max_wait=0.0):
        pass
    clock.now += 0.1
    with limiter.acquire(max_wait=0.0):
        pass
    with pytest.raises(ValueError, match="window"):
        AccountLimiter({}, clock, window=0)


def test_the_in_flight_cap_blocks_until_a_request_finishes() -> None:
    """With 2 in flight, a third request waits until one of the two is released."""
    limiter = AccountLimiter({"default": Limit(in_flight=2)})
    release = threading.Event()
    holding = threading.Barrier(3)
    entered = threading.Event()

    def hold() -> None:
        with limiter.acquire():
            holding.wait(BOUND)
            assert release.wait(BOUND)

    def third() -> None:
        with limiter.acquire(max_wait=BOUND):
            entered.set()

    with ThreadPoolExecutor(3) as pool:
        held = [pool.submit(hold) for _ in range(2)]
        holding.wait(BOUND)
        assert limiter.in_flight() == 2
        waiting = pool.submit(third)
        assert not entered.wait(0.05)
        with pytest.raises(RateLimitTimeout), limiter.acquire(max_wait=0.0):
            pass
        release.set()
        for future in [*held, waiting]:
            future.result(BOUND)
    assert entered.is_set()
    assert limiter.in_flight() == 0


def test_named_limits_count_separately_and_together() -> None:
    """A batch call counts against "default" and "batch"; a plain call only against "default"."""
    clock = FakeClock()
    limiter = AccountLimiter({"default": Limit(per_minute=5), "batch": Limit(per_minute=2)},
                             clock)
    for _ in range(2):
        with limiter.acquire(("default", "batch")):
            pass
    with pytest.raises(RateLimitTimeout, match="batch"), limiter.acquire(
            ("default", "batch"), max_wait=0.0):
        pass
    for _ in range(3):
        with limiter.acquire(("default",), max_wait=0.0):
            pass
    with pytest.raises(RateLimitTimeout), limiter.acquire(max_wait=0.0):
        pass


def test_a_refused_request_takes_no_slot_of_any_limit() -> None:
    """When one named limit refuses, the others are not charged for the attempt."""
    clock = FakeClock()
    limiter = AccountLimiter({"default": Limit(per_minute=2), "batch": Limit(per_minute=1)},
                             clock)
    with limiter.acquire(("default", "batch")):
        pass
    with pytest.raises(RateLimitTimeout), limiter.acquire(("default", "batch"), max_wait=0.0):
        pass
    with limiter.acquire(("default",), max_wait=0.0):
        pass


def test_limits_are_shared_per_provider_account_and_separate_between_accounts() -> None:
    """Two clients of one (provider, account) share limits; another account has its own."""
    registry = LimiterRegistry(FakeClock())
    limits = {"default": Limit(per_minute=1)}
    first = registry.get("qb", "realm-1", limits)
    assert registry.get("qb", "realm-1", limits) is first
    with first.acquire():
        pass
    with pytest.raises(RateLimitTimeout), registry.get("qb", "realm-1", limits).acquire(
            max_wait=0.0):
        pass
    with registry.get("qb", "realm-2", limits).acquire(max_wait=0.0):
        pass
    with registry.get("other", "realm-1", limits).acquire(max_wait=0.0):
        pass


def test_many_threads_never_exceed_the_in_flight_cap() -> None:
    """Forty threads through two clients of one account never run more than 3 requests at once."""
    registry = LimiterRegistry()
    full = threading.Condition()
    running = {"now": 0, "peak": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        with full:
            running["now"] += 1
            running["peak"] = max(running["peak"], running["now"])
            full.notify_all()
            # Stay inside until the cap is reached (bounded), so requests overlap.
            full.wait_for(lambda: running["now"] >= 3, timeout=0.05)
            running["now"] -= 1
        return httpx.Response(200)

    limits = {"default": Limit(in_flight=3)}
    clients = [ProviderClient("qb", "realm", make_client(
        "https://x.test", transport=httpx.MockTransport(handler)), limits=limits,
        limiters=registry, max_wait=BOUND) for _ in range(2)]
    with ThreadPoolExecutor(40) as pool:
        list(pool.map(lambda i: clients[i % 2].get("/r"), range(40)))
    assert running["peak"] == 3


def test_a_request_waits_for_the_window_when_allowed_to() -> None:
    """A request whose window frees within max_wait blocks (here: until the clock moves)."""
    clock = FakeClock()
    limiter = AccountLimiter({"default": Limit(per_minute=1)}, clock)
    with limiter.acquire():
        pass
    done = threading.Event()

    def later() -> None:
        with limiter.acquire(max_wait=WINDOW * 2):
            done.set()

    thread = threading.Thread(target=later)
    clock.now += WINDOW - 0.01  # the limiter re-checks every 10 ms until the clock moves
    thread.start()
    assert not done.wait(0.05)
    clock.now += 1
    assert done.wait(BOUND)
    thread.join(BOUND)


def test_limits_reject_nonsense() -> None:
    """A limit of zero requests is a configuration error."""
    with pytest.raises(ValueError, match="per_minute"):
        Limit(per_minute=0)
    with pytest.raises(ValueError, match="per_second"):
        Limit(per_second=0)
