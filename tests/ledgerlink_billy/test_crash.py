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

from ledgerlink.domain import Product
from ledgerlink.http.limits import LimiterRegistry
from ledgerlink.store import Store
from ledgerlink_billy import BillyConnector
from ledgerlink_billy.emulator import BillyEmulator, Limits
from tests.crashes import kill_mid_run
from tests.ledgerlink_billy.crash_job import ORDERS
from tests.ledgerlink_billy.support import save_token

JOB = Path(__file__).with_name("crash_job.py")
#: Kill attempts before the final, clean run (bounded: the test always ends).
KILLS = 3
#: Longest wait for a job to reach its kill point, and for any job to end.
WAIT_SECONDS = 30


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[BillyEmulator, Any, str, Path, str]]:
    """A company served on 127.0.0.1, its token in the journal, and its 25 % product."""
    emulator = BillyEmulator(limits=Limits(per_minute=None), latency=0.002)
    org = emulator.create_organization("Vinduespudser ApS")
    journal = tmp_path / "journal.db"
    with Store(journal) as store:
        save_token(org, store)
    with emulator.serve() as server:
        setup = BillyConnector(organization_id=org.id, access_token=org.access_token,
                               base_url=server.base_url, limiters=LimiterRegistry())
        with setup:
            product = setup.create_product(Product("service", "Vinduespudsning"))
        yield emulator, org, server.base_url, journal, f"25={product}"


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
    invoices = emulator.invoices(org.id)
    keys = Counter(str(record["externalId"]) for record in invoices)
    assert keys == Counter({f"inv:WO-{i}": 1 for i in range(ORDERS)})
    assert all(record["state"] == "approved" for record in invoices)
    numbers = [record["invoiceNo"] for record in invoices]
    assert all(numbers) and len(set(numbers)) == ORDERS, "every invoice approved, numbered once"
    mailed = Counter(mail["invoiceId"] for mail in emulator.emails(org.id))
    assert set(mailed) == {record["id"] for record in invoices}
    assert set(mailed.values()) == {1}, "no invoice is e-mailed twice"
    contacts = org.rows("contacts")
    assert Counter(c["contactNo"] for c in contacts) == Counter({f"c{i}": 1 for i in range(5)})
    with Store(journal) as store:
        assert not store.unresolved(f"billy-{org.id}")
        assert store.invoice_ids(f"billy-{org.id}") == {
            str(record["externalId"]): record["id"] for record in invoices}
