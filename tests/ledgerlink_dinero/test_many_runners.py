"""Several processes invoice the same work on one Dinero organisation and one journal.

One run holds the book at a time; the others wait for it, then find the work done.
Everything is counted from the emulator's state (served by this process on
127.0.0.1, so it outlives killed runners), not from the journal. The same tests
run with the journal on PostgreSQL in tests/postgres/test_dinero_runners.py.
"""

from __future__ import annotations

import subprocess
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
from tests.runners import (
    assert_one_runner_did_the_work,
    assert_taken_over_after_the_lease,
    kill_the_holder_mid_run,
    reports_of,
    start_job,
)

JOB = "tests.ledgerlink_dinero.many_job"
ORGANISATION = "518274"
BOOK = f"dinero-{ORGANISATION}"
ORDERS = 500
RUNNERS = 4
#: Longest any runner may take (each waits for those before it).
WAIT_SECONDS = 240
#: Seconds the runner killed mid-run holds the book for (the longest it stays held).
LEASE = 3


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
    return start_job(JOB, base_url, ORGANISATION, journal, ORDERS, lease, wait)


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
    reports = reports_of(runners, WAIT_SECONDS + 60)
    assert_billed_once(emulator, journal)
    assert_one_runner_did_the_work(reports, journal, BOOK, ORDERS)
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
    reports, killed_at = kill_the_holder_mid_run(
        lambda: start(base_url, journal, lease=LEASE), lambda: len(org.mails), ORDERS // 5,
        waiting=RUNNERS - 1, timeout=WAIT_SECONDS + 60)
    assert_taken_over_after_the_lease(reports, journal, BOOK, killed_at, LEASE)
    assert_billed_once(emulator, journal)
