"""QuickBooks' change feed (GET /cdc) against the emulator, and a status refresh through it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from ledgerlink.refreshing import ChangeFeedWindowError, refresh_statuses
from ledgerlink.status import InvoiceStatus
from ledgerlink.store import Store
from ledgerlink.testing.conformance import ConnectorConformance
from ledgerlink.testing.factories import make_customer, make_invoice_draft
from ledgerlink_quickbooks import QuickBooksConnector, changefeed
from ledgerlink_quickbooks.emulator import QuickBooksEmulator
from tests.ledgerlink_quickbooks.support import build_connector

HOUR = timedelta(hours=1)


class CountingTransport(httpx.BaseTransport):
    """The emulator's transport, remembering the paths of data requests."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.paths: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if "/v3/company/" in request.url.path:
            self.paths.append(request.url.path.rsplit("/", 1)[-1])
        return self.inner.handle_request(request)


@pytest.fixture
def counted(emulator: QuickBooksEmulator, tmp_path: Path) -> Iterator[
        tuple[QuickBooksConnector, CountingTransport]]:
    transport = CountingTransport(emulator.transport())
    connector = build_connector(emulator, tmp_path, transport=transport)
    try:
        yield connector, transport
    finally:
        connector.close()


def new_invoice(quickbooks: QuickBooksConnector) -> str:
    customer = make_customer()
    return quickbooks.create_invoice(make_invoice_draft(customer=customer),
                                     quickbooks.create_customer(customer), {}).provider_id


def test_changes_report_full_invoices_deleted_ids_and_the_server_time(
        quickbooks: QuickBooksConnector) -> None:
    """Created, paid, voided invoices come back whole with their status; deleted by id."""
    start = datetime.now(UTC) - HOUR
    created, paid, voided, deleted = (new_invoice(quickbooks) for _ in range(4))
    total = quickbooks.get_invoice(paid).total
    quickbooks.register_payment(paid, total, date.today())
    quickbooks.void(voided)
    quickbooks.delete(deleted)
    found = changefeed.changes(quickbooks.api, start)
    today = date.today()
    by_id = {i.provider_id: i for i in found.invoices}
    assert set(by_id) == {created, paid, voided}
    assert by_id[paid].status(today) == InvoiceStatus.PAID
    assert by_id[voided].status(today) == InvoiceStatus.VOID
    assert by_id[created].status(today) == InvoiceStatus.OPEN
    assert by_id[created].key is not None and by_id[created] == quickbooks.get_invoice(created)
    assert found.deleted == (deleted,)
    assert found.until.tzinfo is not None
    assert abs(found.until - datetime.now(UTC)) < timedelta(seconds=5)


def test_a_read_from_a_later_until_reports_nothing_old(quickbooks: QuickBooksConnector) -> None:
    """Once QuickBooks' clock has moved past the changes, a read from then is empty."""
    made = new_invoice(quickbooks)
    first = changefeed.changes(quickbooks.api, datetime.now(UTC) - HOUR)
    assert made in {i.provider_id for i in first.invoices}
    deadline = time.monotonic() + 5
    later = first
    while later.until <= first.until:
        assert time.monotonic() < deadline
        time.sleep(0.05)
        later = changefeed.changes(quickbooks.api, first.until)
    empty = changefeed.changes(quickbooks.api, later.until)
    assert (empty.invoices, empty.deleted) == ((), ())


def test_a_since_beyond_the_look_back_is_refused_before_asking(
        counted: tuple[QuickBooksConnector, CountingTransport]) -> None:
    """More than 30 days back: ChangeFeedWindowError, and no request is made."""
    quickbooks, transport = counted
    with pytest.raises(ChangeFeedWindowError, match="30 days"):
        changefeed.changes(quickbooks.api, datetime.now(UTC) - timedelta(days=30))
    assert transport.paths == []


def test_quickbooks_own_look_back_refusal_keeps_its_words(tmp_path: Path) -> None:
    """When QuickBooks' clock is ahead of ours, its 6000 refusal becomes the window error."""
    ahead = time.time() + timedelta(days=31).total_seconds()
    emulator = QuickBooksEmulator(clock=lambda: ahead)
    quickbooks = build_connector(emulator, tmp_path)
    try:
        with pytest.raises(ChangeFeedWindowError) as caught:
            changefeed.changes(quickbooks.api, datetime.now(UTC) - HOUR)
    finally:
        quickbooks.close()
    assert caught.value.code == "6000"
    assert "changedSince may be at most 30 days ago" in str(caught.value)


def test_a_full_answer_is_refused_rather_than_missing_deletions(
        emulator: QuickBooksEmulator, quickbooks: QuickBooksConnector) -> None:
    """1000 changed invoices fill the answer, so deleted ones may be cut: the window error."""
    start = datetime.now(UTC) - HOUR
    customer = emulator.seed(quickbooks.realm_id, "Customer", {"DisplayName": "Many"})
    item = quickbooks.default_item
    for _ in range(changefeed.MAX_OBJECTS):
        emulator.seed(quickbooks.realm_id, "Invoice", {
            "CustomerRef": {"value": customer["Id"]},
            "Line": [{"DetailType": "SalesItemLineDetail", "Amount": 10,
                      "SalesItemLineDetail": {"ItemRef": {"value": item}}}]})
    with pytest.raises(ChangeFeedWindowError, match="1000 invoices changed"):
        changefeed.changes(quickbooks.api, start)


def test_the_connector_keeps_the_change_feed_contract(tmp_path: Path) -> None:
    """The conformance suite's change-feed test passes on QuickBooks with the feed declared."""
    suite = ConnectorConformance()
    connector = build_connector(QuickBooksEmulator(), tmp_path)
    try:
        suite.test_change_feed(connector)
    finally:
        connector.close()


def test_a_refresh_through_the_feed_is_one_request(
        counted: tuple[QuickBooksConnector, CountingTransport], tmp_path: Path) -> None:
    """refresh_statuses asks /cdc once and records each journaled invoice's status."""
    quickbooks, transport = counted
    store = Store(tmp_path / "journal.db")
    ours = [new_invoice(quickbooks) for _ in range(3)]
    new_invoice(quickbooks)  # not made by ledgerlink: not in the journal
    with store.transaction(quickbooks.account) as tx:
        for index, pid in enumerate(ours):
            tx.invoice(f"inv:w{index}", "c", "book", False, "DKK", pending=False,
                       remote_id=pid)
    quickbooks.void(ours[0])
    quickbooks.delete(ours[1])
    transport.paths.clear()
    result = refresh_statuses(quickbooks, store)
    assert (result.mode, transport.paths) == ("change_feed", ["cdc"])
    assert {c.key: c.after for c in result.changes} == {
        "inv:w0": InvoiceStatus.VOID, "inv:w1": InvoiceStatus.DELETED,
        "inv:w2": InvoiceStatus.OPEN}
    assert store.feed_watermark(quickbooks.account) == result.until
