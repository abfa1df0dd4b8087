"""Syncing open drafts on the sandbox: one feed read told only the drafts, from the drafts' own
watermark, never moving the status refresh's; the journal read costs the same at any history."""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from ledgerlink import (
    BillingPolicy,
    Company,
    Customer,
    PolicyOverride,
    Posting,
    RemoteInvoice,
    WorkLine,
    WorkOrder,
    WorkStatus,
)
from ledgerlink.api import invoice, refresh
from ledgerlink.connector import Capability, Changes, KnownVersions
from ledgerlink.draft_sync import sync_drafts
from ledgerlink.errors import ChangeFeedWindowError
from ledgerlink.refreshing import CLOCK_MARGIN
from ledgerlink.sandbox import SandboxConnector
from ledgerlink.status import InvoiceStatus
from ledgerlink.store import Store
from tests.ledgerlink.store.support import journal, keep_one_connection, order, vm_steps

NOW = datetime.now(UTC)
COMPANY = Company("Test ApS", policy=BillingPolicy(Posting.BOOK, send=False))
#: A person's hand on the book at a moment of a feed read.
Hand = Callable[[], None]


class WatchedSandbox(SandboxConnector):
    """The sandbox, keeping where each feed read started and what it was told, and letting
    a person act just before the feed answers or just after it answered."""

    def __init__(self, path: Path, *, feed: bool = True) -> None:
        super().__init__(path)
        if not feed:
            self.capabilities = self.capabilities - {Capability.CHANGE_FEED}
        self.starts: list[datetime] = []
        self.told: list[set[str]] = []
        self.answers: list[Changes] = []
        self.reads: Counter[str] = Counter()
        self.before_answer: Hand | None = None
        self.after_answer: Hand | None = None
        self.refusals: list[Exception] = []

    def changes(self, since: datetime,  # type: ignore[override]
                known: KnownVersions | None = None) -> Changes:
        self.starts.append(since)
        self.told.append(set(known or ()))
        if self.refusals:
            raise self.refusals.pop(0)
        if self.before_answer is not None:
            hand, self.before_answer = self.before_answer, None
            hand()
        answer = super().changes(since)
        self.answers.append(answer)
        if self.after_answer is not None:
            hand, self.after_answer = self.after_answer, None
            hand()
        return answer

    def get_invoice(self, provider_id: str) -> RemoteInvoice:
        self.reads[provider_id] += 1
        return super().get_invoice(provider_id)


def people(drafts: int, booked: int = 0) -> list[Customer]:
    """``drafts`` customers collecting on drafts (d0, d1, ...), ``booked`` invoiced at once."""
    collecting = PolicyOverride(posting=Posting.DRAFT)
    return ([Customer(id=f"d{i}", name=f"Drafts {i}", email=f"d{i}@example.dk",
                      policy=collecting) for i in range(drafts)]
            + [Customer(id=f"b{i}", name=f"Booked {i}", email=f"b{i}@example.dk")
               for i in range(booked)])


def work(customers: list[Customer]) -> list[WorkOrder]:
    return [WorkOrder(id=f"w-{c.id}", customer_id=c.id, completed_at=NOW - timedelta(hours=1),
                      status=WorkStatus.COMPLETED,
                      lines=[WorkLine("Hours", Decimal(2), Decimal("100"))])
            for c in customers]


def invoiced(book: WatchedSandbox, store: Store, customers: list[Customer]
             ) -> dict[str, RemoteInvoice]:
    """A first run invoicing one work order per customer; the provider's invoices by key."""
    assert invoice(work(customers), customers, COMPANY, book, store=store).ok
    return {i.key or "": i for i in book.invoices()}


def again(book: WatchedSandbox, store: Store, customers: list[Customer]) -> None:
    """A nightly run with nothing new to invoice: it syncs the open drafts."""
    assert invoice([], customers, COMPANY, book, store=store).ok


def closed(store: Store, book: str) -> set[str]:
    state = store.state(book)
    return {key for key, record in state.invoices.items()
            if key.startswith("draft:") and record.closed}


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "journal.db")


@pytest.fixture
def book(tmp_path: Path) -> WatchedSandbox:
    return WatchedSandbox(tmp_path / "book.db")


# --- what closes a draft ------------------------------------------------------------


