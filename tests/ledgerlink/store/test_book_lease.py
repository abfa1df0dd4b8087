"""One run per book: the lease in the store, its fence on commits, and how runs meet it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from ledgerlink import BillingPolicy, Company, Customer, Posting, WorkLine, WorkOrder, WorkStatus
from ledgerlink.api import invoice
from ledgerlink.errors import BookBusyError, LeaseLost
from ledgerlink.sandbox.connector import SandboxConnector
from ledgerlink.store import Store, Transaction
from ledgerlink.store import schema as t
from ledgerlink.store.leases import Fence

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
COMPANY = Company("Lease ApS", policy=BillingPolicy(Posting.BOOK, send=True))
MINUTE = timedelta(minutes=1)


def customers(n: int) -> list[Customer]:
    return [Customer(id=f"c{i}", name=f"Customer {i}", email=f"c{i}@example.dk")
            for i in range(n)]


def orders(n: int, n_customers: int) -> list[WorkOrder]:
    return [WorkOrder(id=f"w{i}", customer_id=f"c{i % n_customers}",
                      completed_at=NOW - timedelta(hours=1), status=WorkStatus.COMPLETED,
                      lines=[WorkLine("Hours", Decimal(2), Decimal("450"))])
            for i in range(n)]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "journal.db")


def other_host_holder() -> str:
    return f"elsewhere-{socket.gethostname()}:4242:cafe"


def test_a_held_book_is_busy_for_a_second_holder(store: Store) -> None:
    """While one holder's lease lasts, another gets BookBusyError naming the run and holder."""
    store.acquire_book("b1", other_host_holder(), "run-a", MINUTE)
    with pytest.raises(BookBusyError) as caught:
        store.acquire_book("b1", "me:1:x", "run-b", MINUTE)
    assert caught.value.run_id == "run-a" and caught.value.holder == other_host_holder()
    assert "book b1 is busy" in str(caught.value)


def test_other_books_are_not_held_by_a_lease(store: Store) -> None:
    """A lease holds one book; another book of the same store is free."""
    store.acquire_book("b1", other_host_holder(), "run-a", MINUTE)
    held = store.acquire_book("b2", "me:1:x", "run-b", MINUTE)
    assert held.book == "b2" and held.taken_over is None


def test_an_expired_lease_is_taken_over(store: Store) -> None:
    """A lease that ran out (its runner died on another host) is taken over at once."""
    store.acquire_book("b1", other_host_holder(), "run-a", timedelta(microseconds=1))
    held = store.acquire_book("b1", "me:1:x", "run-b", MINUTE)
    assert held.taken_over == other_host_holder()


def test_a_dead_local_process_lease_is_taken_over_before_it_runs_out(store: Store) -> None:
    """A holder on this host whose process is gone does not keep the book for its lease."""
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)
    dead = f"{socket.gethostname()[:120]}:{child.stdout.strip()}:dead"
    store.acquire_book("b1", dead, "run-a", timedelta(hours=1))
    held = store.acquire_book("b1", "me:1:x", "run-b", MINUTE)
    assert held.taken_over == dead


