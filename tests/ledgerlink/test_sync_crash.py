"""A sync survives SIGKILL: killed right after the provider created a customer or product,
then run again until it finishes, the provider holds each chosen one exactly once."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from ledgerlink.sandbox.book import KILL_AFTER_WRITES_ENV
from ledgerlink.sandbox.connector import SandboxConnector
from ledgerlink.store import Store
from tests.ledgerlink.sync_crash_job import CUSTOMERS, PERSONS, PRODUCTS, SERVICES

JOB = Path(__file__).with_name("sync_crash_job.py")
#: Upper bound on runs before the test gives up (each killed run creates something).
MAX_RUNS = 30


def job(book: Path, journal: Path, kill_after: int | None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop(KILL_AFTER_WRITES_ENV, None)
    if kill_after is not None:
        env[KILL_AFTER_WRITES_ENV] = str(kill_after)
    return subprocess.run([sys.executable, str(JOB), str(book), str(journal)], env=env,
                          capture_output=True, text=True, timeout=120)


def made(book: Path, table: str) -> Counter[str]:
    """How many rows of ``table`` the sandbox book holds per ledgerlink id."""
    with sqlite3.connect(book) as db:
        return Counter(r[0] for r in db.execute(f"SELECT external_ref FROM {table}"))


@pytest.mark.slow
@pytest.mark.parametrize("kill_after", [1, 2, 5])
def test_sigkill_after_a_create_then_rerun_creates_each_once(tmp_path: Path,
                                                             kill_after: int) -> None:
    """Every run is SIGKILLed after N creates at the provider, runs again until one ends by
    itself: each person with an e-mail and each service exists once, nothing else, and no
    intent is left unresolved."""
    book, journal = tmp_path / "book.db", tmp_path / "journal.db"
    kills = 0
    for _ in range(MAX_RUNS):
        run = job(book, journal, kill_after)
        if run.returncode != -signal.SIGKILL:
            assert run.returncode == 0, run.stderr
            assert int(run.stdout) >= 1, "the last run settled what the killed one left"
            break
        kills += 1
        assert Store(journal).unresolved(SandboxConnector(book).account), (
            "the killed run left its intent")
    else:
        pytest.fail("the sync never finished")
    assert kills >= 2, "the kills happened mid-sync"
    assert made(book, "customers") == Counter(c.id for c in CUSTOMERS if PERSONS.passes(c))
    assert made(book, "products") == Counter(p.id for p in PRODUCTS if SERVICES.passes(p))
    account = SandboxConnector(book).account
    store = Store(journal)
    assert not store.unresolved(account)
    with sqlite3.connect(book) as db:
        tagged = {ref: f"C-{rowid:05d}" for rowid, ref in db.execute(
            "SELECT id, external_ref FROM customers")}
    assert store.refs(account, "customers") == tagged, "each link names the one created"
    log = store.log(book=account)
    assert any(e.outcome == "rolled_back" for e in log), "a killed create was left as intent"
    assert any(e.outcome == "ok" and e.message == "found" for e in log), (
        "a rerun found what a killed run created instead of creating it again")
