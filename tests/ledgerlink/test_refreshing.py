"""Status refresh: one change-feed call (or reads), facts kept, statuses derived when read."""

from __future__ import annotations

import tempfile
import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from ledgerlink import (
    BillingPolicy,
    Company,
    Customer,
    InvoiceStatus,
    PolicyOverride,
    Posting,
    RemoteInvoice,
    Timing,
    WorkLine,
    WorkOrder,
    WorkStatus,
)
from ledgerlink.api import invoice, refresh
from ledgerlink.connector import Capability, Changes
from ledgerlink.errors import NotFoundError, StoreError
from ledgerlink.refreshing import CLOCK_MARGIN, ChangeFeedWindowError, refresh_statuses
from ledgerlink.sandbox import SandboxConnector
from ledgerlink.store import Store, Transaction
from ledgerlink.store.schema import invoices as invoices_table
from ledgerlink.testing import make_customer, make_invoice_draft

NOW = datetime.now(UTC)
COMPANY = Company("Test ApS", policy=BillingPolicy(Posting.BOOK, Timing.ON_COMPLETION, False, 8))
OPEN, PAID, VOID = InvoiceStatus.OPEN, InvoiceStatus.PAID, InvoiceStatus.VOID
PARTLY = InvoiceStatus.OPEN | InvoiceStatus.PARTIALLY_PAID


class CountingSandbox(SandboxConnector):
    """The sandbox, counting the reads and change-feed calls made of it."""

    def __init__(self, path: Path, *, feed: bool = True) -> None:
        super().__init__(path)
        self.calls: Counter[str] = Counter()
        if not feed:
            self.capabilities = self.capabilities - {Capability.CHANGE_FEED}
        #: Raised by the next ``changes`` calls, one each, instead of answering.
        self.refusals: list[Exception] = []

    def get_invoice(self, provider_id: str) -> RemoteInvoice:
        self.calls["get_invoice"] += 1
        return super().get_invoice(provider_id)

    def changes(self, since: datetime) -> Changes:
        self.calls["changes"] += 1
        if self.refusals:
            raise self.refusals.pop(0)
        return super().changes(since)


def people(n: int, **override: object) -> list[Customer]:
    policy = PolicyOverride(**override) if override else None  # type: ignore[arg-type]
    return [Customer(id=f"c{i}", name=f"Customer {i}", email=f"c{i}@example.dk", policy=policy)
            for i in range(n)]


def work(n: int) -> list[WorkOrder]:
    return [WorkOrder(id=f"w{i}", customer_id=f"c{i}", completed_at=NOW - timedelta(hours=1),
                      status=WorkStatus.COMPLETED,
                      lines=[WorkLine("Hours", Decimal(2), Decimal("100"))])
            for i in range(n)]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "journal.db")


def invoiced(tmp_path: Path, store: Store, n: int = 4, *, feed: bool = True,
             **override: object) -> tuple[CountingSandbox, dict[str, RemoteInvoice]]:
    """A book where ledgerlink invoiced ``n`` customers once each; invoices by key."""
    book = CountingSandbox(tmp_path / "book.db", feed=feed)
    assert invoice(work(n), people(n, **override), COMPANY, book, store=store).ok
    book.calls.clear()
    return book, {i.key or "": i for i in book.invoices()}


def statuses(store: Store, book: str, today: date) -> dict[str, InvoiceStatus | None]:
    return {f.key: f.status(today) for f in store.invoice_facts(book)}


def settle(book: SandboxConnector, made: dict[str, RemoteInvoice]) -> None:
    """inv:w0 paid, inv:w1 half paid, inv:w2 voided; inv:w3 left open."""
    paid, half, void = made["inv:w0"], made["inv:w1"], made["inv:w2"]
    book.register_payment(paid.provider_id, paid.total, paid.issue_date)
    book.register_payment(half.provider_id, half.total / 2, half.issue_date)
    book.void(void.provider_id)


# --- through the change feed ------------------------------------------------------------


