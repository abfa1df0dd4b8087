"""Syncing open drafts on the QuickBooks (drafts=true) and Dinero emulators, in process: drafts a
person closed are closed by the next run, a draft changed while the feed is read is not missed,
a run reads from where the last one ended, and the status refresh still sees the whole book."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import attrs
import httpx
import pytest

import ledgerlink as ll
from ledgerlink.connector import Changes, Connector, KnownVersions
from ledgerlink.domain import RemoteInvoice
from ledgerlink.refreshing import refresh_statuses
from ledgerlink.status import InvoiceStatus
from ledgerlink.store import Store
from ledgerlink_dinero.emulator import DineroEmulator
from ledgerlink_quickbooks import changefeed
from ledgerlink_quickbooks.emulator import QuickBooksEmulator, handlers
from tests.ledgerlink_dinero.support import build_connector as dinero_connector
from tests.ledgerlink_quickbooks.support import build_connector as quickbooks_connector

NOW = datetime.now(UTC)
COLLECTING = ll.PolicyOverride(posting=ll.Posting.DRAFT)


class Hooked(httpx.BaseTransport):
    """An emulator's transport that runs ``hook`` once, right after answering the first
    request ``is_feed`` picks: a person acting while the change feed is being read."""

    def __init__(self, inner: httpx.BaseTransport, is_feed: Callable[[httpx.Request], bool]):
        self.inner = inner
        self.is_feed = is_feed
        self.hook: Callable[[], None] | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if self.hook is not None and self.is_feed(request):
            hook, self.hook = self.hook, None
            hook()
        return response


class Clock:
    """The emulator's clock: ours, moved on by hand when a test needs a later second."""

    def __init__(self) -> None:
        self.ahead = 0.0

    def __call__(self) -> float:
        return time.time() + self.ahead

    def tick(self, seconds: float) -> None:
        self.ahead += seconds


@attrs.define
class Provider:
    """A connector on a fresh account of an emulator, its journal, and the feed reads seen."""

    connector: Connector
    store: Store
    transport: Hooked
    company: ll.Company
    customers: list[ll.Customer]
    voids: bool  # the provider voids a draft (QuickBooks); Dinero only deletes one
    clock: Clock
    starts: list[datetime] = attrs.Factory(list)
    answers: list[Changes] = attrs.Factory(list)
    reads: int = 0

    def watch(self) -> None:
        """Keep where each feed read starts and what it answers; count single reads."""
        feed, read = self.connector.changes, self.connector.get_invoice

        def changes(since: datetime, known: KnownVersions | None = None) -> Changes:
            self.starts.append(since)
            answer = feed(since, known=known)  # type: ignore[call-arg]
            self.answers.append(answer)
            return answer

        def get_invoice(provider_id: str) -> RemoteInvoice:
            self.reads += 1
            return read(provider_id)

        self.connector.changes = changes  # type: ignore[method-assign]
        self.connector.get_invoice = get_invoice  # type: ignore[method-assign]

    def run(self, orders: list[ll.WorkOrder] | None = None) -> ll.RunResult:
        result = ll.invoice(orders or [], self.customers, self.company, self.connector,
                            store=self.store)
        assert result.ok, result
        return result

    def closed(self) -> set[str]:
        return {key for key, record in self.store.state(self.connector.account).invoices.items()
                if key.startswith("draft:") and record.closed}


def _customers(currency: str) -> list[ll.Customer]:
    return ([ll.Customer(id=f"d{i}", name=f"Drafts {i}", email=f"d{i}@example.com",
                         currency=currency, policy=COLLECTING) for i in range(3)]
            + [ll.Customer(id="b0", name="Booked 0", email="b0@example.com", currency=currency)])


def _quickbooks(tmp: Path) -> Provider:
    clock = Clock()
    emulator = QuickBooksEmulator(clock=clock)
    transport = Hooked(emulator.transport(), lambda r: r.url.path.endswith("/cdc"))
    connector = quickbooks_connector(emulator, tmp, transport=transport, drafts="true")
    company = ll.Company("Drafts Inc", policy=ll.BillingPolicy(send=False), currency="USD",
                         time_zone="UTC")
    return Provider(connector, Store(tmp / "journal.db"), transport, company,
                    _customers("USD"), voids=True, clock=clock)


def _dinero(tmp: Path) -> Provider:
    clock = Clock()
    emulator = DineroEmulator(clock=clock)
    transport = Hooked(emulator.transport(), lambda r: "changesSince" in str(r.url.query))
    connector = dinero_connector(emulator, tmp, transport=transport)
    company = ll.Company("Vinduespudser ApS", policy=ll.BillingPolicy(send=False),
                         currency="DKK", time_zone="UTC")
    return Provider(connector, Store(tmp / "journal.db"), transport, company,
                    _customers("DKK"), voids=False, clock=clock)


PROVIDERS: dict[str, Callable[[Path], Provider]] = {"quickbooks": _quickbooks,
                                                     "dinero": _dinero}


@pytest.fixture(autouse=True)
def _no_retry_waits(ledgerlink_no_retry_waits: None) -> None:
    """Retries run at once in every test here (the ledgerlink pytest plugin's fixture)."""


@pytest.fixture(params=sorted(PROVIDERS))
def provider(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Provider]:
    made = PROVIDERS[request.param](tmp_path)
    try:
        yield made
    finally:
        made.connector.close()  # type: ignore[attr-defined]


