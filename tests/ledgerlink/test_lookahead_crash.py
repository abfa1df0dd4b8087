"""Crash safety of intents committed ahead, with real processes: one big customer's run is
SIGKILLed mid-lane and re-run; every work order is invoiced and emailed once."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from ledgerlink.sandbox.book import KILL_AFTER_WRITES_ENV
from ledgerlink.sandbox.connector import SandboxConnector
from ledgerlink.store import OpRecord, Store
from tests.crashes import kill_mid_run
from tests.ledgerlink.lookahead_crash_job import ORDERS_COUNT
from tests.ledgerlink.test_runner_crash import book_rows

JOB = Path(__file__).with_name("lookahead_crash_job.py")
#: Upper bound on re-runs before a test gives up (each run makes progress).
MAX_RUNS = 60
#: Longest wait for a job to reach its kill point.
WAIT_SECONDS = 60


def run_job(book: Path, journal: Path, *, kill_after: int | None = None,
            latency: float = 0.0) -> subprocess.Popen[bytes]:
    """Start the job; it kills itself after ``kill_after`` provider writes, if given."""
    env = {name: value for name, value in os.environ.items() if name != KILL_AFTER_WRITES_ENV}
    env |= {KILL_AFTER_WRITES_ENV: str(kill_after)} if kill_after is not None else {}
    return subprocess.Popen([sys.executable, str(JOB), str(book), str(journal), str(latency)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def never_started(book_path: Path, journal: Path) -> list[OpRecord]:
    """The open intents whose writes the book shows never happened: committed ahead."""
    if not journal.exists() or not book_path.exists():
        return []
    book = SandboxConnector(book_path)
    untouched = []
    for op in Store(journal).unresolved(book.account):
        invoice = book.find_invoice(op.subject) if op.subject.startswith("inv:") else None
        if ((op.kind == "create_invoice" and invoice is None)
                or (op.kind == "book" and (invoice is None or not invoice.booked))
                or (op.kind == "send" and (invoice is None or not invoice.sent))):
            untouched.append(op)
    book.close()
    return untouched


def assert_each_order_invoiced_once(book_path: Path, journal: Path) -> None:
    book = SandboxConnector(book_path)
    invoices = book.invoices()
    billed = Counter(key for inv in invoices for key in set(inv.line_keys))
    assert billed == Counter({f"wo:w{i}": 1 for i in range(ORDERS_COUNT)})
    assert len(invoices) == ORDERS_COUNT and all(i.booked for i in invoices)
    assert sorted(int(i.number or 0) for i in invoices) == list(range(1, ORDERS_COUNT + 1))
    assert Counter(e.invoice_id for e in book.outbox()) == Counter(
        {i.provider_id: 1 for i in invoices}), "each invoice emailed once"
    assert not Store(journal).unresolved(book.account)
    assert not Store(journal).log(outcome="ambiguous"), "no send that never started is in doubt"


@pytest.mark.slow
@pytest.mark.parametrize("kill_after", [7, 30])
def test_sigkill_mid_lane_after_a_committed_write_then_rerun(
    tmp_path: Path, kill_after: int,
) -> None:
    """Each run dies right after N provider writes, with later intents of the lane committed
    ahead and not started; recovery rolls those back and the re-runs invoice each order once."""
    book, journal = tmp_path / "book.db", tmp_path / "journal.db"
    ahead: list[int] = []  # per kill: the intents committed ahead that never started
    while (code := run_job(book, journal, kill_after=kill_after).wait(timeout=120)) != 0:
        assert code == -signal.SIGKILL and len(ahead) < MAX_RUNS, code
        ahead.append(len(never_started(book, journal)))
    assert ahead, "the kill point was reached"
    assert sum(ahead) >= 1, "some kill left intents committed ahead of their writes"
    assert_each_order_invoiced_once(book, journal)


@pytest.mark.slow
@pytest.mark.parametrize("latency", [0.0, 0.002])
def test_sigkill_from_outside_mid_lane_then_rerun(tmp_path: Path, latency: float) -> None:
    """The parent SIGKILLs the one customer's run at random moments (inline, and in threads
    with latency); a final clean run leaves every order invoiced and emailed once."""
    book, journal = tmp_path / "book.db", tmp_path / "journal.db"
    kills = kill_mid_run(lambda: run_job(book, journal, latency=latency),
                         lambda: book_rows(book), random.Random(20261207), attempts=6,
                         least=3, most=25, wait_seconds=WAIT_SECONDS)
    final = run_job(book, journal)
    _, err = final.communicate(timeout=120)
    assert final.returncode == 0, err.decode()
    assert kills >= 1
    assert_each_order_invoiced_once(book, journal)