def test_one_change_feed_call_records_every_status(tmp_path: Path, store: Store) -> None:
    """Paid, partly paid, voided and open invoices are all known after one feed call."""
    book, made = invoiced(tmp_path, store)
    settle(book, made)
    today = made["inv:w3"].issue_date
    result = refresh(book, store=store, today=today)
    assert (result.mode, result.calls, dict(book.calls)) == ("change_feed", 1, {"changes": 1})
    assert result.ok and result.checked == 4
    assert statuses(store, book.account, today) == {
        "inv:w0": PAID, "inv:w1": PARTLY, "inv:w2": VOID, "inv:w3": OPEN}
    # The run recorded each invoice as open when it was created; the feed moved three.
    assert {(c.key, c.before, c.after) for c in result.changes} == {
        ("inv:w0", OPEN, PAID), ("inv:w1", OPEN, PARTLY), ("inv:w2", OPEN, VOID)}
    assert store.feed_watermark(book.account) == result.until


def test_a_second_refresh_reports_only_what_changed_since(tmp_path: Path, store: Store) -> None:
    """The watermark moves on: the next refresh reports the one invoice paid meanwhile."""
    book, made = invoiced(tmp_path, store)
    today = made["inv:w0"].issue_date
    first = refresh(book, store=store, today=today)
    assert refresh(book, store=store, today=today).checked == 0
    late = made["inv:w3"]
    book.register_payment(late.provider_id, late.total, late.issue_date)
    third = refresh(book, store=store, today=today)
    assert [(c.key, c.before, c.after) for c in third.changes] == [("inv:w3", OPEN, PAID)]
    assert third.checked == 1
    assert first.until is not None and third.until is not None and third.until > first.until


def test_overdue_is_judged_on_the_day_asked_without_asking_again(
        tmp_path: Path, store: Store) -> None:
    """Facts are stored, not statuses: an open invoice turns overdue as the days pass."""
    book, made = invoiced(tmp_path, store, 1)
    refresh(book, store=store)
    due = made["inv:w0"].due_date
    assert statuses(store, book.account, due) == {"inv:w0": OPEN}
    assert statuses(store, book.account, due + timedelta(days=1)) == {
        "inv:w0": OPEN | InvoiceStatus.OVERDUE}


def test_a_deleted_draft_is_recorded_deleted(tmp_path: Path, store: Store) -> None:
    """A draft a person deleted comes through the feed by id and reads as deleted."""
    book, made = invoiced(tmp_path, store, 1, posting=Posting.DRAFT)
    (draft,) = made.values()
    book.delete(draft.provider_id)
    result = refresh(book, store=store)
    assert [(c.key, c.after) for c in result.changes] == [(draft.key, InvoiceStatus.DELETED)]


def test_an_invoice_the_watermark_passed_unseen_is_still_reported(
        tmp_path: Path, store: Store) -> None:
    """Invoices with no status facts (journaled by a ledgerlink before 0.3, or while a
    refresh ran), older than the watermark, make the next feed read reach back for them."""
    book, _ = invoiced(tmp_path, store, 2)
    with store.engine.begin() as conn:  # as a journal from before status facts holds them
        conn.execute(sa.update(invoices_table).values(refreshed_at=None))
    with store.transaction(book.account) as tx:
        tx.advance_feed(datetime.now(UTC) + timedelta(seconds=1), None)
    result = refresh(book, store=store)
    assert (result.mode, result.checked) == ("change_feed", 2)
    assert set(statuses(store, book.account, date.today()).values()) == {OPEN}


def test_invoices_ledgerlink_did_not_make_are_left_alone(tmp_path: Path, store: Store) -> None:
    """An invoice typed into the book by hand changes nothing in the journal."""
    book, _ = invoiced(tmp_path, store, 1)
    stranger = make_customer()
    book.create_invoice(make_invoice_draft(customer=stranger), book.create_customer(stranger), {})
    result = refresh(book, store=store)
    assert result.checked == 1 and result.changes == ()
    assert list(statuses(store, book.account, date.today())) == ["inv:w0"]


def test_a_feed_that_cannot_reach_back_falls_back_to_reads(tmp_path: Path, store: Store) -> None:
    """The provider's refusal is reported, each invoice is read, and the watermark starts."""
    book, made = invoiced(tmp_path, store, 2)
    book.refusals.append(ChangeFeedWindowError("looks back 30 days at most",
                                               provider="sandbox"))
    before = datetime.now(UTC)
    result = refresh(book, store=store)
    assert (result.mode, book.calls["get_invoice"]) == ("reads", 2)
    assert "30 days" in result.note and result.checked == 2
    watermark = store.feed_watermark(book.account)
    assert watermark is not None
    assert before - CLOCK_MARGIN <= watermark <= datetime.now(UTC) - CLOCK_MARGIN
    paid = made["inv:w1"]
    book.register_payment(paid.provider_id, paid.total, paid.issue_date)
    again = refresh(book, store=store)
    assert again.mode == "change_feed" and book.calls["get_invoice"] == 2
    assert [(c.key, c.after) for c in again.changes] == [("inv:w1", PAID)]


