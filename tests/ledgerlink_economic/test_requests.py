"""What the connector sends and how much: requests per invoice, paged reads, the token bucket
and the fair-use day, counted from the emulator's records."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from ledgerlink.errors import QuotaExhaustedError
from ledgerlink.testing.factories import make_customer, make_invoice_draft
from ledgerlink_economic import EconomicConnector
from ledgerlink_economic.budget import Gauge, parse_rate_limiting
from ledgerlink_economic.emulator import Agreement, Bucket, EconomicEmulator
from tests.clocks import FakeClock
from tests.ledgerlink_economic.support import build_connector, prepare_agreement


def _calls(emulator: EconomicEmulator) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in emulator.records]


def test_an_invoice_costs_a_create_and_a_booking(economic: EconomicConnector,
                                                 emulator: EconomicEmulator) -> None:
    """Once the customer and the agreement's settings are known, an invoice is one POST of
    the draft and, to book it, one read of the draft (is it still ours?) and one POST."""
    customer = make_customer()
    ref = economic.create_customer(customer)
    economic.create_invoice(make_invoice_draft(customer=customer), ref, {})
    before = len(emulator.records)
    draft = make_invoice_draft(customer=customer)
    created = economic.create_invoice(draft, ref, {})
    assert _calls(emulator)[before:] == [("POST", "/invoices/drafts")]
    before = len(emulator.records)
    economic.book(created.provider_id)
    assert _calls(emulator)[before:] == [("GET", "/invoices/drafts/2"),
                                         ("POST", "/invoices/booked")]


def test_a_draft_number_reused_by_another_draft_is_not_booked(
        economic: EconomicConnector, emulator: EconomicEmulator, agreement: Agreement) -> None:
    """A draft deleted in e-conomic's app and its number taken by another draft: booking by
    key books nothing of the other draft (it looks the key up and finds nothing)."""
    from ledgerlink.errors import NotFoundError

    customer = make_customer()
    ref = economic.create_customer(customer)
    created = economic.create_invoice(make_invoice_draft(customer=customer), ref, {})
    (mine,) = emulator.drafts(agreement)
    emulator.seed(agreement, "DELETE", f"/invoices/drafts/{mine['draftInvoiceNumber']}")
    other = emulator.seed(agreement, "POST", "/invoices/drafts", {
        "date": "2026-05-28", "currency": "DKK", "customer": {"customerNumber": int(ref)},
        "layout": {"layoutNumber": 19}, "paymentTerms": {"paymentTermsNumber": 1},
        "recipient": {"name": "Someone", "vatZone": {"vatZoneNumber": 1}},
        "references": {"other": "someone-else"},
        "lines": [{"product": {"productNumber": "vat-25"}, "quantity": 1, "unitNetPrice": 1}]})
    assert other["draftInvoiceNumber"] == mine["draftInvoiceNumber"]
    with pytest.raises(NotFoundError):
        economic.book(created.provider_id)
    assert emulator.invoices(agreement) == []


def test_refresh_reads_pages_not_invoices(emulator: EconomicEmulator, agreement: Agreement,
                                          tmp_path: Path) -> None:
    """The change feed reads the collections a page of 1000 at a time: for N booked
    invoices and no drafts, ⌈N / 1000⌉ + 1 requests (the empty drafts page included)."""
    customer = emulator.seed(agreement, "POST", "/customers", {
        "name": "Bulk ApS", "currency": "DKK", "customerGroup": {"customerGroupNumber": 1},
        "paymentTerms": {"paymentTermsNumber": 1}, "vatZone": {"vatZoneNumber": 1}})
    count = 1203
    for number in range(count):
        made = emulator.seed(agreement, "POST", "/invoices/drafts", {
            "date": "2026-05-28", "currency": "DKK",
            "customer": {"customerNumber": customer["customerNumber"]},
            "layout": {"layoutNumber": 19}, "paymentTerms": {"paymentTermsNumber": 1},
            "recipient": {"name": "Bulk ApS", "vatZone": {"vatZoneNumber": 1}},
            "references": {"other": f"inv:bulk-{number}"},
            "lines": [{"product": {"productNumber": "vat-25"}, "quantity": 1,
                       "unitNetPrice": 100}]})
        emulator.seed(agreement, "POST", "/invoices/booked",
                      {"draftInvoice": {"draftInvoiceNumber": made["draftInvoiceNumber"]}})
    with build_connector(emulator, tmp_path, agreement=agreement) as book:
        before = len(emulator.records)
        changes = book.changes(datetime.now(UTC) - timedelta(hours=1))
        reads = _calls(emulator)[before:]
    assert len(changes.invoices) == count
    assert reads.count(("GET", "/invoices/booked")) == math.ceil(count / 1000)
    assert len(reads) == math.ceil(count / 1000) + 1


def test_the_bucket_is_followed_from_the_answers(tmp_path: Path) -> None:
    """With a small bucket the connector waits for it to refill (on the emulator's clock)
    instead of meeting 429s: every call succeeds and e-conomic refuses none."""
    clock = FakeClock()
    emulator = EconomicEmulator(clock=clock, sleep=clock.sleep,
                                bucket=Bucket(limit=5, window=10.0))
    agreement = prepare_agreement(emulator)
    with build_connector(emulator, tmp_path, agreement=agreement) as book:
        book.gauge.sleep = clock.sleep
        book.gauge.clock = lambda: clock.now.timestamp()
        for _ in range(12):
            book.find_customer(make_customer())
        waited = book.gauge.waited
    assert emulator.throttle.rejected == 0
    assert waited > 0 and clock.slept >= waited


def test_rate_limiting_header_is_read() -> None:
    """The observed header gives the bucket's size, window, spent tokens and call cost."""
    import httpx

    reading = parse_rate_limiting(httpx.Headers({
        "X-RateLimiting": "token-limit-10000-per-60-seconds: 9999/10000", "X-CallCost": "2"}))
    assert reading is not None
    assert (reading.limit, reading.window, reading.spent, reading.cost) == (10000, 60.0, 9999, 2)
    assert reading.wait() == pytest.approx(0.006)
    assert parse_rate_limiting(httpx.Headers({})) is None


def test_the_fair_use_day_is_refused_before_it_is_spent(emulator: EconomicEmulator,
                                                        agreement: Agreement,
                                                        tmp_path: Path) -> None:
    """Past the day's budget less its reserve, a call is refused with an error saying so,
    and nothing reaches e-conomic; a new UTC day starts again from nothing."""
    gauge = Gauge(per_day=10, reserve=2, used=("2026-05-28", 7), today=lambda: day[0])
    day = ["2026-05-28"]
    with build_connector(emulator, tmp_path, agreement=agreement) as book:
        book.gauge = gauge
        gauge.install(book.api.http.client)
        book.find_customer(make_customer())  # the 8th call of the day
        before = len(emulator.records)
        with pytest.raises(QuotaExhaustedError, match="fair use allows 10 a day"):
            book.find_customer(make_customer())
        assert len(emulator.records) == before
        day[0] = "2026-05-29"
        book.find_customer(make_customer())
    assert gauge.calls_today() == 1


def test_a_price_is_never_sent_with_more_than_two_decimals(economic: EconomicConnector,
                                                          emulator: EconomicEmulator) -> None:
    """Lines of any precision reach e-conomic within its 2 decimals and bill ledgerlink's
    net amounts (the emulator refuses more decimals, as e-conomic does)."""
    from ledgerlink.testing.factories import make_invoice_line

    customer = make_customer()
    ref = economic.create_customer(customer)
    lines = (make_invoice_line("Skruer", "7", "0.125"), make_invoice_line("Tid", "1.5", "33.333"))
    created = economic.create_invoice(make_invoice_draft(customer=customer, lines=lines), ref, {})
    assert created.total == Decimal("63.60")  # (0.88 + 50.00) x 1.25
