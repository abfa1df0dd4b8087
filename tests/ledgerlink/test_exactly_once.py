"""Exactly-once as a property: any crash schedule, any policy mix, re-runs until done."""

from __future__ import annotations

import tempfile
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledgerlink import (
    BillingPolicy,
    Company,
    Customer,
    PolicyOverride,
    Posting,
    WorkLine,
    WorkOrder,
    WorkStatus,
)
from ledgerlink.api import invoice
from ledgerlink.sandbox.connector import SandboxConnector
from ledgerlink.store import Store

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
WRITES = ("create_customer", "create_invoice", "replace_lines", "book", "send", "credit")
#: Runs allowed before a schedule is declared stuck (each crash consumes one run).
MAX_RUNS = 40


class Crash(BaseException):
    """The process dying: nothing in ledgerlink catches a BaseException."""


class CrashingBook(SandboxConnector):
    """Dies at scheduled remote writes, before or after the write reaches the book."""

    def __init__(self, path: Path, schedule: dict[int, bool]) -> None:
        super().__init__(path)
        self.schedule = schedule  # write number -> crash after (True) or before (False)
        self.writes = 0

    def _write(self, method: str, *args: Any) -> Any:
        self.writes += 1
        after = self.schedule.pop(self.writes, None)
        if after is False:
            raise Crash(method)
        result = getattr(SandboxConnector, method)(self, *args)
        if after:
            raise Crash(method)
        return result


for _name in WRITES:
    setattr(CrashingBook, _name,
            lambda self, *args, _n=_name: self._write(_n, *args))  # type: ignore[misc]


def customers(postings: list[Posting]) -> list[Customer]:
    return [Customer(id=f"c{i}", name=f"C{i}", email=f"c{i}@example.dk",
                     policy=PolicyOverride(posting=posting))
            for i, posting in enumerate(postings)]


def orders(n_customers: int, quantities: list[int]) -> list[WorkOrder]:
    return [WorkOrder(id=f"w{i}", customer_id=f"c{i % n_customers}",
                      status=WorkStatus.COMPLETED, completed_at=NOW - timedelta(hours=1),
                      lines=[WorkLine("Hours", Decimal(q), Decimal("100"))])
            for i, q in enumerate(quantities)]


def live_billing(book: SandboxConnector) -> Counter[str]:
    """Work order key -> number of live invoices (not credited, deleted or voided) billing it."""
    invoices = book.invoices()
    credited = {i.credit_for for i in invoices if i.credit_for}
    counts: Counter[str] = Counter()
    for inv in invoices:
        if not (inv.credit_for or inv.deleted or inv.voided or inv.provider_id in credited):
            counts.update(set(inv.line_keys))
    return counts


def run_until_done(path: Path, journal: Path, work: list[WorkOrder], people: list[Customer],
                   company: Company, schedule: dict[int, bool]) -> int:
    """Run the job until one run finishes without crashing; return how many crashed."""
    crashes = 0
    for _ in range(MAX_RUNS):
        book = CrashingBook(path, schedule)
        try:
            invoice(work, people, company, book, now=NOW, store=journal, workers=1,
                    batch_size=2)
            return crashes
        except Crash:
            crashes += 1
        finally:
            book.close()
            # A crashed process restarts writing from 1 again: shift the schedule.
            remaining = {n - book.writes: after for n, after in schedule.items()
                         if n > book.writes}
            schedule.clear()
            schedule.update(remaining)
    raise AssertionError("the job never finished")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    postings=st.lists(st.sampled_from([Posting.BOOK, Posting.DRAFT]), min_size=1, max_size=3),
    quantities=st.lists(st.integers(1, 5), min_size=1, max_size=6),
    crashes=st.dictionaries(st.integers(1, 25), st.booleans(), max_size=4),
    changed=st.lists(st.integers(1, 5), max_size=6),
)
def test_every_crash_schedule_bills_each_work_order_exactly_once(
    postings: list[Posting], quantities: list[int], crashes: dict[int, bool],
    changed: list[int],
) -> None:
    """Crashing at any writes, then changing work and crashing again, never bills twice."""
    company = Company("P", policy=BillingPolicy(Posting.BOOK, send=True), allow_credits=True)
    people = customers(postings)
    with tempfile.TemporaryDirectory() as tmp:
        path, journal = Path(tmp) / "book.db", Path(tmp) / "journal.db"
        work = orders(len(people), quantities)
        run_until_done(path, journal, work, people, company, dict(crashes))
        # Change some work (drafts get new lines, booked invoices credit and re-bill),
        # and crash through that run too.
        if changed:
            quantities = [changed[i] if i < len(changed) else q
                          for i, q in enumerate(quantities)]
            work = orders(len(people), quantities)
            run_until_done(path, journal, work, people, company, dict(crashes))
        book = SandboxConnector(path)
        billed = live_billing(book)
        assert billed == Counter({f"wo:w{i}": 1 for i in range(len(quantities))})
        # Each live per-work-order invoice bills the latest quantity (100 x q + 25% VAT).
        credited = {i.credit_for for i in book.invoices() if i.credit_for}
        for inv in book.invoices():
            if inv.key and inv.key.startswith("inv:") and inv.provider_id not in credited:
                index = int(inv.key.split(":")[1][1:])
                assert inv.total == Decimal(125) * quantities[index]
        sends = Counter(e.invoice_id for e in book.outbox())
        assert all(count == 1 for count in sends.values()), "no invoice is emailed twice"
        assert not Store(journal).unresolved(book.account)
