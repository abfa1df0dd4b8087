"""Rate limits counted in the store (SQLite): shared by every process on an account."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledgerlink.errors import RateLimitTimeout
from ledgerlink.http.limits import Limit
from ledgerlink.http.shared_limits import StoreAccountLimiter, StoreLimiterRegistry
from ledgerlink.store import Store
from tests.ledgerlink.http.shared_limits_support import most_in_any_window, race

#: Requests per window, the window's length (seconds) and each process's requests.
PER_WINDOW, WINDOW, REQUESTS = 5, 1.0, 8


def test_two_processes_sharing_the_store_never_exceed_the_window(tmp_path: Path) -> None:
    """Two processes counting one account's limit in one store never have more requests in
    any window than the limit allows, together."""
    Store(tmp_path / "journal.db").close()
    spans = race(str(tmp_path / "journal.db"), 2, PER_WINDOW, WINDOW, REQUESTS,
                 tmp_path / "go")
    assert len(spans) == 2 * REQUESTS
    assert most_in_any_window(spans, WINDOW) <= PER_WINDOW


def test_two_processes_counting_alone_overrun_the_window(tmp_path: Path) -> None:
    """Without the store, each process spends the whole limit: together they overrun it
    (what the shared count prevents)."""
    spans = race("-", 2, PER_WINDOW, WINDOW, REQUESTS, tmp_path / "go")
    assert most_in_any_window(spans, WINDOW) > PER_WINDOW


class FakeTime:
    """A wall clock that moves only when the limiter sleeps."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_the_in_flight_cap_is_shared_between_limiters(tmp_path: Path) -> None:
    """A request running through one limiter counts against another limiter of the same
    account on the same store, and frees its slot when answered."""
    store = Store(tmp_path / "journal.db")
    clock = FakeTime()
    limits = {"default": Limit(in_flight=1)}
    first = StoreAccountLimiter(store, "quickbooks:1", limits, clock, sleep=clock.sleep)
    second = StoreAccountLimiter(store, "quickbooks:1", limits, clock, sleep=clock.sleep)
    with first.acquire():
        assert second.in_flight() == 1
        with pytest.raises(RateLimitTimeout), second.acquire(max_wait=0.1):
            pass
    with second.acquire():
        assert first.in_flight() == 1
    assert first.in_flight() == 0


def test_a_full_window_waits_until_its_oldest_answer_leaves(tmp_path: Path) -> None:
    """With the window full, the next request starts a window after the oldest answer."""
    store = Store(tmp_path / "journal.db")
    clock = FakeTime()
    registry = StoreLimiterRegistry(store, clock, sleep=clock.sleep)
    limiter = registry.get("dinero", "42", {"default": Limit(per_minute=2)})
    answered = []
    for _ in range(3):
        with limiter.acquire():
            pass
        answered.append(clock.now)
    assert answered[2] - answered[0] == pytest.approx(60.0)


def test_accounts_do_not_share_a_budget(tmp_path: Path) -> None:
    """Two accounts on one store count apart: one account's full window does not hold the
    other back."""
    store = Store(tmp_path / "journal.db")
    clock = FakeTime()
    registry = StoreLimiterRegistry(store, clock, sleep=clock.sleep)
    limits = {"default": Limit(per_minute=1)}
    with registry.get("dinero", "1", limits).acquire():
        pass
    start = clock.now
    with registry.get("dinero", "2", limits).acquire():
        pass
    assert clock.now == start


def test_the_environment_variable_makes_every_client_count_in_the_store(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With LEDGERLINK_LIMITS_STORE set, the process-wide registry counts in that store."""
    from ledgerlink.http import limits

    monkeypatch.setattr(limits, "_SHARED", None)
    monkeypatch.setenv(limits.LIMITS_STORE_VARIABLE, str(tmp_path / "journal.db"))
    registry = limits.shared_limiters()
    assert isinstance(registry, StoreLimiterRegistry)
    limiter = registry.get("dinero", "7", {"default": Limit(in_flight=3)})
    with limiter.acquire():
        assert StoreAccountLimiter(Store(tmp_path / "journal.db"), "dinero:7",
                                   {"default": Limit(in_flight=3)}).in_flight() == 1