def work(customers: list[ll.Customer], suffix: str = "") -> list[ll.WorkOrder]:
    return [ll.WorkOrder(id=f"w-{c.id}{suffix}", customer_id=c.id,
                         completed_at=NOW - timedelta(hours=1), status=ll.WorkStatus.COMPLETED,
                         lines=[ll.WorkLine("Hours", Decimal(2), Decimal("95"))])
            for c in customers]


def invoiced(provider: Provider) -> dict[str, str]:
    """A first run: a draft for each collecting customer, an invoice for the other; the
    provider ids by key. The feed is watched from here on."""
    provider.run(work(provider.customers))
    ids = provider.store.invoice_ids(provider.connector.account)
    provider.watch()
    return ids


def test_drafts_a_person_booked_voided_or_deleted_are_closed_by_the_next_run(
        provider: Provider) -> None:
    """A draft booked and one deleted by a person (on QuickBooks also one voided) are closed by
    the next run's one feed read, no draft read one by one; the deleted one's work goes on a
    new draft."""
    ids = invoiced(provider)
    connector = provider.connector
    connector.book(ids["draft:d0:1"])
    connector.delete(ids["draft:d1:1"])
    closing = {"draft:d0:1", "draft:d1:1"}
    if provider.voids:
        connector.void(ids["draft:d2:1"])
        closing.add("draft:d2:1")
    rerun = provider.run(work(provider.customers))
    assert len(provider.starts) == 1 and provider.reads == 0
    assert provider.closed() == closing
    assert rerun.summary["drafts_created"] == 1  # d1's work, billable again
    state = provider.store.state(connector.account)
    assert state.work["w-d1"].invoice_key == "draft:d1:2"
    assert state.invoices["draft:d0:1"].booked


def test_a_draft_booked_while_the_feed_is_read_is_closed_by_the_next_run(
        provider: Provider) -> None:
    """A draft booked right after the provider answered the feed read is not missed: the
    next run reads from that read's ``until`` and closes it."""
    ids = invoiced(provider)
    provider.run()

    def booked_by_hand() -> None:
        provider.connector.book(ids["draft:d2:1"])

    provider.transport.hook = booked_by_hand
    provider.run()
    assert provider.transport.hook is None  # the person did act, mid-read
    assert provider.closed() == set()  # after the answer this run's read was based on
    provider.run()
    assert provider.closed() == {"draft:d2:1"}
    assert provider.starts[-1] == provider.answers[-2].until


def test_a_run_after_a_run_reads_from_where_the_last_run_read(provider: Provider) -> None:
    """Each run's feed read starts at the previous run's ``until`` (the drafts' watermark),
    and the status refresh's watermark is not moved by them."""
    invoiced(provider)
    provider.run()
    provider.run()
    provider.run()
    account = provider.connector.account
    assert provider.starts[1:] == [a.until for a in provider.answers[:-1]]
    assert provider.store.drafts_watermark(account) == provider.answers[-1].until
    assert provider.store.feed_watermark(account) is None


def test_a_status_refresh_after_the_runs_still_sees_the_rest_of_the_book(
        provider: Provider) -> None:
    """A payment on a booked invoice made before a run is recorded by the status refresh
    after it: syncing the drafts did not pass it by."""
    ids = invoiced(provider)
    connector = provider.connector
    refresh_statuses(connector, provider.store)
    invoice = connector.get_invoice(ids["inv:w-b0"])
    connector.register_payment(invoice.provider_id, invoice.total, date.today())
    provider.clock.tick(2)  # the run reads the feed seconds after the payment
    provider.run()
    result = refresh_statuses(connector, provider.store)
    assert [(c.key, c.after) for c in result.changes] == [("inv:w-b0", InvoiceStatus.PAID)]


def test_a_draft_a_refresh_recorded_booked_is_closed_though_the_feed_leaves_it_out(
        tmp_path: Path) -> None:
    """On Dinero, a draft booked by hand and recorded by a status refresh (with its version)
    is left out of the next feed answer as unmoved, and is closed from the recorded facts."""
    provider = _dinero(tmp_path)
    ids = invoiced(provider)
    provider.run()
    provider.connector.book(ids["draft:d0:1"])
    refresh_statuses(provider.connector, provider.store)
    provider.run()
    assert ids["draft:d0:1"] not in {i.provider_id for i in provider.answers[-1].invoices}
    assert provider.closed() == {"draft:d0:1"}


def test_quickbooks_finds_a_deleted_draft_among_the_drafts_it_is_told(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past one change-data-capture answer QuickBooks looks for deletions only among the ids
    it is told: a deleted draft is found, and an invoice deleted meanwhile is still found by
    the status refresh afterwards."""
    monkeypatch.setattr(changefeed, "MAX_OBJECTS", 2)
    monkeypatch.setattr(handlers, "CDC_MAX_OBJECTS", 2)
    provider = _quickbooks(tmp_path)
    ids = invoiced(provider)
    refresh_statuses(provider.connector, provider.store)
    provider.connector.delete(ids["draft:d1:1"])
    provider.connector.delete(ids["inv:w-b0"])
    provider.run()  # more changed since its start than one (here two-object) answer holds
    assert provider.closed() == {"draft:d1:1"}
    result = refresh_statuses(provider.connector, provider.store)
    assert ("inv:w-b0", InvoiceStatus.DELETED) in {(c.key, c.after) for c in result.changes}
