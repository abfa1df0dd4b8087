"""Actions on an invoice survive SIGKILL: a process killed right after the provider voided,
deleted or e-mailed, then run again, leaves each action done once and nothing unresolved."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

import ledgerlink as ll
from ledgerlink.sandbox.book import KILL_AFTER_WRITES_ENV
from ledgerlink.sandbox.connector import SandboxConnector
from ledgerlink.store import Store

JOB = Path(__file__).with_name("invoice_actions_crash_job.py")
NOW = datetime.now(UTC)
#: The action asked of each invoice: a booked one voided, one e-mailed, a draft deleted.
ACTIONS = (("void", "inv:w0"), ("send", "inv:w1"), ("delete", "draft:c2:1"))


def job(book: Path, journal: Path, action: str, key: str, *,
        kill_after: int | None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop(KILL_AFTER_WRITES_ENV, None)
    if kill_after is not None:
        env[KILL_AFTER_WRITES_ENV] = str(kill_after)
    return subprocess.run([sys.executable, str(JOB), str(book), str(journal), action, key],
                          env=env, capture_output=True, text=True, timeout=120)


def invoiced(book: Path, journal: Path) -> None:
    people = [ll.Customer(id=f"c{i}", name=f"Customer {i}", email=f"c{i}@example.dk",
                          policy=ll.PolicyOverride(posting=ll.Posting.DRAFT) if i == 2 else None)
              for i in range(3)]
    work = [ll.WorkOrder(id=f"w{i}", customer_id=f"c{i}", status=ll.WorkStatus.COMPLETED,
                         completed_at=NOW - timedelta(hours=1),
                         lines=[ll.WorkLine("Hours", Decimal(2), Decimal("300"))])
            for i in range(3)]
    company = ll.Company("Crash ApS", policy=ll.BillingPolicy(ll.Posting.BOOK, send=False))
    assert ll.invoice(work, people, company, SandboxConnector(book), store=journal).ok


@pytest.mark.slow
def test_sigkill_right_after_each_action_then_rerun(tmp_path: Path) -> None:
    """Each action's process is SIGKILLed right after its provider write; the rerun
    recovers it from the provider and reports it already done: done once each."""
    book_path, journal = tmp_path / "book.db", tmp_path / "journal.db"
    invoiced(book_path, journal)
    for action, key in ACTIONS:
        killed = job(book_path, journal, action, key, kill_after=1)
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        assert [op.subject for op in Store(journal).unresolved(SandboxConnector(
            book_path).account)] == [key], "the killed action left its intent"
        rerun = job(book_path, journal, action, key, kill_after=None)
        assert rerun.returncode == 0, rerun.stderr
        assert rerun.stdout.strip() == "already_done"
    book = SandboxConnector(book_path)
    ids = Store(journal).invoice_ids(book.account)
    by_key = {i.key: i for i in book.invoices()}
    assert by_key["inv:w0"].voided and not by_key["inv:w1"].voided
    assert Counter(e.invoice_id for e in book.outbox()) == Counter({ids["inv:w1"]: 1})
    assert by_key["draft:c2:1"].deleted
    store = Store(journal)
    assert not store.unresolved(book.account)
    recovered = [(e.action, e.subject) for e in store.log(book=book.account, outcome="recovered")]
    assert recovered == [("void_invoice", "inv:w0"), ("send_invoice", "inv:w1"),
                         ("delete_invoice", "draft:c2:1")]
    statuses = {f.key: f.status(NOW.date()) for f in store.invoice_facts(book.account)}
    assert statuses["inv:w0"] == ll.InvoiceStatus.VOID
    assert statuses["draft:c2:1"] == ll.InvoiceStatus.DELETED