def test_drafts_booked_voided_or_deleted_by_hand_are_closed_from_one_feed_read(
        book: WatchedSandbox, store: Store) -> None:
    """A draft booked, one booked and voided and one deleted by a person are closed by the next
    run's one feed read, with no draft read one by one; the deleted one's work is billed anew."""
    customers = people(4)
    made = invoiced(book, store, customers)
    booked, voided, deleted = (made[f"draft:d{i}:1"].provider_id for i in range(3))
    book.book(booked)
    book.void(book.book(voided).provider_id)
    book.delete(deleted)
    book.starts.clear()
    rerun = invoice(work(customers), customers, COMPANY, book, store=store)
    assert rerun.ok and rerun.summary["drafts_created"] == 1
    assert len(book.starts) == 1 and not book.reads
    assert closed(store, book.account) == {"draft:d0:1", "draft:d1:1", "draft:d2:1"}
    state = store.state(book.account)
    assert state.invoices["draft:d0:1"].booked and state.work["w-d0"].invoice_key == "draft:d0:1"
    assert state.work["w-d2"].invoice_key == "draft:d2:2"  # billable again, on a new draft
    notes = {e.subject: e.message for e in store.log(book=book.account, outcome="ok")
             if e.action == "sync_draft"}
    assert notes["draft:d1:1"] == "draft voided in the accounting system"
    assert notes["draft:d2:1"].startswith("draft deleted")
    assert notes["draft:d0:1"].startswith("draft booked by hand as invoice")


def test_the_feed_is_told_only_the_open_drafts_and_the_refresh_watermark_stays(
        book: WatchedSandbox, store: Store) -> None:
    """Syncing tells the feed the open drafts only and leaves the status refresh's watermark
    where it was, so a payment on another invoice made meanwhile is still recorded by the next
    status refresh."""
    customers = people(2, booked=2)
    made = invoiced(book, store, customers)
    first = refresh(book, store=store)
    mark = store.feed_watermark(book.account)
    paid = made["inv:w-b0"]
    book.register_payment(paid.provider_id, paid.total, paid.issue_date)
    again(book, store, customers)
    assert book.told[-1] == {made["draft:d0:1"].provider_id, made["draft:d1:1"].provider_id}
    assert store.feed_watermark(book.account) == mark == first.until
    later = refresh(book, store=store)
    assert [(c.key, c.after) for c in later.changes] == [("inv:w-b0", InvoiceStatus.PAID)]


def test_a_run_after_a_run_reads_the_feed_from_where_the_last_one_ended(
        book: WatchedSandbox, store: Store) -> None:
    """The second nightly run reads the drafts' changes from the first one's ``until``, not
    from the drafts' creation nor from the last status refresh."""
    customers = people(2)
    made = invoiced(book, store, customers)
    created = min(f.known_since for f in store.invoice_facts(
        book.account, keys=[f"draft:d{i}:1" for i in range(2)]))
    book.starts.clear()
    again(book, store, customers)
    again(book, store, customers)
    assert book.starts[1] == book.answers[0].until
    assert store.drafts_watermark(book.account) == book.answers[1].until
    # The first sync started where knowledge of the oldest draft dates from, less the margin.
    assert book.starts[0] == created - CLOCK_MARGIN
    assert made["draft:d0:1"].provider_id in book.told[0]


def test_a_draft_booked_before_the_feed_answers_is_closed_by_that_run(
        book: WatchedSandbox, store: Store) -> None:
    """A draft booked by a person after the run read the journal, before the feed answered,
    is closed by that run."""
    customers = people(2)
    made = invoiced(book, store, customers)
    again(book, store, customers)

    def booked_by_hand() -> None:
        book.book(made["draft:d1:1"].provider_id)

    book.before_answer = booked_by_hand
    again(book, store, customers)
    assert closed(store, book.account) == {"draft:d1:1"}


def test_a_draft_booked_after_the_feed_answered_is_closed_by_the_next_run(
        book: WatchedSandbox, store: Store) -> None:
    """A draft booked just after the feed answered (before the run committed) is not lost:
    the next run reads from that answer's ``until`` and closes it."""
    customers = people(2)
    made = invoiced(book, store, customers)
    again(book, store, customers)
    book.after_answer = lambda: book.delete(made["draft:d0:1"].provider_id)
    again(book, store, customers)
    assert closed(store, book.account) == set()
    again(book, store, customers)
    assert closed(store, book.account) == {"draft:d0:1"}
    assert "w-d0" not in store.state(book.account).work


def test_a_draft_a_status_refresh_saw_booked_is_closed_from_the_journaled_facts(
        book: WatchedSandbox, store: Store) -> None:
    """A draft a status refresh recorded as booked is closed even when the feed no longer
    reports it (the refresh's read passed it)."""
    customers = people(2)
    made = invoiced(book, store, customers)
    again(book, store, customers)
    book.book(made["draft:d0:1"].provider_id)
    refresh(book, store=store)
    # A feed that has nothing to say: the sync decides from the facts the refresh recorded.
    original = SandboxConnector.changes

    def silent(self: SandboxConnector, since: datetime) -> Changes:
        return Changes((), (), original(self, since).until)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(SandboxConnector, "changes", silent)
        again(book, store, customers)
    assert closed(store, book.account) == {"draft:d0:1"}
    assert store.state(book.account).invoices["draft:d0:1"].booked


