"""Several processes invoice the same work on one Dinero organisation and one journal.

One run holds the book at a time; the others wait for it, then find the work done.
Everything is counted from the emulator's state (served by this process on
127.0.0.1, so it outlives killed runners), not from the journal. The same tests
run with the journal on PostgreSQL in tests/postgres/test_dinero_runners.py.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
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

JOB = Path(__file__).with_name("many_job.py")
ORGANISATION = "518274"
BOOK = f"dinero-{ORGANISATION}"
ORDERS = 500
RUNNERS = 4
#: Longest any runner may take (each waits for those before it).
WAIT_SECONDS = 240


@pytest.fixture
def journal_target(tmp_path: Path) -> str:
    """Where the runners keep their journal: a SQLite file here."""
    return str(tmp_path / "journal.db")


@pytest.fixture
def served(journal_target: str) -> Iterator[tuple[DineroEmulator, str, str]]:
    """A connected emulator organisation on 127.0.0.1 and the journal holding its token."""
    emulator = DineroEmulator(limits=Limits(per_minute=1_000_000), latency=0.001)
    emulator.add_organisation(ORGANISATION, "Vinduespudser ApS")
    with emulator.serve() as server:
        with httpx.Client(base_url=server.base_url) as client, Store(journal_target) as store:
            exchange_code(client, endpoints_at(server.base_url),
                          ClientCredentials(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
                          code=emulator.authorize(ORGANISATION), redirect_uri="https://x/cb",
                          store=store, key=f"{PROVIDER}:{ORGANISATION}", provider=PROVIDER)
        yield emulator, server.base_url, journal_target


def start(base_url: str, journal: str, *, lease: float, wait: float = WAIT_SECONDS
          ) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(JOB), base_url, ORGANISATION, journal, str(ORDERS), str(lease),
         str(wait)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def assert_billed_once(emulator: DineroEmulator, journal: str) -> None:
    """Each work order on exactly one booked invoice, each invoice e-mailed once (emulator)."""
    org = emulator.organisations[ORGANISATION]
    live = [record for record in org.invoices.values() if record.deleted_at is None]
    references = Counter(str(record.data["ExternalReference"]) for record in live)
    assert references == Counter({f"inv:WO-{i}": 1 for i in range(ORDERS)})
    assert all(record.data.get("Number") for record in live), "every invoice booked"
    mailed = Counter(mail["InvoiceGuid"] for mail in org.mails)
    assert mailed == Counter({record.guid: 1 for record in live}), "each e-mailed once"
    with Store(journal) as store:
        assert not store.unresolved(BOOK)


@pytest.mark.slow
def test_four_runners_on_one_book_bill_each_order_once(
    served: tuple[DineroEmulator, str, str],
) -> None:
    """Four processes, same 500 orders: one invoices, three wait and add nothing; no live
    intent is rolled back and the summaries add up to what Dinero holds."""
    emulator, base_url, journal = served
    runners = [start(base_url, journal, lease=30) for _ in range(RUNNERS)]
    reports = []
    for runner in runners:
        out, err = runner.communicate(timeout=WAIT_SECONDS + 60)
        assert runner.returncode == 0, err[-2000:]
        reports.append(json.loads(out.strip().splitlines()[-1]))
    assert_billed_once(emulator, journal)
    created = sorted(report["summary"]["invoices_created"] for report in reports)
    assert created == [0, 0, 0, ORDERS], "the summaries add up to the real count"
    assert all(report["recovered"] == [] for report in reports), "no live intent recovered"
    with Store(journal) as store:
        outcomes = Counter(entry.outcome for entry in store.log(book=BOOK))
    assert outcomes["rolled_back"] == 0 and outcomes["recovered"] == 0
    requests = Counter(r.method for r in emulator.requests if r.path.endswith("/invoices"))
    assert requests["POST"] == ORDERS, "no create was sent twice"


@pytest.mark.slow
def test_a_runner_killed_mid_run_is_taken_over_after_its_lease(
    served: tuple[DineroEmulator, str, str],
) -> None:
    """The runner holding the book is SIGKILLed mid-run (left unreaped, so its lease must run
    out); a waiting runner takes the book over, recovers and finishes: each order billed once."""
    emulator, base_url, journal = served
    org = emulator.organisations[ORGANISATION]
    first = start(base_url, journal, lease=3)
    deadline = time.monotonic() + WAIT_SECONDS
    while first.poll() is None and len(org.mails) < ORDERS // 5 and time.monotonic() < deadline:
        time.sleep(0.005)
    assert first.poll() is None, "the first runner was still running when it was killed"
    # Started while the first still holds the book, so they have to wait for it.
    waiting = [start(base_url, journal, lease=3) for _ in range(RUNNERS - 1)]
    time.sleep(0.5)
    first.send_signal(signal.SIGKILL)
    killed_at = datetime.now(UTC)
    reports = []
    for runner in waiting:
        out, err = runner.communicate(timeout=WAIT_SECONDS + 60)
        assert runner.returncode == 0, err[-2000:]
        reports.append(json.loads(out.strip().splitlines()[-1]))
    first.communicate(timeout=10)  # reaped only now: until here it held the book as a zombie
    assert first.returncode == -signal.SIGKILL
    with Store(journal) as store:
        taken_over = min(datetime.fromisoformat(entry.at) for entry in store.log(book=BOOK)
                         if entry.outcome in ("recovered", "rolled_back"))
    # The lease (3 s) was renewed at most a third of it before the kill, so it ran out 2 s
    # or more after; a dead process's lease taken over at once would be well under that.
    assert taken_over - killed_at >= timedelta(seconds=1.5), (
        "the book was taken over only after the dead runner's lease ran out")
    assert_billed_once(emulator, journal)
    finishing = [r for r in reports if r["summary"]["invoices_created"]
                 or r["summary"]["recovered"]]
    assert len(finishing) == 1, "one runner took over and finished; the rest found it done"
