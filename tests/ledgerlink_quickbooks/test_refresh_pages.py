"""A QuickBooks status refresh past one CDC answer: keyset query pages, deletions checked by Id
in pages, every request counted and compared with the emulator's record."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledgerlink.refreshing import refresh_statuses
from ledgerlink.status import InvoiceStatus
from ledgerlink.store import Store
from ledgerlink.testing.factories import make_customer, make_invoice_draft
from ledgerlink_quickbooks import QuickBooksConnector, changefeed
from ledgerlink_quickbooks.emulator import QuickBooksEmulator, handlers
from tests.ledgerlink_quickbooks.support import build_connector
from tests.refreshes import journal

#: Objects one CDC answer holds here, so a handful of invoices fills it.
SMALL_CDC = 4
#: Rows a query page holds here.
PAGE = 3
TODAY = date.today()


class Clock:
    """The emulator's clock: a minute behind ours, moved on by hand (whole seconds)."""

    def __init__(self) -> None:
        self.now = float(int(time.time()) - 60)

    def __call__(self) -> float:
        return self.now

    def tick(self, seconds: float = 1.0) -> None:
        self.now += seconds


class Meddling(httpx.BaseTransport):
    """The emulator's transport, running ``hook`` once after the ``after``-th query answer."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.queries = 0
        self.after = 0
        self.hook: Callable[[], None] | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.method == "GET" and request.url.path.endswith("/query"):
            self.queries += 1
            if self.hook is not None and self.queries == self.after:
                hook, self.hook = self.hook, None
                hook()
        return response


@pytest.fixture(autouse=True)
def _small_cdc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(changefeed, "MAX_OBJECTS", SMALL_CDC)
    monkeypatch.setattr(handlers, "CDC_MAX_OBJECTS", SMALL_CDC)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def meddling(clock: Clock) -> Meddling:
    return Meddling(QuickBooksEmulator(clock=clock).transport())


@pytest.fixture
def quickbooks(meddling: Meddling, tmp_path: Path) -> Iterator[QuickBooksConnector]:
    emulator = meddling.inner.emulator  # type: ignore[attr-defined]
    connector = build_connector(emulator, tmp_path, transport=meddling)
    connector.api.page_size = PAGE
    try:
        yield connector
    finally:
        connector.close()


def _emulator(quickbooks: QuickBooksConnector, meddling: Meddling) -> QuickBooksEmulator:
    emulator: QuickBooksEmulator = meddling.inner.emulator  # type: ignore[attr-defined]
    return emulator


def _made(quickbooks: QuickBooksConnector, clock: Clock, count: int, *,
          ticks: list[float] | None = None, due: date | None = None) -> list[str]:
    """``count`` invoices of one customer, the clock moved on ``ticks[i]`` before each."""
    customer = make_customer()
    ref = quickbooks.create_customer(customer)
    made = []
    for i in range(count):
        clock.tick(ticks[i] if ticks else 1.0)
        issued = TODAY if due is None else due - timedelta(days=14)
        draft = make_invoice_draft(customer=customer, issue_date=issued,
                                   due_date=due or TODAY + timedelta(days=30))
        made.append(quickbooks.create_invoice(draft, ref, {}))
    return [invoice.provider_id for invoice in made]


def _journaled(quickbooks: QuickBooksConnector, store: Store, ids: list[str]) -> dict[str, str]:
    return journal(store, quickbooks.account, [quickbooks.get_invoice(i) for i in ids])


def _statuses(store: Store, account: str, keys: dict[str, str]) -> dict[str, object]:
    facts = {f.key: f for f in store.invoice_facts(account)}
    return {pid: facts[key].status(TODAY) for pid, key in keys.items()}


def test_a_refresh_past_a_full_cdc_answer_reads_pages_counted_as_the_emulator_saw_them(
        quickbooks: QuickBooksConnector, meddling: Meddling, clock: Clock,
        tmp_path: Path) -> None:
    """Ten new invoices fill the small CDC answer: the refresh reads them in query pages,
    about ⌈N / page⌉ requests, and its calls are exactly the requests the emulator answered."""
    emulator = _emulator(quickbooks, meddling)
    store = Store(tmp_path / "journal.db")
    ids = _made(quickbooks, clock, 10)
    _journaled(quickbooks, store, ids)
    before = len(emulator.requests)
    result = refresh_statuses(quickbooks, store, today=TODAY)
    answered = emulator.requests[before:]
    assert result.calls == len(answered)
    assert result.checked == 10 and result.ok
    assert answered[0].path == "cdc"
    # CDC, then pages overlapping by the row whose stamp a page ends on.
    assert result.calls <= 1 + math.ceil(10 / (PAGE - 1)) + 1


def test_statuses_stay_right_after_paging(quickbooks: QuickBooksConnector,
                                          meddling: Meddling, clock: Clock,
                                          tmp_path: Path) -> None:
    """Paid, partly paid, void, deleted, credited and overdue invoices all read right when the
    changes fill the CDC answer and the query pages and the Id check answer instead."""
    store = Store(tmp_path / "journal.db")
    ids = _made(quickbooks, clock, 7)
    late = _made(quickbooks, clock, 1, due=TODAY - timedelta(days=3))
    keys = _journaled(quickbooks, store, ids + late)
    refresh_statuses(quickbooks, store, today=TODAY)
    paid, partly, voided, deleted, credited, _unchanged, _other = ids
    clock.tick()
    total = quickbooks.get_invoice(paid).total
    quickbooks.register_payment(paid, total, TODAY)
    quickbooks.register_payment(partly, Decimal("1.00"), TODAY)
    quickbooks.void(voided)
    quickbooks.delete(deleted)
    quickbooks.credit(credited, f"credit:{keys[credited]}")
    result = refresh_statuses(quickbooks, store, today=TODAY)
    assert result.ok
    statuses = _statuses(store, quickbooks.account, keys)
    assert statuses[paid] == InvoiceStatus.PAID
    assert statuses[partly] == InvoiceStatus.OPEN | InvoiceStatus.PARTIALLY_PAID
    assert statuses[voided] == InvoiceStatus.VOID
    assert statuses[deleted] == InvoiceStatus.DELETED
    assert statuses[credited] == InvoiceStatus.PAID
    assert statuses[late[0]] == InvoiceStatus.OPEN | InvoiceStatus.OVERDUE
    assert statuses[_unchanged] == InvoiceStatus.OPEN


def test_an_invoice_changed_between_two_pages_is_read_as_it_is_and_none_is_skipped(
        quickbooks: QuickBooksConnector, meddling: Meddling, clock: Clock,
        tmp_path: Path) -> None:
    """A payment on an invoice the first page read, made before the second page, moves it to
    the end of the order: it is read again, paid, and no other invoice is passed over."""
    store = Store(tmp_path / "journal.db")
    ids = _made(quickbooks, clock, 9)
    keys = _journaled(quickbooks, store, ids)

    def pay_the_first() -> None:
        clock.tick()
        quickbooks.register_payment(ids[0], quickbooks.get_invoice(ids[0]).total, TODAY)

    meddling.queries, meddling.after, meddling.hook = 0, 1, pay_the_first
    result = refresh_statuses(quickbooks, store, today=TODAY)
    assert meddling.hook is None and result.ok
    assert result.checked == 9
    statuses = _statuses(store, quickbooks.account, keys)
    assert statuses[ids[0]] == InvoiceStatus.PAID
    assert all(statuses[i] == InvoiceStatus.OPEN for i in ids[1:])


def test_a_refresh_soon_after_a_large_one_reads_only_what_changed_since(
        quickbooks: QuickBooksConnector, meddling: Meddling, clock: Clock,
        tmp_path: Path) -> None:
    """The watermark is QuickBooks' own time, with no step back: the next refresh reads one CDC
    answer of what changed since, not the whole book again."""
    emulator = _emulator(quickbooks, meddling)
    store = Store(tmp_path / "journal.db")
    ids = _made(quickbooks, clock, 9)
    _journaled(quickbooks, store, ids)
    refresh_statuses(quickbooks, store, today=TODAY)
    clock.tick(5)
    quickbooks.register_payment(ids[4], quickbooks.get_invoice(ids[4]).total, TODAY)
    before = len(emulator.requests)
    second = refresh_statuses(quickbooks, store, today=TODAY)
    assert [r.path for r in emulator.requests[before:]] == ["cdc"]
    assert second.calls == 1 and [c.provider_id for c in second.changes] == [ids[4]]


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ticks=st.lists(st.sampled_from([0.0, 0.0, 1.0, 2.0]), min_size=1, max_size=12),
       page=st.integers(min_value=2, max_value=4), meddle=st.integers(min_value=0, max_value=4))
def test_the_pages_find_every_invoice_changed_since_whatever_the_seconds_they_share(
        tmp_path: Path, ticks: list[float], page: int, meddle: int) -> None:
    """Invoices stamped in any pattern of shared seconds, read in pages of any size while one
    already read may change after any page: every one is found, as it is now."""
    clock = Clock()
    meddling = Meddling(QuickBooksEmulator(clock=clock).transport())
    emulator: QuickBooksEmulator = meddling.inner.emulator  # type: ignore[attr-defined]
    quickbooks = build_connector(emulator, tmp_path, transport=meddling)
    try:
        quickbooks.api.page_size = page
        since = datetime.fromtimestamp(clock.now, UTC)
        ids = _made(quickbooks, clock, len(ticks), ticks=ticks)

        def pay_the_first() -> None:
            clock.tick()  # a later second: one the answers so far were not given in
            quickbooks.register_payment(ids[0], quickbooks.get_invoice(ids[0]).total, TODAY)

        meddling.queries, meddling.after = 0, meddle
        meddling.hook = pay_the_first if meddle else None
        found, _ = changefeed.changed_rows(quickbooks.api, since)
        assert set(ids) <= set(found)
        if meddle and meddling.queries > meddle:  # a page was read after the payment
            assert str(found[ids[0]]["Balance"]) in ("0", "0.00", "0.0")
    finally:
        quickbooks.close()


def test_an_invoice_passed_over_twice_in_a_crowded_second_is_still_read(
        quickbooks: QuickBooksConnector, meddling: Meddling, clock: Clock,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nine invoices of one second are read by position; payments while it is read and while
    it is read again pass one (partly paid in that second) over both times: the Id check
    reads it in the same refresh, and the invoices paid during the second reading read
    paid at the next refresh."""
    emulator = _emulator(quickbooks, meddling)
    store = Store(tmp_path / "journal.db")
    ids = _made(quickbooks, clock, 9, ticks=[0.0] * 9)
    keys = _journaled(quickbooks, store, ids)
    realm = emulator.realms[quickbooks.realm_id]

    def pay(i: int, amount: Decimal | None = None) -> None:
        invoice = realm.entities["Invoice"][ids[i]]
        paid = invoice["Balance"] if amount is None else amount
        emulator.seed(quickbooks.realm_id, "Payment", {
            "CustomerRef": invoice["CustomerRef"], "TotalAmt": paid,
            "Line": [{"Amount": paid, "LinkedTxn": [{"TxnId": ids[i], "TxnType": "Invoice"}]}]})

    def while_read() -> None:  # after the 2nd page of the first reading
        clock.tick()  # a later second: the paid invoice leaves the crowded one
        pay(0)  # the 7th moves to the 6th place, which that reading has passed
        meddling.after, meddling.hook = 6, while_read_again

    def while_read_again() -> None:  # after the 1st page of the second reading
        clock.tick()
        for i in (1, 2, 3):
            pay(i)  # the 7th moves to the 3rd place, which this reading has passed

    paged: list[set[str]] = []
    read_pages = changefeed.changed_rows

    def spied(api: object, since: datetime) -> tuple[dict[str, object], datetime]:
        found, until = read_pages(api, since)  # type: ignore[arg-type]
        paged.append(set(found))
        return found, until  # type: ignore[return-value]

    monkeypatch.setattr(changefeed, "changed_rows", spied)
    pay(6, Decimal("1.00"))  # in the crowded second: it stays there, partly paid
    # Query answers: 1 the first page (all one second), 2-4 that second by position,
    # 5 the seconds after it, 6-7 the second read again (the Id check is a POST).
    meddling.queries, meddling.after, meddling.hook = 0, 3, while_read
    first = refresh_statuses(quickbooks, store, today=TODAY)
    assert meddling.hook is None and meddling.queries == 7 and first.ok
    assert paged[0] == set(ids) - {ids[6]}  # both readings by position passed it over
    statuses = _statuses(store, quickbooks.account, keys)
    assert statuses[ids[6]] == InvoiceStatus.OPEN | InvoiceStatus.PARTIALLY_PAID
    assert statuses[ids[0]] == InvoiceStatus.PAID
    assert [statuses[i] for i in ids[1:4]] == [InvoiceStatus.OPEN] * 3  # read before paid
    second = refresh_statuses(quickbooks, store, today=TODAY)
    assert second.ok
    statuses = _statuses(store, quickbooks.account, keys)
    assert all(statuses[i] == InvoiceStatus.PAID for i in ids[:4])
    assert statuses[ids[6]] == InvoiceStatus.OPEN | InvoiceStatus.PARTIALLY_PAID
    assert all(statuses[i] == InvoiceStatus.OPEN for i in (ids[4], ids[5], ids[7], ids[8]))
