"""Several processes invoice the same work on one Billy company and one journal.

One run holds the book at a time; the others wait for it, then find the work done.
Everything is counted from the emulator's state (served by this process on
127.0.0.1, so it outlives killed runners), not from the journal. The emulator and
the connectors keep Billy's default rate limit (120 requests a minute per company,
ours: Billy states none); 24 orders of 5 customers take about 85 requests, and the
runners that find the work done send none, so the limit is never reached and each
test stays well under 30 s. The same tests run with the journal on PostgreSQL in
tests/postgres/test_billy_runners.py.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from ledgerlink.store import Store
from ledgerlink_billy.emulator import BillyEmulator, Organization
from tests.ledgerlink_billy.support import assert_billed_once, served_company
from tests.runners import (
    assert_one_runner_did_the_work,
    assert_taken_over_after_the_lease,
    kill_the_holder_mid_run,
    reports_of,
    start_job,
)

JOB = "tests.ledgerlink_billy.many_job"
#: Work orders each runner is given (the same ones): three requests each, under the limit.
ORDERS = 24
RUNNERS = 4
#: Seconds each call waits at the emulator, about Billy's own, so a run lasts seconds and
#: the holder is killed mid-run.
LATENCY = 0.15
#: Longest any runner may take (each waits for those before it).
WAIT_SECONDS = 60
#: Seconds the runner killed mid-run holds the book for (the longest it stays held).
LEASE = 3

Served = tuple[BillyEmulator, Organization, str, str, str]


@pytest.fixture
def journal_target(tmp_path: Path) -> str:
    """Where the runners keep their journal: a SQLite file here."""
    return str(tmp_path / "journal.db")


@pytest.fixture
def served(journal_target: str) -> Iterator[Served]:
    """A company on an emulator at Billy's default limit, served on 127.0.0.1; the journal
    holding its token; the ``rate_products`` option naming its 25 % product."""
    emulator = BillyEmulator(latency=LATENCY)
    with served_company(emulator, journal_target) as (org, base_url, products):
        yield emulator, org, base_url, journal_target, products


def start(served: Served, *, lease: float) -> subprocess.Popen[str]:
    _, org, base_url, journal, products = served
    return start_job(JOB, base_url, org.id, journal, products, ORDERS, lease, WAIT_SECONDS)


def assert_settled(served: Served) -> None:
    """Each order billed and e-mailed once as the emulator holds it; nothing left open."""
    emulator, org, _, journal, _ = served
    assert_billed_once(emulator, org, ORDERS)
    with Store(journal) as store:
        assert not store.unresolved(f"billy-{org.id}")


@pytest.mark.slow
def test_four_runners_on_one_billy_company_bill_each_order_once(served: Served) -> None:
    """Four processes, same 24 orders: one invoices, approves and e-mails each once, three
    wait and add nothing; nothing is recovered or rolled back and the summaries add up."""
    emulator, org, _, journal, _ = served
    reports = reports_of([start(served, lease=30) for _ in range(RUNNERS)], WAIT_SECONDS * 5)
    assert_settled(served)
    assert_one_runner_did_the_work(reports, journal, f"billy-{org.id}", ORDERS)
    creates = [r for r in emulator.records if (r.method, r.path) == ("POST", "/v2/invoices")]
    assert len(creates) == ORDERS, "no create was sent twice"
    assert emulator.throttle.rejected == 0, "Billy's default limit was never reached"


@pytest.mark.slow
def test_a_billy_runner_killed_mid_run_is_taken_over_after_its_lease(served: Served) -> None:
    """The runner holding the book is SIGKILLed mid-run (left unreaped, so its lease must run
    out); a waiting runner takes over after the lease, recovers and finishes: each order
    invoiced, approved and e-mailed once."""
    emulator, org, _, journal, _ = served
    reports, killed_at = kill_the_holder_mid_run(
        lambda: start(served, lease=LEASE), lambda: len(emulator.emails(org.id)),
        ORDERS // 5, waiting=RUNNERS - 1, timeout=WAIT_SECONDS * 5)
    assert_taken_over_after_the_lease(reports, journal, f"billy-{org.id}", killed_at, LEASE)
    assert_settled(served)
    assert emulator.throttle.rejected == 0, "Billy's default limit was never reached"
