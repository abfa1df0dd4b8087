"""Several processes invoice the same work on one e-conomic agreement and one journal.

One run holds the book at a time; the others wait for it, then find the work done.
Everything is counted from the emulator's state (served by this process on
127.0.0.1, so it outlives killed runners), not from the journal.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from ledgerlink.store import Store
from ledgerlink_economic.emulator import Agreement, EconomicEmulator
from tests.ledgerlink_economic.support import assert_booked_once, served_agreement
from tests.runners import (
    assert_one_runner_did_the_work,
    assert_taken_over_after_the_lease,
    kill_the_holder_mid_run,
    reports_of,
    start_job,
)

JOB = "tests.ledgerlink_economic.many_job"
#: Work orders each runner is given (the same ones).
ORDERS = 24
RUNNERS = 4
#: Seconds each call waits at the emulator, so a run lasts seconds and the holder is
#: killed mid-run.
LATENCY = 0.05
#: Longest any runner may take (each waits for those before it).
WAIT_SECONDS = 60
#: Seconds the runner killed mid-run holds the book for (the longest it stays held).
LEASE = 3

Served = tuple[EconomicEmulator, Agreement, str, str]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """An agreement served on 127.0.0.1; the journal holding its tokens."""
    emulator = EconomicEmulator(latency=LATENCY)
    journal = str(tmp_path / "journal.db")
    with served_agreement(emulator, journal) as (agreement, base_url):
        yield emulator, agreement, base_url, journal


def start(served: Served, *, lease: float) -> subprocess.Popen[str]:
    _, agreement, base_url, journal = served
    return start_job(JOB, base_url, agreement.agreement_number, journal, ORDERS, lease,
                     WAIT_SECONDS)


def assert_settled(served: Served) -> None:
    """Each order booked once as the emulator holds it; nothing left open."""
    emulator, agreement, _, journal = served
    assert_booked_once(emulator, agreement, ORDERS)
    with Store(journal) as store:
        assert not store.unresolved(f"economic-{agreement.agreement_number}")


@pytest.mark.slow
def test_four_runners_on_one_agreement_book_each_order_once(served: Served) -> None:
    """Four processes, same 24 orders: one creates and books each once, three wait and add
    nothing; nothing is recovered or rolled back and the summaries add up."""
    emulator, agreement, _, journal = served
    reports = reports_of([start(served, lease=30) for _ in range(RUNNERS)], WAIT_SECONDS * 5)
    assert_settled(served)
    assert_one_runner_did_the_work(reports, journal, f"economic-{agreement.agreement_number}",
                                   ORDERS)
    creates = [r for r in emulator.records
               if (r.method, r.path) == ("POST", "/invoices/drafts") and not r.from_cache]
    assert len(creates) == ORDERS, "no draft was created twice"


@pytest.mark.slow
def test_a_runner_killed_mid_run_is_taken_over_after_its_lease(served: Served) -> None:
    """The runner holding the book is SIGKILLed mid-run (left unreaped, so its lease must run
    out); a waiting runner takes over after the lease, recovers and finishes: each order
    booked once."""
    emulator, agreement, _, journal = served
    reports, killed_at = kill_the_holder_mid_run(
        lambda: start(served, lease=LEASE), lambda: len(emulator.invoices(agreement)),
        ORDERS // 5, waiting=RUNNERS - 1, timeout=WAIT_SECONDS * 5)
    assert_taken_over_after_the_lease(reports, journal, f"economic-{agreement.agreement_number}",
                                      killed_at, LEASE)
    assert_settled(served)