def test_other_feed_errors_are_not_hidden(tmp_path: Path, store: Store) -> None:
    """A provider error other than the window stops the refresh; nothing is recorded."""
    book, _ = invoiced(tmp_path, store, 1)
    book.refusals.append(NotFoundError("no such company", provider="sandbox"))
    with pytest.raises(NotFoundError, match="no such company"):
        refresh(book, store=store)
    assert store.feed_watermark(book.account) is None
    # Only what the run recorded when it created the invoice.
    assert statuses(store, book.account, date.today()) == {"inv:w0": OPEN}


# --- by reads ---------------------------------------------------------------------------


def test_without_a_feed_only_invoices_that_can_still_change_are_read(
        tmp_path: Path, store: Store) -> None:
    """Paid and voided invoices are read once; afterwards only the open ones are."""
    book, made = invoiced(tmp_path, store, feed=False)
    settle(book, made)
    today = made["inv:w0"].issue_date
    first = refresh(book, store=store, today=today)
    assert (first.mode, first.calls, book.calls["get_invoice"]) == ("reads", 4, 4)
    second = refresh(book, store=store, today=today)
    assert (second.calls, second.checked, second.changes) == (2, 2, ())
    assert store.feed_watermark(book.account) is None


def test_ids_read_exactly_those_invoices(tmp_path: Path, store: Store) -> None:
    """A webhook-driven refresh reads the named invoices ledgerlink made, nothing else."""
    book, made = invoiced(tmp_path, store)
    named = made["inv:w2"]
    book.void(named.provider_id)
    result = refresh_statuses(book, store, ids=[named.provider_id, "INV-99999"])
    assert (result.mode, dict(book.calls)) == ("reads", {"get_invoice": 1})
    assert [(c.key, c.after) for c in result.changes] == [("inv:w2", VOID)]


def test_an_invoice_the_provider_forgot_is_deleted(tmp_path: Path, store: Store) -> None:
    """NotFoundError on a read means deleted (QuickBooks forgets deleted invoices)."""
    book, _ = invoiced(tmp_path, store, 1, feed=False)

    def forgotten(provider_id: str) -> RemoteInvoice:
        raise NotFoundError(f"invoice {provider_id} not found", provider="sandbox")

    book.get_invoice = forgotten  # type: ignore[method-assign]
    result = refresh(book, store=store)
    assert [(c.key, c.after) for c in result.changes] == [("inv:w0", InvoiceStatus.DELETED)]


def test_a_failed_read_is_reported_with_the_providers_words(
        tmp_path: Path, store: Store) -> None:
    """One invoice failing to read does not stop the others; its message is kept."""
    book, made = invoiced(tmp_path, store, 2, feed=False)
    from ledgerlink.errors import ProviderError

    real = book.get_invoice
    bad = made["inv:w0"].provider_id

    def flaky(provider_id: str) -> RemoteInvoice:
        if provider_id == bad:
            raise ProviderError("the book is resting", provider="sandbox", status=503)
        return real(provider_id)

    book.get_invoice = flaky  # type: ignore[method-assign]
    result = refresh(book, store=store)
    assert not result.ok and result.failures == (("inv:w0", "the book is resting"),)
    assert statuses(store, book.account, date.today())["inv:w1"] == OPEN


# --- drafts sync through the feed -------------------------------------------------------


def test_sync_drafts_uses_one_feed_call_instead_of_a_read_per_draft(
        tmp_path: Path, store: Store) -> None:
    """A draft booked by hand is closed from the feed; no draft is read one by one."""
    book, made = invoiced(tmp_path, store, 3, posting=Posting.DRAFT)
    booked_by_hand = made["draft:c1:1"]
    book.book(booked_by_hand.provider_id)
    assert invoice([], people(3, posting=Posting.DRAFT), COMPANY, book, store=store).ok
    assert book.calls == Counter({"changes": 1})
    state = store.state(book.account)
    assert state.invoices["draft:c1:1"].closed and state.invoices["draft:c1:1"].booked
    assert not state.invoices["draft:c0:1"].closed
    assert statuses(store, book.account, date.today())["draft:c1:1"] == OPEN
    log = store.log(book=book.account, outcome="ok")
    assert any(e.action == "sync_draft" and e.subject == "draft:c1:1" for e in log)


