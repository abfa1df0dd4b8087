"""Crash safety over real HTTP: a runner process talking to the QuickBooks emulator on
127.0.0.1 is SIGKILLed at random moments; re-runs bill each work order and email each
invoice exactly once."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ledgerlink.http.oauth import ClientCredentials, exchange_code
from ledgerlink.store import Store
from ledgerlink_quickbooks.emulator import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    Limits,
    QuickBooksEmulator,
)
from ledgerlink_quickbooks.settings import endpoints_at

JOB = Path(__file__).with_name("crash_job.py")
REALM = "4620816365"
#: Kill attempts before the final, clean run (bounded: the test always ends).
KILLS = 6
#: Longest wait for a job to reach its kill point.
WAIT_SECONDS = 60


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[QuickBooksEmulator, str, str, Path]]:
    """A connected emulator realm served on 127.0.0.1, with a Service item and a journal."""
    # Generous limits: several short-lived processes share one realm within a minute.
    emulator = QuickBooksEmulator(limits=Limits(per_minute=100_000, in_flight=10,
                                                batch_per_minute=40), latency=0.01)
    emulator.add_realm(REALM, home_currency="USD")
    item = emulator.seed(REALM, "Item", {"Name": "Services", "Type": "Service"})
    journal = tmp_path / "journal.db"
    with emulator.serve() as server:
        with httpx.Client(base_url=server.base_url) as client:
            exchange_code(client, endpoints_at(server.base_url),
                          ClientCredentials(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
                          code=emulator.authorize(REALM), redirect_uri="https://x/cb",
                          store=Store(journal), key=f"quickbooks:{REALM}",
                          provider="quickbooks")
        yield emulator, server.base_url, str(item["Id"]), journal


def _start(base_url: str, item: str, journal: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, str(JOB), base_url, REALM, item, str(journal)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.mark.slow
def test_sigkilled_runs_against_quickbooks_bill_and_email_once(
    served: tuple[QuickBooksEmulator, str, str, Path],
) -> None:
    """SIGKILLs after random numbers of API calls, then a clean run: each work order billed
    once, each invoice emailed once."""
    emulator, base_url, item, journal = served
    rng = random.Random(20261122)
    kills = 0
    for _ in range(KILLS):
        # Kill after a random number of API calls by this job, so the crash lands in
        # the middle of the work (a timer would mostly hit the interpreter's start-up).
        target = len(emulator.requests) + rng.randint(1, 60)
        job = _start(base_url, item, journal)
        deadline = time.monotonic() + WAIT_SECONDS
        while (job.poll() is None and len(emulator.requests) < target
               and time.monotonic() < deadline):
            time.sleep(0.002)
        if job.poll() is None:
            job.send_signal(signal.SIGKILL)
            kills += 1
        job.communicate(timeout=120)
    before_final = len(emulator.realms[REALM].entities["Invoice"])
    final = _start(base_url, item, journal)
    _, err = final.communicate(timeout=120)
    assert final.returncode == 0, err.decode()[-2000:]
    assert kills >= 1
    assert before_final > 0, "the killed runs had written something before dying"
    invoices = list(emulator.realms[REALM].entities["Invoice"].values())
    numbers = Counter(str(invoice["DocNumber"]) for invoice in invoices)
    assert numbers == Counter({f"WO-{i}": 1 for i in range(60)})
    sends = Counter(r.path for r in emulator.requests
                    if r.path.endswith("/send") and r.status == 200 and not r.replayed)
    assert len(sends) == 60
    assert set(sends.values()) == {1}, "no invoice is emailed twice"
    assert not Store(journal).unresolved(f"quickbooks-{REALM}")
