"""Progress that survives a kill: intents just ahead of their writes, outcomes committed as
they arrive, and recovery that looks intents up in bulk and commits as it goes."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from ledgerlink import (
    BillingPolicy,
    Company,
    Customer,
    InvoiceDraft,
    Posting,
    RemoteInvoice,
    WorkLine,
    WorkOrder,
    WorkStatus,
)
from ledgerlink.api import invoice
from ledgerlink.connector import ProductRefs
from ledgerlink.recovery import RECOVERY_CHUNK
from ledgerlink.runner import Runner
from ledgerlink.sandbox.connector import SandboxConnector
from ledgerlink.store import Store, Transaction

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
COMPANY = Company("Commit ApS", policy=BillingPolicy(Posting.BOOK, send=False))
#: Invoices created before the journal is inspected (mid-wave: the wave is wider).
INSPECT_AT = 150
WIDTH = 300


class Crash(BaseException):
    """Stands in for the process dying: nothing in the runner catches it."""


def people(n: int) -> list[Customer]:
    return [Customer(id=f"c{i}", name=f"Customer {i}", email=f"c{i}@example.dk")
            for i in range(n)]


def work(n: int) -> list[WorkOrder]:
    return [WorkOrder(id=f"w{i}", customer_id=f"c{i}", completed_at=NOW - timedelta(hours=1),
                      status=WorkStatus.COMPLETED,
                      lines=[WorkLine("Hours", Decimal(1), Decimal("450"))])
            for i in range(n)]


class Inspecting(SandboxConnector):
    """A book that looks at the journal when its INSPECT_AT-th invoice is being created."""

    def __init__(self, path: Path, journal: Store) -> None:
        super().__init__(path, latency=0.003)
        self.journal = journal
        self.creates = 0
        self.lock = threading.Lock()
        self.seen: dict[str, int] = {}

    def create_invoice(self, draft: InvoiceDraft, customer_ref: str,
                       products: ProductRefs) -> RemoteInvoice:
        with self.lock:
            self.creates += 1
            if self.creates == INSPECT_AT:
                ops = self.journal.ops(self.account, (f"create:inv:w{i}" for i in range(WIDTH)))
                self.seen = {
                    "intent": sum(1 for op in ops.values() if op.state == "intent"),
                    "done": sum(1 for op in ops.values() if op.state == "done"),
                }
        return super().create_invoice(draft, customer_ref, products)


def test_intents_run_only_a_little_ahead_and_outcomes_land_as_they_arrive(
    tmp_path: Path,
) -> None:
    """Mid-way through a 300-wide wave of creates, few intents are open and most finished
    creates are already committed as done (not held back to the wave's end)."""
    journal = Store(tmp_path / "journal.db")
    book = Inspecting(tmp_path / "book.db", journal)
    result = invoice(work(WIDTH), people(WIDTH), COMPANY, book, now=NOW, store=journal)
    assert result.summary["invoices_created"] == WIDTH
    # Open: those in flight (4), the group committed ahead and the outcomes that
    # finished within the last flush interval; a whole wave (300) before the change.
    assert book.seen["intent"] <= 80, book.seen
    assert book.seen["done"] >= INSPECT_AT - 80, book.seen


class CountingLookups(SandboxConnector):
    """A book that counts look-ups, and dies on the ``die_on``-th batched one."""

    def __init__(self, path: Path, die_on: int | None = None) -> None:
        super().__init__(path)
        self.batched: list[int] = []
        self.single = 0
        self.die_on = die_on

    def find_invoices(self, keys: Sequence[str]) -> dict[str, RemoteInvoice]:
        self.batched.append(len(keys))
        if self.die_on is not None and len(self.batched) == self.die_on:
            raise Crash
        found = {}
        for key in keys:
            invoice = SandboxConnector.find_invoice(self, key)
            if invoice is not None:
                found[key] = invoice
        return found

    def find_invoice(self, key: str) -> RemoteInvoice | None:
        self.single += 1
        return super().find_invoice(key)


def crashed_journal(tmp_path: Path, n: int) -> tuple[Path, Store]:
    """A book holding n invoices made by a run that died before committing any outcome."""
    path = tmp_path / "book.db"
    journal = Store(tmp_path / "journal.db")
    done = invoice(work(n), people(n), COMPANY, SandboxConnector(path), now=NOW,
                   store=journal)
    assert done.summary["invoices_created"] == n
    # Put the creates back to ``intent``, as a run killed before its outcomes' commit leaves them.
    book = SandboxConnector(path).account
    tx = Transaction(book)
    for i in range(n):
        tx.op(f"create:inv:w{i}", "create_invoice", "intent", f"c{i}", f"inv:w{i}", "dead-run")
        tx.update_invoice(f"inv:w{i}", pending=True, remote_id=None)
    journal.write(tx)
    assert len(journal.unresolved(book)) == n
    return path, journal


def test_recovery_looks_intents_up_in_chunks(tmp_path: Path) -> None:
    """2,500 open create intents are reconciled with 3 batched look-ups and no single ones."""
    path, journal = crashed_journal(tmp_path, 2500)
    book = CountingLookups(path)
    recovered = Runner(book, journal).recover()
    assert [o.status for o in recovered].count("recovered") == 2500
    assert book.batched == [RECOVERY_CHUNK, RECOVERY_CHUNK, 500] and book.single == 0
    assert journal.unresolved(book.account) == []


def test_a_kill_during_recovery_keeps_the_chunks_it_finished(tmp_path: Path) -> None:
    """Recovery dies on its second look-up: the first chunk's resolutions are committed."""
    path, journal = crashed_journal(tmp_path, 2500)
    with pytest.raises(Crash):
        Runner(CountingLookups(path, die_on=2), journal).recover()
    assert len(journal.unresolved(SandboxConnector(path).account)) == 2500 - RECOVERY_CHUNK
    again = CountingLookups(path)
    Runner(again, journal).recover()
    assert again.batched == [RECOVERY_CHUNK, 500]
    assert journal.unresolved(again.account) == []


class Legacy:
    """A plugin connector written before find_invoices existed (no BaseConnector): every
    other call goes to a sandbox book, and its single look-ups are counted."""

    def __init__(self, book: SandboxConnector) -> None:
        self._book = book
        self.single = 0

    def find_invoice(self, key: str) -> RemoteInvoice | None:
        self.single += 1
        return self._book.find_invoice(key)

    def __getattr__(self, name: str) -> object:
        if name == "find_invoices":
            raise AttributeError(name)
        return getattr(self._book, name)


def test_recovery_asks_a_connector_without_find_invoices_key_by_key(tmp_path: Path) -> None:
    """A connector lacking the batched look-up is still recovered, one find_invoice per key."""
    path, journal = crashed_journal(tmp_path, 40)
    legacy = Legacy(SandboxConnector(path))
    recovered = Runner(legacy, journal).recover()  # type: ignore[arg-type]
    assert [o.status for o in recovered].count("recovered") == 40 and legacy.single == 40
    assert journal.unresolved(legacy._book.account) == []