def test_a_killed_unreaped_local_process_lease_is_taken_over(store: Store) -> None:
    """A holder on this host SIGKILLed but not yet reaped by its parent (a zombie, which
    still answers signals) does not keep the book for its lease."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        killed = f"{socket.gethostname()[:120]}:{child.pid}:killed"
        store.acquire_book("b1", killed, "run-a", timedelta(hours=1))
        child.kill()
        # Wait for it to exit, leaving it unreaped (WNOWAIT): a zombie.
        os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)
        os.kill(child.pid, 0)  # still there to signals
        held = store.acquire_book("b1", "me:1:x", "run-b", MINUTE)
    finally:
        child.kill()
        child.wait()
    assert held.taken_over == killed


def test_a_live_local_process_keeps_its_lease(store: Store) -> None:
    """A holder on this host whose process still runs keeps the book."""
    alive = f"{socket.gethostname()[:120]}:{os.getppid()}:alive"
    store.acquire_book("b1", alive, "run-a", timedelta(hours=1))
    with pytest.raises(BookBusyError):
        store.acquire_book("b1", "me:1:x", "run-b", MINUTE)


def test_release_frees_the_book_and_wait_takes_it_when_freed(store: Store) -> None:
    """A waiting acquirer gets the book once its holder releases it, within its wait."""
    first = store.acquire_book("b1", other_host_holder(), "run-a", MINUTE)
    timer = threading.Timer(0.3, store.release_book, (first,))
    timer.start()
    held = store.acquire_book("b1", "me:1:x", "run-b", MINUTE, wait=timedelta(seconds=20))
    timer.join()
    assert held.holder == "me:1:x" and held.taken_over is None


def test_the_fence_refuses_a_commit_after_the_lease_was_taken_over(store: Store) -> None:
    """A run whose lease was taken over commits nothing more: LeaseLost, the rows rolled back."""
    mine = store.acquire_book("b1", other_host_holder(), "run-a", timedelta(microseconds=1))
    store.acquire_book("b1", "taker:2:y", "run-b", MINUTE)
    tx = Transaction("b1")
    tx.op("create:inv:w1", "create_invoice", "intent", "c1", "inv:w1", "run-a")
    with pytest.raises(LeaseLost):
        store.write(tx, Fence(mine, MINUTE))
    assert store.unresolved("b1") == []


def test_the_fence_renews_the_lease(store: Store) -> None:
    """Every fenced commit moves the lease's end forward."""
    held = store.acquire_book("b1", "me:1:x", "run-a", timedelta(seconds=1))
    with store.engine.connect() as conn:
        before = conn.execute(sa.select(t.book_leases.c.lease_until)).scalar_one()
    store.write(Transaction("b1"), Fence(held, timedelta(hours=1)))
    with store.engine.connect() as conn:
        after = conn.execute(sa.select(t.book_leases.c.lease_until)).scalar_one()
    assert datetime.fromisoformat(after) - datetime.fromisoformat(before) > timedelta(minutes=50)


def test_a_run_on_a_held_book_is_refused_and_touches_nothing(tmp_path: Path,
                                                             store: Store) -> None:
    """ll.invoice on a book another live run holds raises BookBusyError before any write."""
    book = SandboxConnector(tmp_path / "book.db")
    store.acquire_book(book.account, other_host_holder(), "live-run", MINUTE)
    with pytest.raises(BookBusyError):
        invoice(orders(3, 2), customers(2), COMPANY, book, now=NOW, store=store)
    assert book.invoices() == [] and store.runs(book=book.account) == []


def test_a_run_releases_its_book_when_it_ends(tmp_path: Path, store: Store) -> None:
    """After a run (and after a run that raised), the next run gets the book at once."""
    book = SandboxConnector(tmp_path / "book.db")
    first = invoice(orders(3, 2), customers(2), COMPANY, book, now=NOW, store=store)
    with pytest.raises(ZeroDivisionError):
        invoice(orders(3, 2), customers(2), COMPANY, book, now=NOW, store=store,
                progress=lambda done, total: 1 / 0)
    again = invoice(orders(4, 2), customers(2), COMPANY, book, now=NOW, store=store)
    assert first.summary["invoices_created"] == 3 and again.summary["invoices_created"] == 1
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.book_leases)).scalar() == 0


def test_a_run_that_loses_its_lease_stops_before_another_intent(tmp_path: Path,
                                                               store: Store) -> None:
    """Taken over mid-run, a run raises LeaseLost: no write starts without an intent committed
    before the takeover."""
    # Calls that take a few milliseconds, as a provider's do: intents are committed only
    # about GROUP_SECONDS of work ahead, so a book this fast would be all journaled at once.
    book = SandboxConnector(tmp_path / "book.db", latency=0.005)
    journaled_at_takeover: set[str] = set()

    def take_over(done: int, total: int) -> None:
        if done >= 60 and not journaled_at_takeover:
            with store.engine.begin() as conn:
                conn.execute(sa.update(t.book_leases).values(holder="taker:9:z"))
                journaled_at_takeover.update(conn.execute(
                    sa.select(t.operations.c.op_key)).scalars())

    with pytest.raises(LeaseLost):
        invoice(orders(40, 40), customers(40), COMPANY, book, now=NOW, store=store,
                workers=1, progress=take_over)
    created = {f"create:{i.key}" for i in book.invoices()}
    assert created, "the run had invoiced something before it was taken over"
    assert created <= journaled_at_takeover
    assert len(book.outbox()) < 40, "the run stopped before the end"