def test_no_open_draft_drops_the_drafts_watermark_so_a_new_draft_starts_from_itself(
        book: WatchedSandbox, store: Store) -> None:
    """Once no draft is open the drafts' watermark is dropped; the next draft is then read
    from when ledgerlink came to know it, not from the old watermark."""
    customers = people(1)
    made = invoiced(book, store, customers)
    again(book, store, customers)
    old = store.drafts_watermark(book.account)
    book.book(made["draft:d0:1"].provider_id)
    again(book, store, customers)  # closes the only draft
    again(book, store, customers)  # finds none open
    assert store.drafts_watermark(book.account) is None
    more = [WorkOrder(id="w-later", customer_id="d0", completed_at=NOW,
                      status=WorkStatus.COMPLETED,
                      lines=[WorkLine("Hours", Decimal(1), Decimal("100"))])]
    assert invoice(more, customers, COMPANY, book, store=store).ok
    (facts,) = store.invoice_facts(book.account, keys=["draft:d0:2"])
    book.starts.clear()
    again(book, store, customers)
    assert book.starts == [facts.known_since - CLOCK_MARGIN]
    assert old is not None and book.starts[0] != old


def test_a_feed_that_cannot_reach_back_has_each_draft_read_and_starts_the_watermark_then(
        book: WatchedSandbox, store: Store) -> None:
    """The feed's window refusal makes the run read each open draft; the drafts' watermark
    then starts when the reads began (less the margin), and the next run reads the feed."""
    customers = people(2)
    made = invoiced(book, store, customers)
    book.delete(made["draft:d0:1"].provider_id)
    book.refusals.append(ChangeFeedWindowError("too old", provider="sandbox"))
    before = datetime.now(UTC)
    again(book, store, customers)
    assert sum(book.reads.values()) == 2 and closed(store, book.account) == {"draft:d0:1"}
    mark = store.drafts_watermark(book.account)
    assert mark is not None and before - CLOCK_MARGIN <= mark <= datetime.now(UTC) - CLOCK_MARGIN
    assert store.feed_watermark(book.account) is None
    again(book, store, customers)
    assert book.starts[-1] == mark and sum(book.reads.values()) == 2


def test_without_a_change_feed_each_open_draft_is_read(tmp_path: Path, store: Store) -> None:
    """A connector without CHANGE_FEED has each open draft read, and no watermark is kept."""
    book = WatchedSandbox(tmp_path / "book.db", feed=False)
    customers = people(3)
    made = invoiced(book, store, customers)
    book.book(made["draft:d2:1"].provider_id)
    book.reads.clear()
    again(book, store, customers)
    assert book.reads == Counter({made[f"draft:d{i}:1"].provider_id: 1 for i in range(3)})
    assert closed(store, book.account) == {"draft:d2:1"}
    assert store.drafts_watermark(book.account) is None and not book.starts


# --- what it costs the journal ------------------------------------------------------

AT_HAND = 20


def _sync_cost(tmp_path: Path, history: int) -> tuple[int, list[str], set[str]]:
    """(SQLite instructions by tens, statements run, drafts closed) for two syncs of 20 open
    drafts in a book whose journal also holds ``history`` booked invoices and as many drafts
    closed long ago."""
    book = WatchedSandbox(tmp_path / f"book-{history}.db")
    store = Store(tmp_path / f"journal-{history}.db")
    customers = people(AT_HAND)
    made = invoiced(book, store, customers)
    journal(store, book.account, [order(f"h{i:05d}", f"x{i % AT_HAND}") for i in range(history)])
    journal(store, book.account, [order(f"g{i:05d}", f"old{i}") for i in range(history)],
            draft=True, closed=True)
    executed: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        executed.append(statement)

    sa.event.listen(store.engine, "before_cursor_execute", seen)
    with vm_steps(store, every=10) as steps:
        sync_drafts(book, store, "r1")
        book.book(made["draft:d3:1"].provider_id)
        sync_drafts(book, store, "r2")
    sa.event.remove(store.engine, "before_cursor_execute", seen)
    shut = closed(store, book.account) - {f"draft:old{i}:1" for i in range(history)}
    store.close()
    return steps[0], executed, shut