def test_sync_drafts_reads_each_draft_when_the_feed_cannot_answer(
        tmp_path: Path, store: Store) -> None:
    """The feed's window refusal makes the sync read the open drafts, as without a feed."""
    book, made = invoiced(tmp_path, store, 2, posting=Posting.DRAFT)
    book.delete(made["draft:c0:1"].provider_id)
    book.refusals.append(ChangeFeedWindowError("too old", provider="sandbox"))
    assert invoice([], people(2, posting=Posting.DRAFT), COMPANY, book, store=store).ok
    assert book.calls == Counter({"changes": 1, "get_invoice": 2})
    assert store.state(book.account).invoices["draft:c0:1"].closed
    assert store.feed_watermark(book.account) is None


def test_sync_drafts_reads_the_drafts_when_a_refresh_recorded_the_feed_first(
        tmp_path: Path, store: Store) -> None:
    """A status refresh committing between the sync's feed read and its commit costs the
    sync its feed answer, not the run: it reads the drafts and closes the booked one."""
    book, made = invoiced(tmp_path, store, 2, posting=Posting.DRAFT)
    book.book(made["draft:c0:1"].provider_id)
    meanwhile = SandboxConnector(tmp_path / "book.db")
    real_changes = book.changes

    def racing(since: datetime) -> Changes:
        answer = real_changes(since)
        refresh_statuses(meanwhile, store)  # another process's refresh wins the race
        return answer

    book.changes = racing  # type: ignore[method-assign]
    assert invoice([], people(2, posting=Posting.DRAFT), COMPANY, book, store=store).ok
    assert book.calls["get_invoice"] == 2
    assert store.state(book.account).invoices["draft:c0:1"].closed
    assert not store.state(book.account).invoices["draft:c1:1"].closed


# --- the store's side -------------------------------------------------------------------


def test_two_refreshes_from_the_same_watermark_cannot_both_commit(store: Store) -> None:
    """The later commit of a feed read from an outdated watermark fails and records nothing."""
    with store.transaction("b") as tx:
        tx.invoice("inv:w1", "c1", "book", False, "DKK", pending=False, remote_id="R1")
    early, late = NOW - timedelta(minutes=1), NOW
    with store.transaction("b") as tx:
        tx.advance_feed(late, None)
    invoice_now = RemoteInvoice("R1", "inv:w1", "C1", "DKK", Decimal(10), Decimal(0),
                                date(2026, 1, 1), date(2026, 1, 9), booked=True)
    stale = Transaction("b")
    stale.record_facts("inv:w1", invoice_now)
    stale.advance_feed(early, None)
    with pytest.raises(StoreError, match="another status refresh"):
        store.write(stale)
    assert store.feed_watermark("b") == late
    assert store.invoice_facts("b")[0].refreshed_at is None


_STORE: list[Store] = []


def shared_store() -> Store:
    """One store for all hypothesis examples (each example uses its own book)."""
    if not _STORE:
        _STORE.append(Store(Path(tempfile.mkdtemp()) / "journal.db"))
    return _STORE[0]


instants = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1),
                        timezones=st.just(UTC))


@settings(max_examples=40, deadline=None)
@given(st.lists(instants, min_size=1, max_size=6))
def test_the_watermark_only_moves_forward(untils: list[datetime]) -> None:
    """Whatever order feed reads end in, the watermark is the latest ``until`` so far."""
    store, book = shared_store(), uuid.uuid4().hex
    for index, until in enumerate(untils):
        with store.transaction(book) as tx:
            tx.advance_feed(until, store.feed_watermark(book))
        assert store.feed_watermark(book) == max(untils[:index + 1])


money = st.decimals(min_value=-10_000, max_value=10_000, places=2)


@settings(max_examples=60, deadline=None)
@given(total=money, balance=money, booked=st.booleans(), voided=st.booleans(),
       deleted=st.booleans(), due=st.dates(date(2020, 1, 1), date(2030, 1, 1)),
       today=st.dates(date(2020, 1, 1), date(2030, 1, 1)))
