"""Crash safety over real HTTP: a runner process talking to the e-conomic emulator on
127.0.0.1 is SIGKILLed mid-run; a final run books each work order exactly once.

The emulator is served by this (the parent) process, so its state outlives each killed
child, as e-conomic's would. Counts come from the emulator's own state.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ledgerlink.store import Store
from ledgerlink_economic.emulator import Agreement, EconomicEmulator
from tests.crashes import kill_mid_run
from tests.ledgerlink_economic.crash_job import ORDERS
from tests.ledgerlink_economic.support import assert_booked_once, served_agreement
from tests.paths import ROOT

JOB = Path(__file__).with_name("crash_job.py")
#: Kill attempts before the final, clean run (bounded: the test always ends).
KILLS = 3
#: Longest wait for a job to reach its kill point, and for any job to end.
WAIT_SECONDS = 30

Served = tuple[EconomicEmulator, Agreement, str, Path]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """An agreement served on 127.0.0.1, its tokens in the journal."""
    emulator = EconomicEmulator(latency=0.002)
    journal = tmp_path / "journal.db"
    with served_agreement(emulator, journal) as (agreement, base_url):
        yield emulator, agreement, base_url, journal


def start_job(base_url: str, agreement: Agreement, journal: Path,
              workers: int = 2) -> subprocess.Popen[bytes]:
    """The crash job as a child process (the checkout on its path, so ``tests`` imports)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    return subprocess.Popen([sys.executable, str(JOB), base_url,
                             str(agreement.agreement_number), str(journal), str(workers)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)


@pytest.mark.slow
def test_sigkilled_runs_against_economic_book_once(served: Served) -> None:
    """SIGKILLs after random numbers of writes, then a clean run: each work order booked
    once (one references.other each), each customer created once, the journal settled."""
    emulator, agreement, base_url, journal = served

    def writes() -> int:
        return sum(1 for r in emulator.records if r.method != "GET")

    kills = kill_mid_run(lambda: start_job(base_url, agreement, journal), writes,
                         random.Random(20261207), attempts=KILLS, least=3, most=40,
                         wait_seconds=WAIT_SECONDS)
    written = writes()
    final = start_job(base_url, agreement, journal)
    _, err = final.communicate(timeout=WAIT_SECONDS * 4)
    assert final.returncode == 0, err.decode()[-2000:]
    assert kills >= 1
    assert written > 0, "the killed runs had written something before dying"
    booked = assert_booked_once(emulator, agreement, ORDERS)
    account = f"economic-{agreement.agreement_number}"
    with Store(journal) as store:
        assert not store.unresolved(account)
        assert store.invoice_ids(account) == {
            str(row["references"]["other"]): str(row["references"]["other"])
            for row in booked}