def test_syncing_drafts_costs_the_journal_the_same_in_a_book_20_times_larger(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two syncs of 20 open drafts run the same statements and the same SQLite work against
    100 and 2,000 other invoices and closed drafts, and close the same draft."""
    keep_one_connection(monkeypatch)
    small_steps, small_sql, small_closed = _sync_cost(tmp_path, 100)
    large_steps, large_sql, large_closed = _sync_cost(tmp_path, 2_000)
    assert large_steps == small_steps
    assert large_sql == small_sql
    assert large_closed == small_closed == {"draft:d3:1"}


def test_the_open_drafts_are_found_by_an_index_search_on_sqlite(store: Store) -> None:
    """Finding a book's open drafts searches the open-drafts index, never the book's rows."""
    journal(store, "b", [order(f"w{i}", f"c{i}") for i in range(5)], draft=True)
    executed: list[tuple[str, Any]] = []

    def seen(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        executed.append((statement, parameters))

    sa.event.listen(store.engine, "before_cursor_execute", seen)
    assert len(store.open_drafts("b")) == 5
    sa.event.remove(store.engine, "before_cursor_execute", seen)
    with store.engine.connect() as conn:
        (step,) = [str(r[-1]) for statement, parameters in executed
                   for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)]
    assert step == "SEARCH invoices USING INDEX ix_invoices_open_drafts (book=?)"


# --- whatever the rest of the book does -------------------------------------------

#: What a person does to a draft, and whether it closes the draft.
DRAFT_HANDS = {"leave": False, "edit": False, "book": True, "void": True, "delete": True}
#: What happens to another (booked) invoice of the book.
OTHER_HANDS = ("leave", "pay", "void", "credit")
#: When the person acts: before the run, before its feed answers, or just after.
MOMENTS = ("before", "during", "after")

_STORE: list[Store] = []


def shared_store() -> Store:
    """One journal for every example (each example has its own sandbox book)."""
    if not _STORE:
        _STORE.append(Store(Path(tempfile.mkdtemp()) / "journal.db"))
    return _STORE[0]


def _draft_hand(book: SandboxConnector, made: RemoteInvoice, hand: str) -> None:
    pid = made.provider_id
    if hand == "edit":
        from ledgerlink.testing import make_invoice_line

        book.replace_lines(pid, "by-hand", [make_invoice_line(source_key="by-hand")], {})
    elif hand == "book":
        book.book(pid)
    elif hand == "void":
        book.void(book.book(pid).provider_id)
    elif hand == "delete":
        book.delete(pid)


def _other_hand(book: SandboxConnector, made: RemoteInvoice, hand: str) -> None:
    if hand == "pay":
        book.register_payment(made.provider_id, made.total, made.issue_date)
    elif hand == "void":
        book.void(made.provider_id)
    elif hand == "credit":
        book.credit(made.provider_id, f"credit:{made.key}")


@settings(max_examples=30, deadline=None)
@given(drafts=st.lists(st.tuples(st.sampled_from(sorted(DRAFT_HANDS)), st.sampled_from(MOMENTS)),
                       min_size=1, max_size=4),
       others=st.lists(st.tuples(st.sampled_from(OTHER_HANDS), st.sampled_from(MOMENTS)),
                       max_size=3))
def test_a_run_closes_exactly_the_drafts_a_person_closed_whatever_the_book_does(
        drafts: list[tuple[str, str]], others: list[tuple[str, str]]) -> None:
    """Whatever a person does to the drafts and to the book's other invoices, before, during
    or just after a run's feed read, each run closes exactly the drafts a person booked,
    voided or deleted by the time its feed answered, records nothing of the other invoices
    and leaves the status refresh's watermark alone."""
    store = shared_store()
    book = WatchedSandbox(Path(tempfile.mkdtemp()) / "book.db")
    customers = people(len(drafts), booked=len(others))
    made = invoiced(book, store, customers)
    draft_of = [made[f"draft:d{i}:1"] for i in range(len(drafts))]
    other_of = [made[f"inv:w-b{i}"] for i in range(len(others))]
    other_keys = [f"inv:w-b{i}" for i in range(len(others))]
    facts_before = store.invoice_facts(book.account, keys=other_keys)

    def hands(moment: str) -> None:
        for made_draft, (hand, when) in zip(draft_of, drafts, strict=True):
            if when == moment:
                _draft_hand(book, made_draft, hand)
        for made_other, (hand, when) in zip(other_of, others, strict=True):
            if when == moment:
                _other_hand(book, made_other, hand)

    def closing(moments: set[str]) -> set[str]:
        return {f"draft:d{i}:1" for i, (hand, when) in enumerate(drafts)
                if DRAFT_HANDS[hand] and when in moments}

    hands("before")
    book.before_answer = lambda: hands("during")
    book.after_answer = lambda: hands("after")
    again(book, store, customers)
    assert closed(store, book.account) == closing({"before", "during"})
    again(book, store, customers)
    assert closed(store, book.account) == closing(set(MOMENTS))
    assert store.invoice_facts(book.account, keys=other_keys) == facts_before
    assert store.feed_watermark(book.account) is None
    released = {f"w-d{i}" for i, (hand, _) in enumerate(drafts) if hand == "delete"}
    assert released.isdisjoint(store.state(book.account).work)
    assert all(len(told) <= len(drafts) for told in book.told)
    book.close()