def test_status_facts_round_trip(total: Decimal, balance: Decimal, booked: bool,
                                 voided: bool, deleted: bool, due: date, today: date) -> None:
    """The status read back from stored facts is the status of the invoice they came from."""
    store, book = shared_store(), uuid.uuid4().hex
    remote = RemoteInvoice("R1", "inv:w1", "C1", "DKK", total, balance, due, due,
                           number="7", booked=booked, voided=voided, deleted=deleted)
    with store.transaction(book) as tx:
        tx.invoice("inv:w1", "c1", "book", False, "DKK", pending=False, remote_id="R1")
    with store.transaction(book) as tx:
        tx.record_facts("inv:w1", remote)
    (facts,) = store.invoice_facts(book)
    assert facts.status(today) == remote.status(today)
    assert (facts.total, facts.balance, facts.due_date) == (total, balance, due)


# --- what the feed is told, and what a refresh costs ------------------------------------


class VersionedSandbox(CountingSandbox):
    """A sandbox whose feed takes ``known``, keeps what it was told, counts requests as an
    HTTP client would (two per call), and hands back a newer version of unmoved invoices."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.told: list[dict[str, str | None]] = []
        self.requests_sent = 0

    def changes(self, since: datetime,  # type: ignore[override]
                known: dict[str, str | None] | None = None) -> Changes:
        self.told.append(dict(known or {}))
        self.requests_sent += 2
        found = super().changes(since)
        return Changes((), found.deleted, found.until,
                       unmoved=tuple((pid, "v2") for pid in (known or {})))


def test_the_feed_is_told_the_followed_invoices_and_calls_are_the_clients_count(
        tmp_path: Path, store: Store) -> None:
    """A feed that takes ``known`` is told every invoice whose status can still change with
    the version journaled, the calls are what the connector counted, and the newer versions
    of unmoved invoices are kept."""
    book = VersionedSandbox(tmp_path / "book.db")
    assert invoice(work(3), people(3), COMPANY, book, store=store).ok
    made = {i.key or "": i for i in book.invoices()}
    book.void(made["inv:w2"].provider_id)
    with store.transaction(book.account) as tx:
        tx.update_invoice("inv:w2", voided=True)
    result = refresh_statuses(book, store, today=NOW.date())
    assert result.calls == 2
    assert book.told == [{made["inv:w0"].provider_id: None, made["inv:w1"].provider_id: None}]
    versions = {f.key: f.remote_version for f in store.invoice_facts(book.account)}
    assert versions == {"inv:w0": "v2", "inv:w1": "v2", "inv:w2": None}


def test_a_connector_that_counts_nothing_is_credited_with_the_calls_made(
        tmp_path: Path, store: Store) -> None:
    """Without a request count of its own (the sandbox), one feed call counts as one."""
    book, _ = invoiced(tmp_path, store, 2)
    assert refresh_statuses(book, store, today=NOW.date()).calls == 1


class RunDuringRefresh(CountingSandbox):
    """A sandbox on which a run invoices work order w9 and a person pays the invoice
    while a refresh is between reading the journal and reading the change feed."""

    def __init__(self, path: Path, store: Store) -> None:
        super().__init__(path)
        self.store = store
        self.interrupt = True

    def changes(self, since: datetime) -> Changes:
        if self.interrupt:
            self.interrupt = False
            orders, customers = work(10)[9:], people(10)[9:]
            assert invoice(orders, customers, COMPANY, self, store=self.store).ok
            (made,) = [i for i in self.invoices() if i.key == "inv:w9"]
            self.register_payment(made.provider_id, made.total, made.issue_date)
        return super().changes(since)


def test_an_invoice_made_and_paid_during_a_refresh_is_seen_by_the_next(
        tmp_path: Path, store: Store) -> None:
    """A refresh does not move its watermark past an invoice journaled while it ran, so
    the payment made on it then is seen by the next refresh."""
    book = RunDuringRefresh(tmp_path / "book.db", store)
    assert invoice(work(2), people(2), COMPANY, book, store=store).ok
    today = date.today()
    watermark = store.feed_watermark(book.account)
    during = refresh(book, store=store, today=today)
    assert statuses(store, book.account, today)["inv:w9"] == OPEN  # the run's own record
    assert store.feed_watermark(book.account) == watermark and "stays" in during.note
    after = refresh(book, store=store, today=today)
    assert statuses(store, book.account, today)["inv:w9"] == PAID
    assert store.feed_watermark(book.account) == after.until and after.note == ""
