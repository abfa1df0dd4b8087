"""Crash safety over real HTTP: a runner process talking to the Billy emulator on 127.0.0.1
is SIGKILLed mid-run; a final run bills each work order and e-mails each invoice exactly once.

The emulator is served by this (the parent) process, so its state outlives each killed
child, as Billy's would. Counts come from the emulator's own state.
"""

from __future__ import annotations

import random
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ledgerlink.store import Store
from ledgerlink_billy.emulator import BillyEmulator, Limits
from tests.crashes import kill_mid_run
from tests.ledgerlink_billy.crash_job import ORDERS
from tests.ledgerlink_billy.support import assert_billed_once, served_company

JOB = Path(__file__).with_name("crash_job.py")
#: Kill attempts before the final, clean run (bounded: the test always ends).
KILLS = 3
#: Longest wait for a job to reach its kill point, and for any job to end.
WAIT_SECONDS = 30


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[BillyEmulator, Any, str, Path, str]]:
    """A company served on 127.0.0.1, its token in the journal, and its 25 % product."""
    emulator = BillyEmulator(limits=Limits(per_minute=None), latency=0.002)
    journal = tmp_path / "journal.db"
    with served_company(emulator, journal) as (org, base_url, products):
        yield emulator, org, base_url, journal, products


def _start(base_url: str, org: Any, journal: Path, products: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, str(JOB), base_url, org.id, str(journal), products],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _writes(emulator: BillyEmulator) -> int:
    return sum(1 for r in emulator.records if r.method != "GET")


@pytest.mark.slow
def test_sigkilled_runs_against_billy_invoice_and_email_once(
    served: tuple[BillyEmulator, Any, str, Path, str],
) -> None:
    """SIGKILLs after random numbers of writes, then a clean run: each work order invoiced
    once (approved, one externalId each), each invoice e-mailed once, journal settled."""
    emulator, org, base_url, journal, products = served
    kills = kill_mid_run(lambda: _start(base_url, org, journal, products),
                         lambda: _writes(emulator), random.Random(20261206), attempts=KILLS,
                         least=3, most=40, wait_seconds=WAIT_SECONDS)
    before_final = len(emulator.invoices(org.id))
    final = _start(base_url, org, journal, products)
    _, err = final.communicate(timeout=WAIT_SECONDS)
    assert final.returncode == 0, err.decode()[-2000:]
    assert kills >= 1
    assert before_final > 0, "the killed runs had written something before dying"
    invoices = assert_billed_once(emulator, org, ORDERS)
    contacts = org.rows("contacts")
    assert Counter(c["contactNo"] for c in contacts) == Counter({f"c{i}": 1 for i in range(5)})
    with Store(journal) as store:
        assert not store.unresolved(f"billy-{org.id}")
        assert store.invoice_ids(f"billy-{org.id}") == {
            str(record["externalId"]): record["id"] for record in invoices}
