"""Crash safety with real processes: SIGKILL mid-run, re-run, nothing billed twice or lost."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from ledgerlink.sandbox.connector import SandboxConnector
from ledgerlink.store import Store

JOB = Path(__file__).with_name("runner_crash_job.py")
#: Upper bound on re-runs before a test gives up (each run makes progress).
MAX_RUNS = 60
#: Longest wait for a job to reach its kill point.
WAIT_SECONDS = 60
WORK = {f"wo:w{i}" for i in range(12)}


def run_job(book: Path, journal: Path, *, kill_after: int | None = None,
            latency: float = 0.0) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env.pop("LEDGERLINK_SANDBOX_KILL_AFTER_WRITES", None)
    if kill_after is not None:
        env["LEDGERLINK_SANDBOX_KILL_AFTER_WRITES"] = str(kill_after)
    return subprocess.Popen([sys.executable, str(JOB), str(book), str(journal), str(latency)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def assert_exactly_once(book_path: Path, journal: Path) -> None:
    book = SandboxConnector(book_path)
    invoices = book.invoices()
    billed: Counter[str] = Counter()
    for inv in invoices:
        billed.update(set(inv.line_keys))
    assert set(billed) == WORK, "no work is lost"
    assert all(count == 1 for count in billed.values()), f"billed twice: {billed}"
    booked = [i for i in invoices if i.key and i.key.startswith("inv:")]
    assert len(booked) == 9 and all(i.booked for i in booked)
    numbers = sorted(int(i.number or 0) for i in booked)
    assert numbers == list(range(1, 10)), "invoice numbers stay gapless"
    emails = Counter(e.invoice_id for e in book.outbox())
    assert emails == Counter({i.provider_id: 1 for i in booked}), "each invoice emailed once"
    drafts = [i for i in invoices if i.key and i.key.startswith("draft:")]
    assert len(drafts) == 1 and not drafts[0].booked
    assert not Store(journal).unresolved(book.account)


@pytest.mark.slow
@pytest.mark.parametrize("kill_after", [2, 5, 11])
def test_sigkill_right_after_a_committed_write_then_rerun(tmp_path: Path, kill_after: int) -> None:
    """Each run is SIGKILLed after N committed provider writes; re-runs finish exactly once."""
    book, journal = tmp_path / "book.db", tmp_path / "journal.db"
    kills = 0
    for _ in range(MAX_RUNS):
        proc = run_job(book, journal, kill_after=kill_after)
        _, err = proc.communicate(timeout=120)
        if proc.returncode == 0:
            break
        assert proc.returncode == -signal.SIGKILL, err.decode()
        kills += 1
    else:
        pytest.fail("the job never finished")
    assert kills >= 1, "the kill point was reached at least once"
    assert_exactly_once(book, journal)


@pytest.mark.slow
def test_sigkill_from_outside_at_random_moments_then_rerun(tmp_path: Path) -> None:
    """The parent SIGKILLs the runner at random moments; a final clean run leaves exactly once."""
    book, journal = tmp_path / "book.db", tmp_path / "journal.db"
    rng = random.Random(20261122)
    kills = 0
    for _ in range(8):
        # Kill once the book has gained a random number of rows, so the crash lands
        # in the middle of the work (a timer would mostly hit the interpreter's start-up).
        target = book_rows(book) + rng.randint(1, 6)
        proc = run_job(book, journal, latency=0.01)
        deadline = time.monotonic() + WAIT_SECONDS
        while proc.poll() is None and book_rows(book) < target and time.monotonic() < deadline:
            time.sleep(0.002)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.communicate(timeout=120)
    written_before_final = book_rows(book)
    final = run_job(book, journal)
    _, err = final.communicate(timeout=120)
    assert final.returncode == 0, err.decode()
    assert kills >= 1
    assert written_before_final > 0, "the killed runs had written something before dying"
    assert_exactly_once(book, journal)


def book_rows(path: Path) -> int:
    """Customers, invoices and sent emails in the book so far (0 before it exists)."""
    if not path.exists():
        return 0
    with sqlite3.connect(path, timeout=10) as conn:
        tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
        return sum(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                   for table in ("customers", "invoices", "outbox") if table in tables)