def test_a_second_runner_waits_for_the_first_and_finds_nothing_left(tmp_path: Path,
                                                                   store: Store) -> None:
    """Two threads run the same work on one book: one invoices, the other waits, then adds 0."""
    path = tmp_path / "book.db"
    results = []

    def one() -> None:
        book = SandboxConnector(path, latency=0.002)
        results.append(invoice(orders(30, 5), customers(5), COMPANY, book, now=NOW,
                               store=Store(store.url), wait=timedelta(seconds=60)))

    threads = [threading.Thread(target=one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    created = sorted(r.summary["invoices_created"] for r in results)
    assert created == [0, 30]
    assert all(not r.recovered for r in results), "no live intent was recovered"
    keys = [i.key for i in SandboxConnector(path).invoices()]
    assert len(keys) == len(set(keys)) == 30


def test_work_kept_off_invoices_by_policy_is_logged_once(tmp_path: Path, store: Store) -> None:
    """posting=none: each such work order gets one transfer-log entry naming the policy,
    on its first run only."""
    from ledgerlink import PolicyOverride

    book = SandboxConnector(tmp_path / "book.db")
    people = customers(2)
    people[1] = Customer(id="c1", name="Customer 1", email="c1@example.dk",
                         policy=PolicyOverride(posting=Posting.NONE))
    first = invoice(orders(4, 2), people, COMPANY, book, now=NOW, store=store)
    second = invoice(orders(6, 2), people, COMPANY, book, now=NOW, store=store)
    skipped = [e for e in store.log(book=book.account) if e.action == "skip"]
    assert sorted(e.subject for e in skipped) == ["w1", "w3", "w5"]
    assert {e.run_id for e in skipped if e.subject in ("w1", "w3")} == {first.run_id}
    assert [e.subject for e in skipped if e.run_id == second.run_id] == ["w5"]
    assert all(e.message == "not invoiced: posting=none (customer c1's policy)"
               and e.customer_id == "c1" for e in skipped)
    assert first.summary["skipped_by_policy"] == 2


class SlowBook(SandboxConnector):
    """A remote-like book (no in-flight cap of its own, as with latency) whose invoice
    creates take 2 s; ``creating`` is set when one starts."""

    creating = threading.Event()

    def create_invoice(self, draft: object, customer_ref: str, products: object) -> object:
        self.creating.set()
        threading.Event().wait(2.0)
        return super().create_invoice(draft, customer_ref, products)  # type: ignore[arg-type]


def test_the_lease_is_renewed_while_a_slow_call_is_in_flight(tmp_path: Path,
                                                           store: Store) -> None:
    """A call outlasting the lease (even with one worker) does not let another run take the
    book: the runner renews while it waits."""
    SlowBook.creating = threading.Event()
    book = SlowBook(tmp_path / "book.db", latency=0.001)
    assert book.max_in_flight is None
    done = []
    worker = threading.Thread(target=lambda: done.append(invoice(
        orders(1, 1), customers(1), COMPANY, book, now=NOW, store=Store(store.url),
        workers=1, lease=timedelta(seconds=0.6))))
    worker.start()
    try:
        assert book.creating.wait(timeout=30)
        threading.Event().wait(1.0)  # inside the 2 s create, past the 0.6 s lease
        with pytest.raises(BookBusyError):
            store.acquire_book(book.account, other_host_holder(), "intruder", MINUTE)
    finally:
        worker.join(timeout=30)
    assert done and done[0].summary["invoices_created"] == 1
