"""Crash safety over real HTTP: a runner process talking to the Dinero emulator on
127.0.0.1 is SIGKILLed mid-run; a final run bills each work order and emails each
invoice exactly once.

The emulator is served by this (the parent) process, so its state outlives each
killed child, as Dinero's would.
"""

from __future__ import annotations

import random
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ledgerlink.http.oauth import ClientCredentials, exchange_code
from ledgerlink.store import Store
from ledgerlink_dinero.emulator import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DineroEmulator,
    Limits,
)
from ledgerlink_dinero.settings import PROVIDER, endpoints_at
from tests.crashes import kill_mid_run
from tests.ledgerlink_dinero.crash_job import ORDERS

JOB = Path(__file__).with_name("crash_job.py")
ORGANISATION = "518273"
#: Kill attempts before the final, clean run (bounded: the test always ends).
KILLS = 3
#: Longest wait for a job to reach its kill point, and for any job to end.
WAIT_SECONDS = 30


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[DineroEmulator, str, Path]]:
    """A connected emulator organisation served on 127.0.0.1, and the journal holding its
    tokens."""
    # Generous limits: several short-lived processes share one organisation within a minute.
    emulator = DineroEmulator(limits=Limits(per_minute=100_000), latency=0.002)
    emulator.add_organisation(ORGANISATION, "Vinduespudser ApS")
    journal = tmp_path / "journal.db"
    with emulator.serve() as server:
        with httpx.Client(base_url=server.base_url) as client, Store(journal) as store:
            exchange_code(client, endpoints_at(server.base_url),
                          ClientCredentials(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
                          code=emulator.authorize(ORGANISATION), redirect_uri="https://x/cb",
                          store=store, key=f"{PROVIDER}:{ORGANISATION}", provider=PROVIDER)
        yield emulator, server.base_url, journal


def _start(base_url: str, journal: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, str(JOB), base_url, ORGANISATION, str(journal)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _writes(emulator: DineroEmulator) -> int:
    return sum(1 for r in emulator.requests if r.method != "GET")


@pytest.mark.slow
def test_sigkilled_runs_against_dinero_bill_and_email_once(
    served: tuple[DineroEmulator, str, Path],
) -> None:
    """SIGKILLs after random numbers of writes, then a clean run: each work order invoiced
    once (booked, one ExternalReference each), each invoice emailed once, journal settled."""
    emulator, base_url, journal = served
    org = emulator.organisations[ORGANISATION]
    kills = kill_mid_run(lambda: _start(base_url, journal), lambda: _writes(emulator),
                         random.Random(20261123), attempts=KILLS, least=3, most=40,
                         wait_seconds=WAIT_SECONDS)
    before_final = len(org.invoices)
    final = _start(base_url, journal)
    _, err = final.communicate(timeout=WAIT_SECONDS)
    assert final.returncode == 0, err.decode()[-2000:]
    assert kills >= 1
    assert before_final > 0, "the killed runs had written something before dying"
    live = [record for record in org.invoices.values() if record.deleted_at is None]
    references = Counter(str(record.data["ExternalReference"]) for record in live)
    assert references == Counter({f"inv:WO-{i}": 1 for i in range(ORDERS)})
    numbers = [record.data.get("Number") for record in live]
    assert all(numbers) and len(set(numbers)) == ORDERS, "every invoice booked, numbered once"
    mailed = Counter(mail["InvoiceGuid"] for mail in org.mails)
    assert set(mailed) == {record.guid for record in live}
    assert set(mailed.values()) == {1}, "no invoice is emailed twice"
    assert len([c for c in org.contacts.values() if c.deleted_at is None]) == 5
    with Store(journal) as store:
        assert not store.unresolved(f"dinero-{ORGANISATION}")
        # The journal names each invoice Dinero holds, under the key it carries.
        assert store.invoice_ids(f"dinero-{ORGANISATION}") == {
            str(record.data["ExternalReference"]): record.guid for record in live}
